// Names for editors: what every identifier of a loaded program refers to, found from the syntax
// alone (scopes, imports, record fields, enum variants, validator parameters), without running
// the checker. So it answers on half-typed code, and per item: hovering over one organism of a
// 5 000-line file resolves that organism's names only. Go-to-definition, references, rename,
// semantic tokens, completion and program slicing are all built on it.
import type * as A from "@coal/language";
import type { SymbolKind } from "../checker/scope.js";
import type { Program, SourceUnit } from "../program.js";
import { itemAt } from "./syntax.js";

export type TargetKind = SymbolKind | "field" | "variant" | "parameter";

/** Something a name can refer to: a declaration, or a field, variant or parameter inside one. */
export interface Target {
  readonly kind: TargetKind;
  readonly name: string;
  readonly unit: SourceUnit;
  /** The declaring identifier; one `Target` object exists per declaring identifier. */
  readonly nameNode: A.Identifier;
  readonly node: A.Declaration | A.FieldDecl | A.VariantDecl;
  /** The record, enum, variant or validator a member belongs to. */
  readonly container?: Target;
}

/** One identifier of the source that refers to a target (or declares it). */
export interface Occurrence {
  readonly range: A.Range;
  readonly target: Target;
  readonly isDeclaration: boolean;
  /** Set when the name is a local alias (`import { A as B }`): `B` and its uses. Renaming the
   *  target leaves these alone; renaming the alias renames only these. */
  readonly viaAlias?: A.ImportName;
}

export interface Binding {
  readonly target: Target;
  /** The import that brought the name into the file. */
  readonly via?: A.ImportName;
}

/** The type a value is checked against, as written: resolved in `unit`'s scope. */
export interface TypeView {
  readonly unit: SourceUnit;
  readonly ref: A.TypeRef;
}

const declarationKinds: Readonly<Record<A.Declaration["kind"], (decl: A.Declaration) => SymbolKind>> = {
  RecordDecl: () => "record",
  EnumDecl: () => "enum",
  ValidatorDecl: (decl) => ((decl as A.ValidatorDecl).value === undefined && (decl as A.ValidatorDecl).params !== undefined ? "builtin-validator" : "validator"),
  BuiltinDecl: () => "builtin",
  MeasurementsDecl: () => "measurements",
  LatticeDecl: () => "lattice",
  OrganismDecl: () => "organism",
  ConfluenceDecl: () => "confluence",
  CoalitionDecl: () => "coalition",
};

/** Coalition blocks whose entries are the fields of a standard record. */
export const blockRecords: Readonly<Record<string, string>> = {
  atlas: "AtlasContent",
  almanac: "AlmanacContent",
  chronicle: "ChronicleContent",
  compute: "ComputeContent",
  retirement: "RetirementPolicy",
};

export class NameIndex {
  private readonly targets = new Map<A.Identifier, Target>();
  private readonly exportMaps = new Map<SourceUnit, Map<string, Target>>();
  private readonly scopes = new Map<SourceUnit, Map<string, Binding>>();
  private preludeMap: Map<string, Target> | undefined;
  private readonly itemOccurrences = new WeakMap<A.Item, readonly Occurrence[]>();

  constructor(readonly program: Program) {}

  unit(path: string): SourceUnit | undefined {
    return this.program.units.get(path);
  }

  /** The target a top-level declaration defines. */
  declaration(unit: SourceUnit, decl: A.Declaration & { readonly name: A.Identifier }): Target {
    return this.intern(decl.name, () => ({ kind: declarationKinds[decl.kind](decl), name: decl.name.text, unit, nameNode: decl.name, node: decl }));
  }

  private intern(name: A.Identifier, make: () => Target): Target {
    let target = this.targets.get(name);
    if (target === undefined) {
      target = make();
      this.targets.set(name, target);
    }
    return target;
  }

  /** A file's own declarations by name (what other files can import); the first one wins. */
  exportsOf(unit: SourceUnit): ReadonlyMap<string, Target> {
    let own = this.exportMaps.get(unit);
    if (own === undefined) {
      own = new Map();
      for (const item of unit.parsed.file.items) {
        if (item.kind === "ImportDecl" || item.kind === "UniverseDecl" || item.name === undefined || own.has(item.name.text)) continue;
        own.set(item.name.text, this.declaration(unit, item as A.Declaration & { name: A.Identifier }));
      }
      this.exportMaps.set(unit, own);
    }
    return own;
  }

  /** What a file's imports resolve to: the imported file, when it loaded. */
  importTarget(unit: SourceUnit, decl: A.ImportDecl): SourceUnit | undefined {
    const path = unit.imports.get(decl);
    return path === undefined ? undefined : this.program.units.get(path);
  }

  /** A file's names: its declarations and what it imports (under their local names). */
  scopeOf(unit: SourceUnit): ReadonlyMap<string, Binding> {
    let scope = this.scopes.get(unit);
    if (scope === undefined) {
      scope = new Map();
      for (const target of this.exportsOf(unit).values()) scope.set(target.name, { target });
      for (const item of unit.parsed.file.items) {
        if (item.kind !== "ImportDecl") continue;
        const from = this.importTarget(unit, item);
        if (from === undefined) continue;
        for (const name of item.names) {
          const target = this.exportsOf(from).get(name.name.text);
          const local = (name.alias ?? name.name).text;
          if (target !== undefined && !scope.has(local)) scope.set(local, { target, via: name });
        }
      }
      this.scopes.set(unit, scope);
    }
    return scope;
  }

  /** The built-in functions every file sees (`blake3`, `instance`, `id`, `pinned`). */
  prelude(): ReadonlyMap<string, Target> {
    if (this.preludeMap === undefined) {
      this.preludeMap = new Map();
      for (const unit of this.program.units.values()) {
        if (!unit.isStd) continue;
        for (const target of this.exportsOf(unit).values()) if (target.kind === "builtin") this.preludeMap.set(target.name, target);
      }
    }
    return this.preludeMap;
  }

  lookup(unit: SourceUnit, name: string): Binding | undefined {
    const bound = this.scopeOf(unit).get(name);
    if (bound !== undefined) return bound;
    const builtin = this.prelude().get(name);
    return builtin === undefined ? undefined : { target: builtin };
  }

  /** A declaration of the standard library, by name. */
  std(name: string): Target | undefined {
    for (const unit of this.program.units.values()) {
      if (!unit.isStd) continue;
      const target = this.exportsOf(unit).get(name);
      if (target !== undefined) return target;
    }
    return undefined;
  }

  /** A standard type as a `TypeView` (for values whose type the language fixes). */
  stdType(name: string): TypeView | undefined {
    const target = this.std(name);
    if (target === undefined) return undefined;
    return { unit: target.unit, ref: { kind: "TypeRef", name: { kind: "Identifier", text: name, start: 0, end: 0 }, start: 0, end: 0 } };
  }

  /** The fields of a record or variant, the variants of an enum, the parameters of a validator
   *  signature or built-in function. */
  members(target: Target): Target[] {
    const node = target.node;
    const fields = (list: readonly A.FieldDecl[] | undefined, kind: "field" | "parameter") =>
      (list ?? []).map((field) => this.intern(field.name, () => ({ kind, name: field.name.text, unit: target.unit, nameNode: field.name, node: field, container: target })));
    switch (node.kind) {
      case "RecordDecl":
        return fields(node.fields, "field");
      case "VariantDecl":
        return fields(node.fields, "field");
      case "EnumDecl":
        return node.variants.map((variant) => this.intern(variant.name, () => ({ kind: "variant", name: variant.name.text, unit: target.unit, nameNode: variant.name, node: variant, container: target })));
      case "ValidatorDecl":
      case "BuiltinDecl":
        return fields(node.params, "parameter");
      default:
        return [];
    }
  }

  /** The record or enum a type names, seen through `option<…>` (and, with `element`, through
   *  one `list<…>` or `set<…>`). */
  namedType(view: TypeView | undefined, element = false): Target | undefined {
    let ref: A.TypeRef | undefined = view?.ref;
    if (view === undefined || ref === undefined) return undefined;
    for (let depth = 0; depth < 4 && ref !== undefined; depth++) {
      const name: string | undefined = ref.name?.text;
      if (name === undefined) return undefined;
      const bound = this.lookup(view.unit, name);
      if (bound !== undefined) return bound.target.kind === "record" || bound.target.kind === "enum" ? bound.target : undefined;
      if (name === "option" || (element && (name === "list" || name === "set"))) {
        if (name !== "option") element = false;
        ref = ref.args?.[0];
        continue;
      }
      return undefined;
    }
    return undefined;
  }

  /** The element type of a `list<…>` or `set<…>` (through `option<…>`). */
  elementType(view: TypeView | undefined): TypeView | undefined {
    let ref = view?.ref;
    while (ref?.name?.text === "option" && this.lookup(view!.unit, "option") === undefined) ref = ref.args?.[0];
    if (view === undefined || ref === undefined) return undefined;
    const name = ref.name?.text;
    if ((name === "list" || name === "set") && this.lookup(view.unit, name) === undefined && ref.args?.[0] !== undefined) return { unit: view.unit, ref: ref.args[0] };
    return undefined;
  }

  /** The names of one top-level item, in source order. */
  occurrencesIn(unit: SourceUnit, item: A.Item): readonly Occurrence[] {
    let found = this.itemOccurrences.get(item);
    if (found === undefined) {
      found = new ItemResolver(this, unit).item(item);
      this.itemOccurrences.set(item, found);
    }
    return found;
  }

  /** Every name of a file, in source order. */
  occurrences(unit: SourceUnit): Occurrence[] {
    return unit.parsed.file.items.flatMap((item) => this.occurrencesIn(unit, item));
  }

  /** The name at an offset (its end included, for a cursor just after it). */
  occurrenceAt(unit: SourceUnit, offset: number): Occurrence | undefined {
    const item = itemAt(unit.parsed.file, offset);
    if (item === undefined) return undefined;
    return this.occurrencesIn(unit, item).find((occurrence) => occurrence.range.start <= offset && offset <= occurrence.range.end);
  }

  /** Every occurrence of a target in the program, its declaration included. */
  references(target: Target): { readonly unit: SourceUnit; readonly occurrence: Occurrence }[] {
    const found: { unit: SourceUnit; occurrence: Occurrence }[] = [];
    for (const unit of this.program.units.values()) {
      // Cheap filter: a file that never spells the name cannot refer to it.
      if (!unit.text.includes(target.name)) continue;
      for (const occurrence of this.occurrences(unit)) if (occurrence.target === target) found.push({ unit, occurrence });
    }
    return found;
  }

  /** The top-level declaration a target is or belongs to. */
  static topLevel(target: Target): Target {
    let current = target;
    while (current.container !== undefined) current = current.container;
    return current;
  }
}

/** Resolves the names of one item. `expected` is the type a value is checked against, when
 *  known, so that bare enum variants (`successor_policy: HandOffToReputationLeader`) resolve. */
class ItemResolver {
  private readonly out: Occurrence[] = [];

  constructor(
    private readonly index: NameIndex,
    private readonly unit: SourceUnit,
  ) {}

  item(item: A.Item): Occurrence[] {
    switch (item.kind) {
      case "ImportDecl":
        this.importDecl(item);
        break;
      case "UniverseDecl":
        this.expr(item.value, undefined);
        break;
      default:
        this.declaration(item);
    }
    this.out.sort((a, b) => a.range.start - b.range.start);
    return this.out;
  }

  private add(range: A.Identifier | undefined, target: Target | undefined, isDeclaration = false, viaAlias?: A.ImportName): void {
    if (range === undefined || target === undefined || range.end <= range.start) return;
    this.out.push({ range: { start: range.start, end: range.end }, target, isDeclaration, ...(viaAlias === undefined ? {} : { viaAlias }) });
  }

  private use(name: A.Identifier | undefined): Target | undefined {
    if (name === undefined) return undefined;
    const bound = this.index.lookup(this.unit, name.text);
    if (bound === undefined) return undefined;
    this.add(name, bound.target, false, bound.via?.alias === undefined ? undefined : bound.via);
    return bound.target;
  }

  private importDecl(decl: A.ImportDecl): void {
    const from = this.index.importTarget(this.unit, decl);
    for (const name of decl.names) {
      const target = from === undefined ? undefined : this.index.exportsOf(from).get(name.name.text);
      this.add(name.name, target);
      if (name.alias !== undefined) this.add(name.alias, target, true, name);
    }
  }

  private declaration(decl: A.Declaration): void {
    if (decl.name === undefined) {
      if ("body" in decl) this.block(decl.body, undefined, decl.kind);
      return;
    }
    const target = this.index.declaration(this.unit, decl as A.Declaration & { name: A.Identifier });
    this.add(decl.name, target, true);
    const members = this.index.members(target);
    const declareMembers = (nodes: readonly { name: A.Identifier }[], list: Target[]) => nodes.forEach((node, i) => this.add(node.name, list[i], true));
    switch (decl.kind) {
      case "RecordDecl":
        declareMembers(decl.fields, members);
        decl.fields.forEach((field) => this.typeRef(field.type));
        break;
      case "EnumDecl":
        declareMembers(decl.variants, members);
        decl.variants.forEach((variant, i) => {
          const fields = this.index.members(members[i]!);
          declareMembers(variant.fields ?? [], fields);
          variant.fields?.forEach((field) => this.typeRef(field.type));
        });
        break;
      case "ValidatorDecl":
        declareMembers(decl.params ?? [], members);
        decl.params?.forEach((param) => this.typeRef(param.type));
        this.expr(decl.value, undefined);
        break;
      case "BuiltinDecl":
        declareMembers(decl.params, members);
        decl.params.forEach((param) => this.typeRef(param.type));
        this.typeRef(decl.returns);
        break;
      default:
        this.block(decl.body, undefined, decl.kind);
    }
  }

  private typeRef(ref: A.TypeRef | undefined): void {
    if (ref === undefined) return;
    this.use(ref.name);
    ref.args?.forEach((arg) => this.typeRef(arg));
  }

  /** A block's entries. `record` is set when the entries are that record's fields. */
  private block(block: A.Block | undefined, record: Target | undefined, owner: string): void {
    if (block === undefined) return;
    const fields = record === undefined ? undefined : this.index.members(record);
    for (const entry of block.entries) {
      switch (entry.kind) {
        case "Property": {
          const field = fields?.find((f) => f.name === entry.name.text);
          this.add(entry.name, field);
          this.expr(entry.value, this.fieldType(field));
          break;
        }
        case "NestedBlock": {
          const recordName = owner === "CoalitionDecl" ? blockRecords[entry.name.text] : undefined;
          this.block(entry.body, recordName === undefined ? undefined : this.index.std(recordName), entry.name.text);
          break;
        }
        case "Directive": {
          const expected = owner === "strategies" && entry.name.text === "successor" ? this.index.stdType("SuccessorPolicy") : undefined;
          entry.args?.forEach((arg, i) => this.expr(arg.value, i === 0 ? expected : undefined));
          break;
        }
        case "StreamMember":
        case "CollectionMember":
          this.typeRef(entry.type);
          break;
        case "ContentMember":
          this.expr(entry.value, undefined);
          for (const field of entry.fields ?? []) {
            this.typeRef(field.type);
            this.expr(field.value, field.type === undefined ? undefined : { unit: this.unit, ref: field.type });
          }
          break;
        case "WatchdogMember":
          this.use(entry.name);
          this.block(entry.body, undefined, "watchdog");
          break;
        case "HeartbeatMember":
          this.expr(entry.period, undefined);
          break;
      }
    }
  }

  private fieldType(field: Target | undefined): TypeView | undefined {
    if (field === undefined || field.node.kind !== "FieldDecl" || field.node.type === undefined) return undefined;
    return { unit: field.unit, ref: field.node.type };
  }

  /** Resolves a path: a name in scope, `Enum.Variant`, or a bare variant of the expected enum. */
  private path(path: A.PathExpr, expected: TypeView | undefined): Target | undefined {
    const [first, second] = path.segments;
    if (first === undefined) return undefined;
    const bound = this.index.lookup(this.unit, first.text);
    if (bound !== undefined) {
      this.add(first, bound.target, false, bound.via?.alias === undefined ? undefined : bound.via);
      if (bound.target.kind === "enum" && second !== undefined) {
        const variant = this.index.members(bound.target).find((v) => v.name === second.text);
        this.add(second, variant);
        return variant;
      }
      return bound.target;
    }
    const expectedEnum = this.index.namedType(expected);
    if (expectedEnum?.kind === "enum" && path.segments.length === 1) {
      const variant = this.index.members(expectedEnum).find((v) => v.name === first.text);
      this.add(first, variant);
      return variant;
    }
    return undefined;
  }

  private expr(expr: A.Expr | undefined, expected: TypeView | undefined): void {
    if (expr === undefined) return;
    switch (expr.kind) {
      case "PathExpr":
        this.path(expr, expected);
        return;
      case "CallExpr": {
        const callee = this.path(expr.callee, expected);
        const params = callee === undefined ? [] : callee.kind === "variant" || callee.kind === "builtin-validator" || callee.kind === "builtin" ? this.index.members(callee) : [];
        let position = 0;
        for (const arg of expr.args) {
          const param = arg.name !== undefined ? params.find((p) => p.name === arg.name!.text) : params[position++];
          if (arg.name !== undefined) this.add(arg.name, param);
          this.expr(arg.value, this.fieldType(param));
        }
        return;
      }
      case "RecordLiteral": {
        const type = this.path(expr.type, undefined);
        const fields = type?.kind === "record" ? this.index.members(type) : [];
        for (const property of expr.fields) {
          const field = fields.find((f) => f.name === property.name.text);
          this.add(property.name, field);
          this.expr(property.value, this.fieldType(field));
        }
        return;
      }
      case "ListExpr": {
        const element = this.index.elementType(expected);
        expr.elements.forEach((e) => this.expr(e, element));
        return;
      }
      case "ParenExpr":
        this.expr(expr.expr, expected);
        return;
      case "BinaryExpr":
        expr.operands.forEach((operand) => this.expr(operand, expected));
        return;
      default:
        return;
    }
  }
}
