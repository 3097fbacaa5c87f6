// Binding: every file's top-level names (its declarations and its imports) and the prelude of
// built-in functions. Duplicates, missing exports and unused imports are reported here; later
// phases look names up through `Scopes.lookup`, which reports an unresolved name once.
import type * as A from "@coal/language";
import type { Diagnostic, Fix } from "@coal/language";
import { checkerDiagnostic } from "../catalogue.js";
import type { Program, SourceUnit } from "../program.js";

export type SymbolKind =
  | "record"
  | "enum"
  | "validator"
  | "builtin-validator"
  | "builtin"
  | "measurements"
  | "lattice"
  | "organism"
  | "confluence"
  | "coalition";

export interface Sym {
  readonly name: string;
  readonly kind: SymbolKind;
  readonly decl: A.Declaration;
  readonly unit: SourceUnit;
  /** The declaration's name node (for "declared here"). */
  readonly nameNode: A.Identifier;
}

export const kindDescription: Readonly<Record<SymbolKind, string>> = {
  record: "a record",
  enum: "an enum",
  validator: "a validator",
  "builtin-validator": "a validator",
  builtin: "a built-in function",
  measurements: "a measurements pin",
  lattice: "a lattice",
  organism: "an organism",
  confluence: "a confluence",
  coalition: "a coalition",
};

function kindOf(decl: A.Declaration): SymbolKind {
  switch (decl.kind) {
    case "RecordDecl":
      return "record";
    case "EnumDecl":
      return "enum";
    case "ValidatorDecl":
      return decl.value === undefined && decl.params !== undefined ? "builtin-validator" : "validator";
    case "BuiltinDecl":
      return "builtin";
    case "MeasurementsDecl":
      return "measurements";
    case "LatticeDecl":
      return "lattice";
    case "OrganismDecl":
      return "organism";
    case "ConfluenceDecl":
      return "confluence";
    case "CoalitionDecl":
      return "coalition";
  }
}

interface Binding {
  readonly sym: Sym;
  /** The import that brought the name in, if it was imported. */
  readonly via?: A.ImportName;
}

export class Scopes {
  /** Each file's own declarations, by name (what other files can import). */
  private readonly exports = new Map<SourceUnit, Map<string, Sym>>();
  private readonly scopes = new Map<SourceUnit, Map<string, Binding>>();
  private readonly prelude = new Map<string, Sym>();
  private readonly used = new Set<A.ImportName>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly program: Program,
    private readonly diagnostics: Diagnostic[],
  ) {
    for (const unit of program.units.values()) this.declare(unit);
    for (const unit of program.units.values()) if (unit.isStd) for (const sym of this.exports.get(unit)!.values()) if (sym.kind === "builtin") this.prelude.set(sym.name, sym);
    for (const unit of program.units.values()) this.bindImports(unit);
  }

  /** Every declaration of a file, in source order. */
  declarations(unit: SourceUnit): Sym[] {
    return [...this.exports.get(unit)!.values()];
  }

  private report(unit: SourceUnit, diagnostic: Diagnostic): void {
    this.diagnostics.push({ ...diagnostic, file: unit.path });
  }

  private declare(unit: SourceUnit): void {
    const own = new Map<string, Sym>();
    const scope = new Map<string, Binding>();
    this.exports.set(unit, own);
    this.scopes.set(unit, scope);
    for (const item of unit.parsed.file.items) {
      if (item.kind === "ImportDecl" || item.kind === "UniverseDecl" || item.name === undefined) continue;
      const sym: Sym = { name: item.name.text, kind: kindOf(item), decl: item, unit, nameNode: item.name };
      if (!unit.isStd && (sym.kind === "builtin" || sym.kind === "builtin-validator")) {
        this.report(unit, checkerDiagnostic("E0207", { what: sym.kind === "builtin" ? "built-in functions" : "validator signatures without a body" }, item.name));
      }
      const existing = own.get(sym.name);
      if (existing !== undefined) {
        this.report(unit, checkerDiagnostic("E0204", { name: `\`${sym.name}\`` }, item.name, { related: [{ message: "first declared here", range: existing.nameNode }] }));
        continue;
      }
      own.set(sym.name, sym);
      scope.set(sym.name, { sym });
    }
  }

  private bindImports(unit: SourceUnit): void {
    const scope = this.scopes.get(unit)!;
    for (const item of unit.parsed.file.items) {
      if (item.kind !== "ImportDecl") continue;
      const target = unit.imports.get(item);
      const targetUnit = target === undefined ? undefined : this.program.units.get(target);
      for (const name of item.names) {
        const local = name.alias ?? name.name;
        if (targetUnit === undefined) {
          // The file did not load (reported once, at the path); make the names known so that
          // their uses are not reported again.
          this.reported.add(`${unit.path}\u0000${local.text}`);
          continue;
        }
        const sym = this.exports.get(targetUnit)!.get(name.name.text);
        if (sym === undefined) {
          this.report(unit, checkerDiagnostic("E0203", { file: `\`${item.from?.value ?? target}\``, name: `\`${name.name.text}\`` }, name.name, this.didYouMean(name.name.text, [...this.exports.get(targetUnit)!.keys()], name.name)));
          this.reported.add(`${unit.path}\u0000${local.text}`);
          continue;
        }
        const existing = scope.get(local.text);
        if (existing !== undefined) {
          this.report(unit, checkerDiagnostic("E0204", { name: `\`${local.text}\`` }, local, { related: [{ message: existing.via === undefined ? "also declared in this file here" : "also imported here", range: existing.via?.name ?? existing.sym.nameNode }], help: `import it under another name: \`${name.name.text} as ${name.name.text}2\`` }));
          continue;
        }
        scope.set(local.text, { sym, via: name });
      }
    }
  }

  /** Looks a name up in a file; reports E0205 once per name and file when it is not found. */
  lookup(unit: SourceUnit, name: A.Identifier, what: string): Sym | undefined {
    const binding = this.scopes.get(unit)!.get(name.text);
    if (binding !== undefined) {
      if (binding.via !== undefined) this.used.add(binding.via);
      return binding.sym;
    }
    const builtin = this.prelude.get(name.text);
    if (builtin !== undefined) return builtin;
    const key = `${unit.path}\u0000${name.text}`;
    if (!this.reported.has(key)) {
      this.reported.add(key);
      this.report(unit, checkerDiagnostic("E0205", { what, name: `\`${name.text}\`` }, name, this.importFix(unit, name)));
    }
    return undefined;
  }

  /** Looks a name up without reporting anything. */
  peek(unit: SourceUnit, name: string): Sym | undefined {
    return this.scopes.get(unit)!.get(name)?.sym ?? this.prelude.get(name);
  }

  /** The quick fix for an unresolved name: import it from the one file that declares it. */
  private importFix(unit: SourceUnit, name: A.Identifier): { fixes?: Fix[]; help?: string } {
    const candidates = [...this.exports.entries()].filter(([other, names]) => other !== unit && names.has(name.text)).map(([other]) => other);
    if (candidates.length !== 1) {
      const known = [...this.scopes.get(unit)!.keys()];
      return this.didYouMean(name.text, known, name);
    }
    const source = candidates[0]!;
    const specifier = this.specifierFor(unit, source);
    const imports = unit.parsed.file.items.filter((item): item is A.ImportDecl => item.kind === "ImportDecl");
    const existing = imports.find((item) => item.from?.value === specifier);
    if (existing !== undefined && existing.names.length > 0) {
      const last = existing.names[existing.names.length - 1]!;
      return { fixes: [{ title: `Import \`${name.text}\` from "${specifier}"`, edits: [{ range: { start: last.end, end: last.end }, newText: `, ${name.text}` }] }] };
    }
    const at = imports.length > 0 ? imports[imports.length - 1]!.end : 0;
    const newText = imports.length > 0 ? `\nimport { ${name.text} } from "${specifier}"` : `import { ${name.text} } from "${specifier}"\n`;
    return { fixes: [{ title: `Import \`${name.text}\` from "${specifier}"`, edits: [{ range: { start: at, end: at }, newText }] }] };
  }

  private specifierFor(from: SourceUnit, to: SourceUnit): string {
    const host = this.program.options.host;
    if (to.isStd) return `std/${to.path.replace(/\\/g, "/").split("/").pop()!.replace(/\.coal$/, "")}`;
    const relative = host.relative(host.dirname(from.path), to.path).replace(/\\/g, "/");
    return relative.startsWith(".") ? relative : `./${relative}`;
  }

  didYouMean(wanted: string, known: readonly string[], range: A.Range): { fixes?: Fix[]; help?: string } {
    const best = closest(wanted, known);
    if (best === undefined) return {};
    return { help: `did you mean \`${best}\`?`, fixes: [{ title: `Change to \`${best}\``, edits: [{ range: { start: range.start, end: range.end }, newText: best }] }] };
  }

  /** W0200 for every import nothing used. Call after checking. */
  reportUnused(): void {
    for (const unit of this.program.units.values()) {
      // A use may hide inside broken syntax: say nothing rather than suggest deleting it.
      if (unit.isStd || unit.parsed.diagnostics.some((d) => d.severity === "error")) continue;
      for (const item of unit.parsed.file.items) {
        if (item.kind !== "ImportDecl" || !unit.imports.has(item)) continue;
        for (const name of item.names) {
          if (this.used.has(name) || !this.scopes.get(unit)!.has((name.alias ?? name.name).text)) continue;
          if (this.scopes.get(unit)!.get((name.alias ?? name.name).text)?.via !== name) continue;
          const allUnused = item.names.every((n) => !this.used.has(n));
          const only = item.names.length === 1 || allUnused;
          const index = item.names.indexOf(name);
          const range = only ? { start: item.start, end: item.end } : index < item.names.length - 1 ? { start: name.start, end: item.names[index + 1]!.start } : { start: item.names[index - 1]!.end, end: name.end };
          this.report(unit, checkerDiagnostic("W0200", { name: `\`${(name.alias ?? name.name).text}\`` }, name, { fixes: [{ title: `Remove the unused import`, edits: [{ range, newText: "" }] }] }));
        }
      }
    }
  }
}

/** The closest known name within a small edit distance, for "did you mean". */
export function closest(wanted: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(wanted.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(wanted.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Edit distance with adjacent transpositions counted as one edit (`Crad` → `Card`). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
