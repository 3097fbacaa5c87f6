// Fingerprints in the editor: on hover, as inlay hints after declarations, and as a code lens
// that explains one. Each needs a checked model of the declaration; a slice of the program (the
// declaration and what it names) is checked for it, unless a full check of the file's closure is
// already at hand.
import { checkItems, describe, explainFingerprint, fingerprintsOf, itemAt, NameIndex, type CheckedProgram, type Description, type Fingerprint, type Target } from "@coal/compiler";
import type * as A from "@coal/language";
import { InlayHintKind, MarkupKind, type CodeLens, type CodeLensParams, type Hover, type HoverParams, type InlayHint, type InlayHintParams, type Position } from "vscode-languageserver";
import type { FileContext, Session } from "../session.js";

export const explainCommand = "coal.explainFingerprint";

/** A checked program whose model holds `target`'s declaration. */
export function checkedFor(context: FileContext, target: Target): CheckedProgram | undefined {
  if (target.unit.isStd || !context.program.units.has(target.unit.path)) return undefined;
  const ready = context.workspace.checkedIfReady(context.program);
  if (ready !== undefined) return ready;
  const decl = NameIndex.topLevel(target).node as A.Declaration;
  const cache = context.workspace.slices(context.program);
  let checked = cache.get(decl);
  if (checked === undefined) {
    checked = checkItems(context.program, target.unit.path, [decl], context.names).checked;
    cache.set(decl, checked);
  }
  return checked;
}

function fingerprintable(target: Target): boolean {
  return ["organism", "confluence", "lattice", "coalition", "record", "enum", "measurements"].includes(target.kind) && !target.unit.isStd;
}

export function hoverMarkdown(description: Description): string {
  const parts = ["```coal\n" + description.signature + "\n```"];
  if (description.doc !== undefined) parts.push(description.doc);
  if (description.fingerprints.length > 0) parts.push(description.fingerprints.map((f) => `${f.label}: \`${f.hex}\``).join("  \n"));
  return parts.join("\n\n---\n\n");
}

export function hover(session: Session, params: HoverParams): Hover | null {
  const context = session.context(params.textDocument.uri);
  if (context === undefined) return null;
  const occurrence = context.names.occurrenceAt(context.unit, context.lines.offset(params.position));
  if (occurrence === undefined) return null;
  const target = occurrence.target;
  const checked = fingerprintable(target) ? checkedFor(context, target) : undefined;
  const description = describe(target, checked);
  return { contents: { kind: MarkupKind.Markdown, value: hoverMarkdown(description) }, range: context.lines.range(occurrence.range) };
}

/** The declarations of a file that have fingerprints, with their targets. */
function declarations(context: FileContext, from = 0, to = Infinity): Target[] {
  const targets: Target[] = [];
  for (const item of context.unit.parsed.file.items) {
    if (item.end < from || item.start > to || item.kind === "ImportDecl" || item.kind === "UniverseDecl" || item.name === undefined) continue;
    const target = context.names.declaration(context.unit, item as A.Declaration & { name: A.Identifier });
    if (fingerprintable(target)) targets.push(target);
  }
  return targets;
}

/** Fingerprints of several declarations through one slice (or the ready full check). */
function fingerprintsOfAll(context: FileContext, targets: readonly Target[]): Map<Target, Fingerprint[]> {
  const result = new Map<Target, Fingerprint[]>();
  if (targets.length === 0) return result;
  const checked = context.workspace.checkedIfReady(context.program) ?? checkItems(context.program, context.path, targets.map((t) => t.node as A.Declaration), context.names).checked;
  for (const target of targets) result.set(target, fingerprintsOf(target, checked));
  return result;
}

export function inlayHints(session: Session, params: InlayHintParams): InlayHint[] {
  const context = session.context(params.textDocument.uri);
  if (context === undefined) return [];
  const { start, end } = context.lines.offsets(params.range);
  const hints: InlayHint[] = [];
  for (const [target, fingerprints] of fingerprintsOfAll(context, declarations(context, start, end))) {
    const principal = fingerprints[0];
    if (principal === undefined) continue;
    hints.push({
      position: context.lines.position(target.nameNode.end),
      label: `${principal.label} ${principal.hex.slice(0, 12)}…`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
      tooltip: fingerprints.map((f) => `${f.label}: ${f.hex}`).join("\n"),
    });
  }
  return hints;
}

/** One lens per fingerprinted declaration; its title (the fingerprint) is filled in on resolve. */
export function codeLenses(session: Session, params: CodeLensParams): CodeLens[] {
  const context = session.context(params.textDocument.uri);
  if (context === undefined) return [];
  return declarations(context).map((target) => ({ range: context.lines.range(target.nameNode), data: { uri: params.textDocument.uri, position: context.lines.position(target.nameNode.start) } }));
}

export function resolveCodeLens(session: Session, lens: CodeLens): CodeLens {
  const data = lens.data as { uri?: unknown; position?: Position } | undefined;
  const found = typeof data?.uri === "string" && data.position !== undefined ? principalAt(session, data.uri, data.position) : undefined;
  if (found === undefined) return { ...lens, command: { title: "no fingerprint (the declaration has errors)", command: "" } };
  return { ...lens, command: { title: `${found.fingerprint.label} ${found.fingerprint.hex.slice(0, 16)}… · explain`, command: explainCommand, arguments: [data!.uri, data!.position] } };
}

function principalAt(session: Session, uri: string, position: Position): { fingerprint: Fingerprint; checked: CheckedProgram; target: Target } | undefined {
  const context = session.context(uri);
  if (context === undefined) return undefined;
  const offset = context.lines.offset(position);
  const item = itemAt(context.unit.parsed.file, offset);
  if (item === undefined || item.kind === "ImportDecl" || item.kind === "UniverseDecl" || item.name === undefined) return undefined;
  const target = context.names.declaration(context.unit, item as A.Declaration & { name: A.Identifier });
  if (!fingerprintable(target)) return undefined;
  const checked = checkedFor(context, target);
  const fingerprint = checked === undefined ? undefined : fingerprintsOf(target, checked)[0];
  return fingerprint === undefined || checked === undefined ? undefined : { fingerprint, checked, target };
}

/** `coal.explainFingerprint`: how a declaration's principal fingerprint was derived. */
export function explainAt(session: Session, uri: string, position: Position): string | undefined {
  const found = principalAt(session, uri, position);
  if (found === undefined) return undefined;
  return `# ${found.target.kind} ${found.target.name}: ${found.fingerprint.label}\n${explainFingerprint(found.fingerprint, found.checked)}`;
}
