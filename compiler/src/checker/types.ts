// Types: `TypeRef` syntax → the identity module's types, with named records and enums built once
// per declaration (so their SCHEMA is computed once) and recursion reported, not followed.
import type * as A from "@coal/language";
import { primitive, primitiveNames, type EnumType, type Field, type NamedType, type PrimitiveName, type RecordType, type Type, type Variant } from "@coal/runtime/identity";
import { checkerDiagnostic } from "../catalogue.js";
import type { SourceUnit } from "../program.js";
import type { Context } from "./context.js";
import { kindDescription, type Sym } from "./scope.js";

const constructors: Readonly<Record<string, number>> = { list: 1, option: 1, set: 1, map: 2 };

/** Types that exist only as parameters of the standard validators. */
export const parameterTypes = new Set(["citizen", "pins", "tick_count"]);

export class Types {
  private readonly named = new Map<A.Declaration, NamedType>();
  private readonly building = new Set<A.Declaration>();
  private readonly stack: Sym[] = [];
  private readonly cycleReported = new Set<A.Declaration>();
  /** Fields whose declared type did not resolve: values for them are not checked again. */
  readonly brokenFields = new WeakSet<Field>();
  readonly declOf = new WeakMap<NamedType, Sym>();

  constructor(private readonly context: Context) {}

  /** The type a `TypeRef` names, or undefined (already reported) when it does not resolve. */
  resolve(unit: SourceUnit, ref: A.TypeRef | undefined): Type | undefined {
    if (ref === undefined || ref.name === undefined || this.context.broken(unit, ref)) return undefined;
    const name = ref.name.text;
    const args = ref.args ?? [];
    const arity = constructors[name];
    if (arity !== undefined && this.context.scopes.peek(unit, name) === undefined) {
      if (args.length !== arity) {
        this.context.report(unit, checkerDiagnostic("E0300", { type: `\`${name}\``, expected: arity === 1 ? "one type argument" : "two type arguments", actual: String(args.length) }, ref));
        return undefined;
      }
      const resolved = args.map((arg) => this.resolve(unit, arg));
      if (resolved.some((t) => t === undefined)) return undefined;
      const [first, second] = resolved as Type[];
      if (name === "map") return { kind: "map", key: first!, value: second! };
      return { kind: name as "list" | "option" | "set", element: first! };
    }
    if ((primitiveNames as readonly string[]).includes(name) && this.context.scopes.peek(unit, name) === undefined) {
      if (args.length > 0) {
        this.context.report(unit, checkerDiagnostic("E0300", { type: `\`${name}\``, expected: "no type arguments", actual: String(args.length) }, ref));
        return undefined;
      }
      return primitive(name as PrimitiveName);
    }
    const sym = this.context.scopes.lookup(unit, ref.name, "type");
    if (sym === undefined) return undefined;
    if (sym.kind !== "record" && sym.kind !== "enum") {
      this.context.report(unit, checkerDiagnostic("E0206", { name: `\`${name}\``, actual: kindDescription[sym.kind], expected: "a type" }, ref.name, { related: [{ message: "declared here", range: sym.nameNode, file: sym.unit.path }] }));
      return undefined;
    }
    if (args.length > 0) {
      this.context.report(unit, checkerDiagnostic("E0300", { type: `\`${name}\``, expected: "no type arguments", actual: String(args.length) }, ref));
      return undefined;
    }
    return this.namedType(sym, ref, unit);
  }

  /** The record or enum a declaration defines. `use` is where it is needed, for cycle reports. */
  namedType(sym: Sym, use?: A.Range, useUnit?: SourceUnit): NamedType | undefined {
    const cached = this.named.get(sym.decl);
    if (cached !== undefined) return cached;
    if (this.building.has(sym.decl)) {
      if (use !== undefined && !this.cycleReported.has(sym.decl)) {
        const path = this.stack.slice(this.stack.indexOf(sym));
        path.forEach((s) => this.cycleReported.add(s.decl));
        const cycle = [...path, sym].map((s) => `\`${s.name}\``).join(" → ");
        this.context.report(sym.unit, checkerDiagnostic("E0301", { name: `\`${sym.name}\``, cycle }, sym.nameNode, { related: [{ message: "contains itself here", range: use, ...(useUnit !== undefined && useUnit !== sym.unit ? { file: useUnit.path } : {}) }] }));
      }
      return undefined;
    }
    this.building.add(sym.decl);
    this.stack.push(sym);
    const fieldsOf = (fields: readonly A.FieldDecl[]): Field[] =>
      fields.map((field) => {
        const type = this.resolve(sym.unit, field.type);
        const result: Field = { name: field.name.text, type: type ?? primitive("bytes") };
        if (type === undefined) this.brokenFields.add(result);
        return result;
      });
    let type: NamedType;
    if (sym.decl.kind === "RecordDecl") {
      type = { kind: "record", name: sym.name, fields: fieldsOf(this.uniqueFields(sym.unit, sym.decl.fields)) } satisfies RecordType;
    } else if (sym.decl.kind === "EnumDecl") {
      const variants: Variant[] = [];
      const seen = new Map<string, A.Identifier>();
      for (const variant of sym.decl.variants) {
        const first = seen.get(variant.name.text);
        if (first !== undefined) {
          this.context.report(sym.unit, checkerDiagnostic("E0204", { name: `\`${variant.name.text}\`` }, variant.name, { related: [{ message: "first declared here", range: first }] }));
          continue;
        }
        seen.set(variant.name.text, variant.name);
        variants.push({ name: variant.name.text, fields: fieldsOf(this.uniqueFields(sym.unit, variant.fields ?? [])) });
      }
      type = { kind: "enum", name: sym.name, variants } satisfies EnumType;
    } else {
      throw new Error(`namedType of ${sym.kind}`);
    }
    this.building.delete(sym.decl);
    this.stack.pop();
    this.named.set(sym.decl, type);
    this.declOf.set(type, sym);
    return type;
  }

  private uniqueFields(unit: SourceUnit, fields: readonly A.FieldDecl[]): A.FieldDecl[] {
    const seen = new Map<string, A.Identifier>();
    return fields.filter((field) => {
      const first = seen.get(field.name.text);
      if (first !== undefined) {
        this.context.report(unit, checkerDiagnostic("E0204", { name: `\`${field.name.text}\`` }, field.name, { related: [{ message: "first declared here", range: first }] }));
        return false;
      }
      seen.set(field.name.text, field.name);
      return true;
    });
  }
}
