// Go to definition (into the standard library too), find references, and rename across files.
// All three start from the name under the cursor as the compiler's name index resolves it.
import { keywordNames } from "@coal/language";
import { NameIndex, type Occurrence, type Target } from "@coal/compiler";
import { ResponseError, ErrorCodes, type DefinitionParams, type Location, type PrepareRenameParams, type Range, type ReferenceParams, type RenameParams, type TextEdit, type WorkspaceEdit } from "vscode-languageserver";
import type { FileContext, Session } from "../session.js";

/** The name under the cursor and what it refers to. */
export function occurrenceAt(context: FileContext, position: { line: number; character: number }): Occurrence | undefined {
  return context.names.occurrenceAt(context.unit, context.lines.offset(position));
}

function locationOf(session: Session, context: FileContext, target: Target): Location | undefined {
  const lines = context.workspace.lines(target.unit.path);
  if (lines === undefined) return undefined;
  return { uri: session.uriOf(target.unit.path), range: lines.range(target.nameNode) };
}

export function definition(session: Session, params: DefinitionParams): Location | null {
  const context = session.context(params.textDocument.uri);
  if (context === undefined) return null;
  const occurrence = occurrenceAt(context, params.position);
  if (occurrence === undefined) return null;
  return locationOf(session, context, occurrence.target) ?? null;
}

/** The same target in the whole workspace's program (names resolve there across files). */
function inWorkspace(context: FileContext, target: Target): { names: NameIndex; target: Target } | undefined {
  const whole = context.workspace.whole();
  const names = context.workspace.names(whole);
  const unit = whole.units.get(target.unit.path);
  if (unit === undefined) return undefined;
  const found = names.occurrenceAt(unit, target.nameNode.start);
  return found === undefined || found.target.nameNode.start !== target.nameNode.start || found.target.unit.path !== target.unit.path ? undefined : { names, target: found.target };
}

export function references(session: Session, params: ReferenceParams): Location[] {
  const context = session.context(params.textDocument.uri);
  if (context === undefined) return [];
  const occurrence = occurrenceAt(context, params.position);
  if (occurrence === undefined) return [];
  const found = inWorkspace(context, occurrence.target);
  if (found === undefined) return [];
  const locations: Location[] = [];
  for (const { unit, occurrence: reference } of found.names.references(found.target)) {
    const isTheDeclaration = unit === found.target.unit && reference.range.start === found.target.nameNode.start;
    if (isTheDeclaration && !params.context.includeDeclaration) continue;
    const lines = context.workspace.lines(unit.path);
    if (lines !== undefined) locations.push({ uri: session.uriOf(unit.path), range: lines.range(reference.range) });
  }
  return locations;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function prepareRename(session: Session, params: PrepareRenameParams): { range: Range; placeholder: string } | null {
  const context = session.context(params.textDocument.uri);
  if (context === undefined) return null;
  const occurrence = occurrenceAt(context, params.position);
  if (occurrence === undefined) return null;
  if (occurrence.target.unit.isStd && occurrence.viaAlias === undefined) throw new ResponseError(ErrorCodes.InvalidRequest, `\`${occurrence.target.name}\` is declared by the standard library and cannot be renamed`);
  return { range: context.lines.range(occurrence.range), placeholder: context.unit.text.slice(occurrence.range.start, occurrence.range.end) };
}

/** Renames a name everywhere it is used, or refuses (an error the editor shows) when the new
 *  name is not a name, or would collide with one already visible where it is declared or used. */
export function rename(session: Session, params: RenameParams): WorkspaceEdit | null {
  const context = session.context(params.textDocument.uri);
  if (context === undefined) return null;
  const occurrence = occurrenceAt(context, params.position);
  if (occurrence === undefined) return null;
  const newName = params.newName;
  if (!identifier.test(newName)) throw new ResponseError(ErrorCodes.InvalidParams, `\`${newName}\` is not a name: names are letters, digits and \`_\`, not starting with a digit`);
  if ((keywordNames as readonly string[]).includes(newName)) throw new ResponseError(ErrorCodes.InvalidParams, `\`${newName}\` is a keyword`);

  const whole = context.workspace.whole();
  const names = context.workspace.names(whole);
  const unit = whole.units.get(context.path);
  const here = unit === undefined ? undefined : names.occurrenceAt(unit, occurrence.range.start);
  if (unit === undefined || here === undefined) return null;
  const edits: { path: string; range: { start: number; end: number } }[] = [];

  if (here.viaAlias !== undefined) {
    // An alias is local to its file: rename it and its uses there.
    const alias = here.viaAlias;
    if (names.lookup(unit, newName) !== undefined) throw collision(newName, unit.path);
    for (const other of names.occurrences(unit)) if (other.viaAlias === alias) edits.push({ path: unit.path, range: other.range });
  } else {
    const target = here.target;
    if (target.unit.isStd) throw new ResponseError(ErrorCodes.InvalidRequest, `\`${target.name}\` is declared by the standard library and cannot be renamed`);
    if (target.kind === "builtin") throw new ResponseError(ErrorCodes.InvalidRequest, `\`${target.name}\` is a built-in function`);
    // Uses through an alias (`import { A as B }`) keep the alias.
    const found = names.references(target).filter(({ occurrence: o }) => o.viaAlias === undefined);
    if (target.container !== undefined) {
      // A field, variant or parameter: its siblings are its namespace.
      if (names.members(target.container).some((sibling) => sibling !== target && sibling.name === newName)) throw collision(newName, target.unit.path, target.container.name);
    } else {
      // A declaration: the new name must be free in its file and in every file naming it.
      for (const path of new Set([target.unit.path, ...found.map(({ unit: u }) => u.path)])) {
        const file = whole.units.get(path)!;
        const existing = names.lookup(file, newName);
        if (existing !== undefined && existing.target !== target) throw collision(newName, path);
      }
    }
    for (const { unit: file, occurrence: o } of found) edits.push({ path: file.path, range: o.range });
  }
  const changes: Record<string, TextEdit[]> = {};
  for (const edit of edits) {
    const lines = context.workspace.lines(edit.path);
    if (lines === undefined) continue;
    (changes[session.uriOf(edit.path)] ??= []).push({ range: lines.range(edit.range), newText: newName });
  }
  return { changes };
}

function collision(name: string, path: string, owner?: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidRequest, `cannot rename to \`${name}\`: ${owner === undefined ? `\`${path}\` already sees a` : `\`${owner}\` already has a member`} \`${name}\``);
}

export { NameIndex };
