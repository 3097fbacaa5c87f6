// Loading a workspace: from entry files, follow imports through the host, parse each file once,
// and report what cannot be loaded (missing files, escapes above the workspace root, cycles).
// The result is the set of parsed files the binder and checker work on.
import { parse, type Diagnostic, type ImportDecl, type ParseResult } from "@coal/language";
import { checkerDiagnostic } from "./catalogue.js";
import { HostError, type CompilerHost } from "./host.js";

export interface ProgramOptions {
  readonly host: CompilerHost;
  /** The workspace root: imports may not reach above it. */
  readonly root: string;
  /** The directory holding the standard library's `types.coal`, `validators.coal`, `services.coal`. */
  readonly stdlibRoot: string;
  /** The files to start from; everything they import is loaded too. */
  readonly entries: readonly string[];
  /** Parses a file's text; the language server passes a cache so that unchanged files (and
   *  the unchanged items of an edited one) are not parsed again. Default: `parse(text)`. */
  readonly parse?: (path: string, text: string) => ParseResult;
}

export interface SourceUnit {
  readonly path: string;
  readonly text: string;
  readonly parsed: ParseResult;
  /** Whether this file is part of the standard library. */
  readonly isStd: boolean;
  /** The path an import resolved to, by import declaration; absent when it did not resolve. */
  readonly imports: ReadonlyMap<ImportDecl, string>;
}

export interface Program {
  readonly options: ProgramOptions;
  /** Every loaded file, entries first, then in the order imports reached them. */
  readonly units: ReadonlyMap<string, SourceUnit>;
  readonly entries: readonly string[];
  /** Syntax diagnostics of every file, and loading diagnostics. */
  readonly diagnostics: readonly Diagnostic[];
}

export const stdModules = ["types", "validators", "services"] as const;

/** The files that make up a workspace. Throws `HostError` only for an entry that cannot be read. */
export function loadProgram(options: ProgramOptions): Program {
  const { host } = options;
  const units = new Map<string, SourceUnit>();
  const diagnostics: Diagnostic[] = [];
  const stdPaths = new Set(stdModules.map((name) => host.join(options.stdlibRoot, `${name}.coal`)));
  const queue: string[] = [];

  const load = (path: string, isEntry: boolean): boolean => {
    if (units.has(path)) return true;
    let text: string;
    try {
      text = host.readFile(path);
    } catch (error) {
      if (isEntry || !(error instanceof HostError)) throw error;
      return false;
    }
    const parsed = options.parse === undefined ? parse(text) : options.parse(path, text);
    for (const diagnostic of parsed.diagnostics) diagnostics.push({ ...diagnostic, file: path });
    units.set(path, { path, text, parsed, isStd: stdPaths.has(path), imports: new Map() });
    queue.push(path);
    return true;
  };

  const entries = options.entries.map((entry) => host.join(entry));
  for (const entry of entries) load(entry, true);
  while (queue.length > 0) {
    const unit = units.get(queue.shift()!)!;
    const imports = unit.imports as Map<ImportDecl, string>;
    for (const item of unit.parsed.file.items) {
      if (item.kind !== "ImportDecl" || item.from === undefined || item.from.value === undefined) continue;
      const specifier = item.from.value;
      const range = { start: item.from.start, end: item.from.end };
      const resolved = resolveImport(options, unit, specifier);
      if (resolved.kind === "outside") {
        diagnostics.push({ ...checkerDiagnostic("E0201", { path: `\`${specifier}\`` }, range), file: unit.path });
        continue;
      }
      const found = resolved.candidates.find((candidate) => host.stat(candidate) === "file" && load(candidate, false));
      if (found === undefined) {
        diagnostics.push({ ...checkerDiagnostic("E0200", { path: `\`${specifier}\`` }, range, resolved.help === undefined ? {} : { help: resolved.help }), file: unit.path });
        continue;
      }
      imports.set(item, found);
    }
  }
  diagnostics.push(...findCycles(units));
  return { options, units, entries, diagnostics };
}

type Resolution = { readonly kind: "outside" } | { readonly kind: "candidates"; readonly candidates: readonly string[]; readonly help?: string };

function resolveImport(options: ProgramOptions, unit: SourceUnit, specifier: string): Resolution {
  const { host } = options;
  if (specifier.startsWith("std/")) {
    const name = specifier.slice(4).replace(/\.coal$/, "");
    const known = (stdModules as readonly string[]).includes(name);
    return { kind: "candidates", candidates: known ? [host.join(options.stdlibRoot, `${name}.coal`)] : [], help: known ? undefined : `the standard library has ${stdModules.map((m) => `\`std/${m}\``).join(", ")}` };
  }
  if (unit.isStd) return { kind: "candidates", candidates: [] };
  if (host.isAbsolute(specifier)) return { kind: "outside" };
  const base = host.join(host.dirname(unit.path), specifier);
  const relative = host.relative(options.root, base);
  if (relative === ".." || relative.startsWith("../") || relative.startsWith("..\\")) return { kind: "outside" };
  const candidates = specifier.endsWith(".coal") ? [base] : [`${base}.coal`, base];
  const help = specifier.startsWith(".") ? undefined : "relative imports start with `./` or `../`";
  return { kind: "candidates", candidates, ...(help === undefined ? {} : { help }) };
}

/** One diagnostic per import cycle, at the import that closes it. */
function findCycles(units: ReadonlyMap<string, SourceUnit>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (path: string): void => {
    state.set(path, "visiting");
    stack.push(path);
    const unit = units.get(path)!;
    for (const [decl, target] of unit.imports) {
      const targetState = state.get(target);
      if (targetState === "visiting") {
        const cycle = [...stack.slice(stack.indexOf(target)), target].map((p) => `\`${p}\``).join(" → ");
        const range = decl.from === undefined ? decl : decl.from;
        diagnostics.push({ ...checkerDiagnostic("E0202", { cycle }, { start: range.start, end: range.end }), file: path });
      } else if (targetState === undefined) {
        visit(target);
      }
    }
    stack.pop();
    state.set(path, "done");
  };
  for (const path of units.keys()) if (!state.has(path)) visit(path);
  return diagnostics;
}
