// Values: expressions evaluated against the type their position needs, into the identity
// module's value model (so they can be encoded with CE1). Every mismatch is reported once, at
// the smallest expression that is wrong, and yields `undefined` so nothing downstream repeats it.
import type * as A from "@coal/language";
import type { Fix } from "@coal/language";
import {
  canonicalDecimal,
  encode,
  equalBytes,
  fromHex,
  H,
  id,
  instanceId,
  primitive,
  primitiveNames as primitiveTypeNames,
  text as textBytes,
  typeToString,
  type Bytes,
  type Decimal,
  type EnumType,
  type Field,
  type RecordType,
  type RecordValue,
  type Type,
  type Value,
} from "@coal/runtime/identity";
import { checkerDiagnostic } from "../catalogue.js";
import type { SourceUnit } from "../program.js";
import type { Context } from "./context.js";
import { closest, kindDescription, type Sym } from "./scope.js";
import type { Types } from "./types.js";

/** What the value checker needs to know about citizens: their stable ids. */
export interface CitizenIds {
  stableId(sym: Sym): Bytes | undefined;
  /** The universe in force (the checker learns it before checking values). */
  universe(): Bytes;
}

const integerRanges: Readonly<Record<string, readonly [bigint, bigint]>> = {
  u8: [0n, 255n],
  u16: [0n, 65535n],
  u32: [0n, 4294967295n],
  u64: [0n, 18446744073709551615n],
  i8: [-128n, 127n],
  i16: [-32768n, 32767n],
  i32: [-2147483648n, 2147483647n],
  i64: [-9223372036854775808n, 9223372036854775807n],
};

const citizenKinds = new Set(["organism", "confluence", "lattice"]);

/** "the argument `a`", "the arguments `a` and `b`" (`noun` is "argument" or "field"). */
export function named(noun: string, names: readonly string[]): string {
  const quoted = names.map((n) => `\`${n}\``);
  if (quoted.length === 1) return `the ${noun} ${quoted[0]}`;
  return `the ${noun}s ${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

/** "no arguments", "one argument", "3 arguments". */
export function countOf(n: number, noun: string): string {
  return n === 0 ? `no ${noun}s` : n === 1 ? `one ${noun}` : `${n} ${noun}s`;
}

/** "a `Forecast` record", "an `Inner` record". */
export function article(word: string): string {
  return /^[`"]?[aeiouAEIOU]/.test(word) ? `an ${word}` : `a ${word}`;
}

export function parseInteger(text: string): bigint {
  const clean = text.replace(/_/g, "");
  return clean.startsWith("-") ? -BigInt(clean.slice(1)) : BigInt(clean);
}

const unitMs: Readonly<Record<string, bigint>> = { ms: 1n, s: 1000n, m: 60_000n, h: 3_600_000n, d: 86_400_000n };
export function parseDuration(text: string): bigint {
  let total = 0n;
  for (const match of text.replace(/_/g, "").matchAll(/(\d+)(ms|s|m|h|d)/g)) total += BigInt(match[1]!) * unitMs[match[2]!]!;
  return total;
}

export function hexDigits(text: string): string {
  return text.slice(2).replace(/_/g, "");
}

/** "an integer", "a string", "`prophet`": what an expression is, for messages. */
export function describeExpr(expr: A.Expr): string {
  switch (expr.kind) {
    case "IntegerLiteral":
      return `the integer \`${expr.text}\``;
    case "DecimalLiteral":
      return `the decimal \`${expr.text}\``;
    case "StringLiteral":
      return "a string";
    case "HexLiteral":
      return hexDigits(expr.text).length === 64 ? "a digest" : hexDigits(expr.text).length === 96 ? "a measurement" : "a hex literal";
    case "DurationLiteral":
      return `the duration \`${expr.text}\``;
    case "TicksLiteral":
      return "a tick count";
    case "BoolLiteral":
      return `\`${expr.value}\``;
    case "ListExpr":
      return "a list";
    case "RecordLiteral":
      return article(`\`${expr.type.segments.map((s) => s.text).join(".")}\` record`);
    case "PathExpr":
      return `\`${expr.segments.map((s) => s.text).join(".")}\``;
    case "CallExpr":
      return `a call of \`${expr.callee.segments.map((s) => s.text).join(".")}\``;
    case "ParenExpr":
      return expr.expr === undefined ? "`()`" : describeExpr(expr.expr);
    case "BinaryExpr":
      return `an admission expression (\`${expr.op}\`)`;
  }
}

/** A placeholder a quick fix can insert for a value of this type. */
export function placeholder(type: Type): string {
  switch (type.kind) {
    case "primitive":
      switch (type.name) {
        case "bool":
          return "false";
        case "string":
          return '""';
        case "decimal":
          return "0.0";
        case "duration":
          return "1s";
        case "digest":
          return "0x" + "0".repeat(64);
        case "measurement":
          return "0x" + "0".repeat(96);
        case "bytes":
          return "0x" + "0".repeat(64);
        default:
          return "0";
      }
    case "list":
    case "set":
      return "[]";
    case "option":
      return placeholder(type.element);
    case "map":
      return "[]";
    case "record":
      return `${type.name} { }`;
    case "enum":
      return type.variants[0]?.name ?? type.name;
  }
}

export class Values {
  constructor(
    private readonly context: Context,
    private readonly types: Types,
    private readonly citizens: CitizenIds,
  ) {}

  private mismatch(unit: SourceUnit, expr: A.Expr, expected: string, extras: { help?: string; fixes?: Fix[] } = {}): undefined {
    this.context.report(unit, checkerDiagnostic("E0302", { expected, found: describeExpr(expr) }, expr, extras));
    return undefined;
  }

  /** The value of `expr` as a `type`, or undefined (reported) when it is not one. */
  evaluate(unit: SourceUnit, expr: A.Expr | undefined, type: Type): Value | undefined {
    if (expr === undefined || this.context.broken(unit, expr)) return undefined;
    if (expr.kind === "ParenExpr") return this.evaluate(unit, expr.expr, type);
    const expected = typeToString(type);
    switch (type.kind) {
      case "primitive":
        return this.primitiveValue(unit, expr, type.name, expected);
      case "option": {
        const inner = this.evaluate(unit, expr, type.element);
        return inner === undefined ? undefined : { some: inner };
      }
      case "list":
      case "set": {
        if (expr.kind !== "ListExpr") return this.mismatch(unit, expr, `\`${expected}\``, { help: "write a list: `[a, b]`" });
        const values = expr.elements.map((element) => this.evaluate(unit, element, type.element));
        if (values.some((v) => v === undefined)) return undefined;
        if (type.kind === "set") {
          const encoded = (values as Value[]).map((v) => encode(type.element, v));
          for (let i = 0; i < encoded.length; i++) {
            for (let j = 0; j < i; j++) {
              if (equalBytes(encoded[i]!, encoded[j]!)) {
                this.context.report(unit, checkerDiagnostic("E0308", { value: `\`${this.context.text(unit, expr.elements[i]!)}\`` }, expr.elements[i]!, { related: [{ message: "first here", range: expr.elements[j]! }] }));
                return undefined;
              }
            }
          }
        }
        return values as Value[];
      }
      case "map":
        this.context.report(unit, checkerDiagnostic("E0309", { type: `\`${expected}\`` }, expr));
        return undefined;
      case "record":
        return this.recordValue(unit, expr, type);
      case "enum":
        return this.enumValue(unit, expr, type);
    }
  }

  private primitiveValue(unit: SourceUnit, expr: A.Expr, name: string, expected: string): Value | undefined {
    const want = `\`${expected}\``;
    switch (name) {
      case "bool":
        return expr.kind === "BoolLiteral" ? expr.value : this.mismatch(unit, expr, want);
      case "u8":
      case "u16":
      case "u32":
      case "u64":
      case "i8":
      case "i16":
      case "i32":
      case "i64": {
        if (expr.kind !== "IntegerLiteral") return this.mismatch(unit, expr, want, expr.kind === "TicksLiteral" ? { help: "write the count without `ticks`" } : {});
        const value = parseInteger(expr.text);
        const [min, max] = integerRanges[name]!;
        if (value < min || value > max) {
          this.context.report(unit, checkerDiagnostic("E0303", { value: `\`${expr.text}\``, type: want, min: String(min), max: String(max) }, expr));
          return undefined;
        }
        return value;
      }
      case "decimal":
        if (expr.kind !== "DecimalLiteral" && expr.kind !== "IntegerLiteral") return this.mismatch(unit, expr, want);
        return this.decimal(unit, expr);
      case "string":
        return expr.kind === "StringLiteral" ? expr.value : this.mismatch(unit, expr, want);
      case "bytes":
        return expr.kind === "HexLiteral" ? fromHex(hexDigits(expr.text)) : this.mismatch(unit, expr, want, { help: "write the bytes in hex: `0x…`" });
      case "measurement":
        if (expr.kind === "HexLiteral" && hexDigits(expr.text).length === 96) return fromHex(hexDigits(expr.text));
        return this.mismatch(unit, expr, want, { help: "a measurement is `0x` followed by 96 hex digits" });
      case "duration":
        return expr.kind === "DurationLiteral" ? parseDuration(expr.text) : this.mismatch(unit, expr, want, expr.kind === "IntegerLiteral" ? { help: `add a unit: \`${expr.text}s\`` } : {});
      case "digest":
        return this.digest(unit, expr, want);
    }
    return this.mismatch(unit, expr, want);
  }

  decimal(unit: SourceUnit, expr: A.DecimalLiteral | A.IntegerLiteral): Decimal | undefined {
    const text = expr.text.replace(/_/g, "");
    if (expr.kind === "IntegerLiteral" && text.startsWith("0x")) return this.mismatch(unit, expr, "`decimal`");
    const [whole = "0", fraction = ""] = text.split(".");
    const trimmed = fraction.replace(/0+$/, "");
    if (trimmed.length > 18) {
      this.context.report(unit, checkerDiagnostic("E0307", { value: `\`${expr.text}\``, reason: "it has more than 18 digits after the point" }, expr));
      return undefined;
    }
    const mantissa = BigInt(whole + trimmed);
    if (mantissa > integerRanges["i64"]![1] || mantissa < integerRanges["i64"]![0]) {
      this.context.report(unit, checkerDiagnostic("E0307", { value: `\`${expr.text}\``, reason: "it has too many digits for a 64-bit mantissa" }, expr));
      return undefined;
    }
    const decimal = canonicalDecimal(mantissa, trimmed.length);
    return decimal;
  }

  private digest(unit: SourceUnit, expr: A.Expr, want: string): Value | undefined {
    if (expr.kind === "HexLiteral") {
      if (hexDigits(expr.text).length === 64) return fromHex(hexDigits(expr.text));
      return this.mismatch(unit, expr, want, { help: "a digest is `0x` followed by 64 hex digits" });
    }
    if (expr.kind === "CallExpr") return this.digestCall(unit, expr);
    if (expr.kind === "PathExpr" && expr.segments.length === 1) {
      const sym = this.context.scopes.lookup(unit, expr.segments[0]!, "name");
      if (sym === undefined) return undefined;
      if (citizenKinds.has(sym.kind)) return this.citizens.stableId(sym);
      return this.mismatch(unit, expr, want);
    }
    return this.mismatch(unit, expr, want);
  }

  /** `blake3("…")`, `instance("…")`, `id("…")`. */
  digestCall(unit: SourceUnit, expr: A.CallExpr): Bytes | undefined {
    const name = expr.callee.segments.map((s) => s.text).join(".");
    const sym = expr.callee.segments.length === 1 ? this.context.scopes.lookup(unit, expr.callee.segments[0]!, "function") : undefined;
    if (sym === undefined) return expr.callee.segments.length === 1 ? undefined : this.mismatch(unit, expr, "`digest`");
    if (sym.kind !== "builtin" || !["blake3", "instance", "id"].includes(sym.name)) return this.mismatch(unit, expr, "`digest`");
    const decl = sym.decl as A.BuiltinDecl;
    const param = decl.params[0]?.name.text ?? "text";
    const args = expr.args;
    if (args.length !== 1) {
      if (args.length === 0) this.context.report(unit, checkerDiagnostic("E0311", { callee: `\`${name}\``, what: named("argument", [param]) }, expr));
      else this.context.report(unit, checkerDiagnostic("E0312", { callee: `\`${name}\``, expected: "one argument", actual: countOf(args.length, "argument") }, args[1]!));
      return undefined;
    }
    const arg = args[0]!;
    if (arg.name !== undefined && arg.name.text !== param) {
      this.context.report(unit, checkerDiagnostic("E0310", { callee: `\`${name}\``, name: `\`${arg.name.text}\`` }, arg.name));
      return undefined;
    }
    const value = this.evaluate(unit, arg.value, primitive("string"));
    if (typeof value !== "string") return undefined;
    switch (sym.name) {
      case "blake3":
        return H(textBytes(value));
      case "instance":
        return instanceId(value, this.citizens.universe()).digest;
      default:
        return id(value);
    }
  }

  private recordValue(unit: SourceUnit, expr: A.Expr, type: RecordType): Value | undefined {
    if (expr.kind === "PathExpr" && type.name === "ComponentRef" && expr.segments.length === 1) {
      // A citizen where a ComponentRef is expected: its stable id, unpinned.
      const sym = this.context.scopes.lookup(unit, expr.segments[0]!, "name");
      if (sym === undefined) return undefined;
      if (!citizenKinds.has(sym.kind)) return this.mismatch(unit, expr, "`ComponentRef`");
      const stableId = this.citizens.stableId(sym);
      return stableId === undefined ? undefined : { fields: [stableId, null] };
    }
    if (expr.kind !== "RecordLiteral") return this.mismatch(unit, expr, `\`${type.name}\``, { help: `write \`${type.name} { … }\`` });
    const named = this.recordTypeOf(unit, expr.type);
    if (named === undefined) return undefined;
    if (named !== type) return this.mismatch(unit, expr, `\`${type.name}\``);
    return this.fields(unit, expr, type.name, type.fields, expr.fields.map((p) => ({ name: p.name, value: p.value, node: p })), expr.type);
  }

  /** The record a record literal names (reported when it names something else). */
  recordTypeOf(unit: SourceUnit, path: A.PathExpr): RecordType | undefined {
    if (path.segments.length !== 1) {
      this.context.report(unit, checkerDiagnostic("E0302", { expected: "a record type", found: describeExpr(path) }, path));
      return undefined;
    }
    const sym = this.context.scopes.lookup(unit, path.segments[0]!, "type");
    if (sym === undefined) return undefined;
    if (sym.kind !== "record") {
      this.context.report(unit, checkerDiagnostic("E0206", { name: `\`${sym.name}\``, actual: kindDescription[sym.kind], expected: "a record type" }, path));
      return undefined;
    }
    const type = this.types.namedType(sym);
    return type?.kind === "record" ? type : undefined;
  }

  /** Named values for declared fields: duplicates, unknown and missing fields, each reported. */
  fields(
    unit: SourceUnit,
    owner: A.Range,
    ownerName: string,
    declared: readonly Field[],
    given: readonly { name?: A.Identifier; value?: A.Expr; node: A.Range }[],
    insertAfter: A.Range,
    commaSeparated = false,
  ): RecordValue | undefined {
    const values = new Map<string, Value | undefined>();
    const seen = new Map<string, A.Range>();
    const suggested = new Set<string>();
    let failed = false;
    for (const { name, value, node } of given) {
      if (name === undefined) continue;
      const first = seen.get(name.text);
      if (first !== undefined) {
        this.context.report(unit, checkerDiagnostic("E0306", { field: `\`${name.text}\`` }, name, { related: [{ message: "first given here", range: first }] }));
        failed = true;
        continue;
      }
      seen.set(name.text, node);
      const field = declared.find((f) => f.name === name.text);
      if (field === undefined) {
        const best = closest(name.text, declared.map((f) => f.name).filter((f) => !seen.has(f) && !given.some((g) => g.name?.text === f)));
        // The rename fix supplies that field: do not also report it missing.
        if (best !== undefined) suggested.add(best);
        this.context.report(
          unit,
          checkerDiagnostic("E0305", { owner: `\`${ownerName}\``, field: `\`${name.text}\`` }, name, best === undefined ? { help: `its fields are ${declared.map((f) => `\`${f.name}\``).join(", ") || "none"}` } : { help: `did you mean \`${best}\`?`, fixes: [{ title: `Change to \`${best}\``, edits: [{ range: name, newText: best }] }] }),
        );
        failed = true;
        continue;
      }
      if (this.types.brokenFields.has(field)) {
        failed = true;
        continue;
      }
      const v = this.evaluate(unit, value, field.type);
      if (v === undefined) failed = true;
      values.set(field.name, v);
    }
    const missing = declared.filter((f) => !values.has(f.name) && !seen.has(f.name) && !suggested.has(f.name) && f.type.kind !== "option");
    if (missing.length > 0) {
      const text = missing.map((f) => `${f.name}: ${placeholder(f.type)}`);
      const at = this.insertionPoint(unit, owner);
      const separator = commaSeparated ? ", " : " ";
      const newText = (given.length > 0 ? separator : "") + text.join(separator) + (commaSeparated ? "" : " ");
      this.context.report(
        unit,
        checkerDiagnostic("E0304", { owner: `\`${ownerName}\``, field: missing.map((f) => `\`${f.name}\``).join(", ") }, insertAfter, {
          fixes: [{ title: `Add ${missing.map((f) => `\`${f.name}\``).join(", ")}`, edits: [{ range: { start: at, end: at }, newText: commaSeparated || given.length === 0 ? newText : newText.trimStart().replace(/^/, " ") }] }],
        }),
      );
      failed = true;
    }
    if (failed) return undefined;
    return { fields: declared.map((f) => (values.has(f.name) ? values.get(f.name)! : null)) };
  }

  /** Just before the closing brace or parenthesis of a literal (and the space before it). */
  private insertionPoint(unit: SourceUnit, owner: A.Range): number {
    const last = unit.text.slice(owner.start, owner.end).trimEnd();
    let at = owner.start + Math.max(0, last.length - 1);
    while (at > owner.start && /[ \t]/.test(unit.text[at - 1]!)) at--;
    return at;
  }

  private enumValue(unit: SourceUnit, expr: A.Expr, type: EnumType): Value | undefined {
    const path = expr.kind === "PathExpr" ? expr : expr.kind === "CallExpr" ? expr.callee : undefined;
    if (path === undefined) return this.mismatch(unit, expr, `\`${type.name}\``, { help: `write a variant: ${type.variants.map((v) => `\`${v.name}\``).join(", ")}` });
    let variantName: A.Identifier;
    if (path.segments.length === 2) {
      const enumSym = this.context.scopes.lookup(unit, path.segments[0]!, "type");
      if (enumSym === undefined) return undefined;
      if (this.types.namedType(enumSym) !== type) return this.mismatch(unit, expr, `\`${type.name}\``);
      variantName = path.segments[1]!;
    } else if (path.segments.length === 1) {
      variantName = path.segments[0]!;
    } else {
      return this.mismatch(unit, expr, `\`${type.name}\``);
    }
    const index = type.variants.findIndex((v) => v.name === variantName.text);
    if (index < 0) {
      const best = closest(variantName.text, type.variants.map((v) => v.name));
      this.context.report(
        unit,
        checkerDiagnostic("E0314", { enum: `\`${type.name}\``, name: `\`${variantName.text}\`` }, variantName, best === undefined ? { help: `its variants are ${type.variants.map((v) => `\`${v.name}\``).join(", ")}` } : { help: `did you mean \`${best}\`?`, fixes: [{ title: `Change to \`${best}\``, edits: [{ range: variantName, newText: best }] }] }),
      );
      return undefined;
    }
    const variant = type.variants[index]!;
    if (expr.kind === "PathExpr") {
      const required = variant.fields.filter((f) => f.type.kind !== "option");
      if (required.length > 0) {
        this.context.report(unit, checkerDiagnostic("E0311", { callee: `\`${variant.name}\``, what: named("argument", required.map((f) => f.name)) }, expr, { help: `write \`${variant.name}(${required.map((f) => `${f.name}: ${placeholder(f.type)}`).join(", ")})\`` }));
        return undefined;
      }
      return { variant: index, fields: [] };
    }
    const call = expr as A.CallExpr;
    const args = this.bindArguments(unit, call, variant.name, variant.fields.map((f) => f.name));
    if (args === undefined) return undefined;
    const fields = this.fields(unit, call, variant.name, variant.fields, args, call.callee, true);
    return fields === undefined ? undefined : { variant: index, fields: fields.fields };
  }

  /** Matches a call's arguments to parameter names: positional first, then named. */
  bindArguments(unit: SourceUnit, call: A.CallExpr, callee: string, params: readonly string[]): { name: A.Identifier; value?: A.Expr; node: A.Range }[] | undefined {
    const bound: { name: A.Identifier; value?: A.Expr; node: A.Range }[] = [];
    let sawNamed = false;
    let failed = false;
    call.args.forEach((arg, index) => {
      if (arg.name !== undefined) {
        sawNamed = true;
        bound.push({ name: arg.name, ...(arg.value === undefined ? {} : { value: arg.value }), node: arg });
        return;
      }
      if (sawNamed) {
        this.context.report(unit, checkerDiagnostic("E0313", {}, arg));
        failed = true;
        return;
      }
      const param = params[index];
      if (param === undefined) {
        if (index === params.length) this.context.report(unit, checkerDiagnostic("E0312", { callee: `\`${callee}\``, expected: countOf(params.length, "argument"), actual: countOf(call.args.length, "argument") }, arg));
        failed = true;
        return;
      }
      // A positional argument stands for its parameter's name at the argument's place.
      bound.push({ name: { kind: "Identifier", text: param, start: arg.start, end: arg.start }, ...(arg.value === undefined ? {} : { value: arg.value }), node: arg });
    });
    return failed ? undefined : bound;
  }

  /** The type of an inline content field's literal (spec 02): integer → u64, ticks → u64, … */
  inferType(unit: SourceUnit, expr: A.Expr | undefined): Type | undefined {
    if (expr === undefined || this.context.broken(unit, expr)) return undefined;
    switch (expr.kind) {
      case "IntegerLiteral":
      case "TicksLiteral":
        return primitive("u64");
      case "DecimalLiteral":
        return primitive("decimal");
      case "StringLiteral":
        return primitive("string");
      case "DurationLiteral":
        return primitive("duration");
      case "BoolLiteral":
        return primitive("bool");
      case "HexLiteral": {
        const digits = hexDigits(expr.text).length;
        return digits === 64 ? primitive("digest") : digits === 96 ? primitive("measurement") : undefined;
      }
      case "ParenExpr":
        return this.inferType(unit, expr.expr);
      case "ListExpr": {
        if (expr.elements.length === 0) {
          this.context.report(unit, checkerDiagnostic("E0302", { expected: "a value whose type can be inferred", found: "an empty list" }, expr, { help: "write its type: `name: list<u32> = []`" }));
          return undefined;
        }
        const first = this.inferType(unit, expr.elements[0]);
        return first === undefined ? undefined : { kind: "list", element: first };
      }
      case "CallExpr":
        return expr.callee.segments.length === 1 && ["blake3", "instance", "id"].includes(expr.callee.segments[0]!.text) ? primitive("digest") : this.cannotInfer(unit, expr);
      case "RecordLiteral": {
        const type = this.recordTypeOf(unit, expr.type);
        return type;
      }
      default:
        return this.cannotInfer(unit, expr);
    }
  }

  private cannotInfer(unit: SourceUnit, expr: A.Expr): undefined {
    // `fee: u32` in an inline content block: a type where the value belongs.
    if (expr.kind === "PathExpr" && expr.segments.length === 1) {
      const name = expr.segments[0]!.text;
      const sym = this.context.scopes.peek(unit, name);
      const isType = sym === undefined ? (primitiveTypeNames as readonly string[]).includes(name) || ["list", "option", "set", "map"].includes(name) : sym.kind === "record" || sym.kind === "enum";
      if (isType) {
        this.context.report(unit, checkerDiagnostic("E0302", { expected: "a value", found: `the type \`${name}\`` }, expr, { help: `inline content fields need a value: write \`${name} = …\` after the field's name` }));
        return undefined;
      }
    }
    this.context.report(unit, checkerDiagnostic("E0302", { expected: "a literal value", found: describeExpr(expr) }, expr, { help: "give the field a type: `name: Type = value`" }));
    return undefined;
  }

  /** A `N ticks` literal's count (u32, as validators fold it). */
  ticks(unit: SourceUnit, expr: A.Expr | undefined, what: string): bigint | undefined {
    if (expr === undefined || this.context.broken(unit, expr)) return undefined;
    if (expr.kind !== "TicksLiteral") return this.mismatch(unit, expr, `a tick count for ${what}`, { help: "write `30 ticks`" });
    const value = parseInteger(expr.count.text);
    if (value < 0n || value > integerRanges["u32"]![1]) {
      this.context.report(unit, checkerDiagnostic("E0303", { value: `\`${expr.count.text}\``, type: "a tick count", min: "0", max: String(integerRanges["u32"]![1]) }, expr));
      return undefined;
    }
    return value;
  }
}

export { citizenKinds };
