// Document symbols (the outline: declarations, their fields, variants, streams, collections and
// blocks) and workspace symbols (every declaration of every file, matched by a fuzzy query).
import type * as A from "@coal/language";
import type { TargetKind } from "@coal/compiler";
import { SymbolKind, type DocumentSymbol, type DocumentSymbolParams, type SymbolInformation, type WorkspaceSymbolParams } from "vscode-languageserver";
import type { Session } from "../session.js";
import type { LineIndex } from "../text/positions.js";

const declarationKinds: Readonly<Record<A.Declaration["kind"], SymbolKind>> = {
  RecordDecl: SymbolKind.Struct,
  EnumDecl: SymbolKind.Enum,
  ValidatorDecl: SymbolKind.Function,
  BuiltinDecl: SymbolKind.Function,
  MeasurementsDecl: SymbolKind.Constant,
  LatticeDecl: SymbolKind.Module,
  OrganismDecl: SymbolKind.Class,
  ConfluenceDecl: SymbolKind.Class,
  CoalitionDecl: SymbolKind.Namespace,
};

const targetKinds: Readonly<Partial<Record<TargetKind, SymbolKind>>> = {
  record: SymbolKind.Struct,
  enum: SymbolKind.Enum,
  validator: SymbolKind.Function,
  "builtin-validator": SymbolKind.Function,
  builtin: SymbolKind.Function,
  measurements: SymbolKind.Constant,
  lattice: SymbolKind.Module,
  organism: SymbolKind.Class,
  confluence: SymbolKind.Class,
  coalition: SymbolKind.Namespace,
};

function symbol(lines: LineIndex, name: string, kind: SymbolKind, node: A.Range, selection: A.Range, children: DocumentSymbol[] = [], detail?: string): DocumentSymbol {
  return { name, kind, range: lines.range(node), selectionRange: lines.range(selection), ...(detail === undefined ? {} : { detail }), ...(children.length === 0 ? {} : { children }) };
}

function entries(lines: LineIndex, block: A.Block | undefined): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const entry of block?.entries ?? []) {
    switch (entry.kind) {
      case "StreamMember":
      case "CollectionMember":
        if (entry.name !== undefined) out.push(symbol(lines, entry.name.text, entry.kind === "StreamMember" ? SymbolKind.Event : SymbolKind.Array, entry, entry.name, [], entry.kind === "StreamMember" ? "stream" : "collection"));
        break;
      case "NestedBlock":
        out.push(symbol(lines, entry.name.text, SymbolKind.Object, entry, entry.name, entries(lines, entry.body)));
        break;
      case "Property":
        out.push(symbol(lines, entry.name.text, SymbolKind.Property, entry, entry.name));
        break;
      case "WatchdogMember":
        if (entry.name !== undefined) out.push(symbol(lines, entry.name.text, SymbolKind.Object, entry, entry.name, [], "watchdog"));
        break;
      case "ContentMember":
        out.push(symbol(lines, "content", SymbolKind.Object, entry, { start: entry.start, end: entry.start + 7 }));
        break;
      default:
        break;
    }
  }
  return out;
}

export function documentSymbols(session: Session, params: DocumentSymbolParams): DocumentSymbol[] {
  const context = session.context(params.textDocument.uri);
  if (context === undefined) return [];
  const lines = context.lines;
  const out: DocumentSymbol[] = [];
  for (const item of context.unit.parsed.file.items) {
    if (item.kind === "ImportDecl" || item.kind === "UniverseDecl" || item.name === undefined) continue;
    let children: DocumentSymbol[] = [];
    switch (item.kind) {
      case "RecordDecl":
        children = item.fields.map((f) => symbol(lines, f.name.text, SymbolKind.Field, f, f.name));
        break;
      case "EnumDecl":
        children = item.variants.map((v) => symbol(lines, v.name.text, SymbolKind.EnumMember, v, v.name));
        break;
      case "ValidatorDecl":
      case "BuiltinDecl":
        children = (item.params ?? []).map((p) => symbol(lines, p.name.text, SymbolKind.Variable, p, p.name));
        break;
      default:
        children = entries(lines, item.body);
    }
    out.push(symbol(lines, item.name.text, declarationKinds[item.kind], item, item.name, children, item.kind.replace(/Decl$/, "").toLowerCase()));
  }
  return out;
}

/** Whether the query's characters appear in the name in order (case-insensitive). */
function fuzzy(query: string, name: string): boolean {
  let at = 0;
  const lower = name.toLowerCase();
  for (const char of query.toLowerCase()) {
    at = lower.indexOf(char, at);
    if (at < 0) return false;
    at++;
  }
  return true;
}

const maxWorkspaceSymbols = 1000;

export function workspaceSymbols(session: Session, params: WorkspaceSymbolParams): SymbolInformation[] {
  const out: SymbolInformation[] = [];
  for (const workspace of session.workspaces.all()) {
    const program = workspace.whole();
    const names = workspace.names(program);
    for (const unit of program.units.values()) {
      if (unit.isStd) continue;
      const lines = workspace.lines(unit.path);
      if (lines === undefined) continue;
      for (const target of names.exportsOf(unit).values()) {
        if (!fuzzy(params.query, target.name)) continue;
        out.push({ name: target.name, kind: targetKinds[target.kind] ?? SymbolKind.Variable, location: { uri: session.uriOf(unit.path), range: lines.range(target.node) } });
        if (out.length >= maxWorkspaceSymbols) return out;
      }
    }
  }
  return out;
}
