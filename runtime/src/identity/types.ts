// Types as spec 02 folds them: tref, SCHEMA and TYPEID. A named record or enum is identified by
// its name (without module path) and its fields' names and types, in declaration order.
import { concat, IdentityError, u32le, type Bytes } from "./bytes.js";
import { hashOf, part, digestPart, type Derivation } from "./derivation.js";
import { text, versioned } from "./hash.js";

export type PrimitiveName =
  | "bool"
  | "u8"
  | "u16"
  | "u32"
  | "u64"
  | "i8"
  | "i16"
  | "i32"
  | "i64"
  | "string"
  | "bytes"
  | "digest"
  | "measurement"
  | "decimal"
  | "duration";

export const primitiveCodes: Readonly<Record<PrimitiveName, number>> = {
  bool: 0x01,
  u8: 0x02,
  u16: 0x03,
  u32: 0x04,
  u64: 0x05,
  i8: 0x06,
  i16: 0x07,
  i32: 0x08,
  i64: 0x09,
  string: 0x0a,
  bytes: 0x0b,
  digest: 0x0c,
  measurement: 0x0d,
  decimal: 0x0e,
  duration: 0x0f,
};

export const primitiveNames = Object.keys(primitiveCodes) as readonly PrimitiveName[];

export interface PrimitiveType {
  readonly kind: "primitive";
  readonly name: PrimitiveName;
}
export interface ListType {
  readonly kind: "list" | "option" | "set";
  readonly element: Type;
}
export interface MapType {
  readonly kind: "map";
  readonly key: Type;
  readonly value: Type;
}
export interface Field {
  readonly name: string;
  readonly type: Type;
}
export interface RecordType {
  readonly kind: "record";
  readonly name: string;
  readonly fields: readonly Field[];
}
export interface Variant {
  readonly name: string;
  readonly fields: readonly Field[];
}
export interface EnumType {
  readonly kind: "enum";
  readonly name: string;
  readonly variants: readonly Variant[];
}
export type NamedType = RecordType | EnumType;
export type Type = PrimitiveType | ListType | MapType | NamedType;

const primitives = new Map(primitiveNames.map((name) => [name, { kind: "primitive", name } as PrimitiveType]));
export function primitive(name: PrimitiveName): PrimitiveType {
  return primitives.get(name)!;
}
export const list = (element: Type): ListType => ({ kind: "list", element });
export const option = (element: Type): ListType => ({ kind: "option", element });
export const set = (element: Type): ListType => ({ kind: "set", element });
export const map = (key: Type, value: Type): MapType => ({ kind: "map", key, value });

/** `list<u32>`, `map<digest, MemberCard>`: the type as written. */
export function typeToString(type: Type): string {
  switch (type.kind) {
    case "primitive":
      return type.name;
    case "list":
    case "option":
    case "set":
      return `${type.kind}<${typeToString(type.element)}>`;
    case "map":
      return `map<${typeToString(type.key)}, ${typeToString(type.value)}>`;
    case "record":
    case "enum":
      return type.name;
  }
}

const schemas = new WeakMap<NamedType, Derivation>();

/** SCHEMA of a named record or enum. Throws on a recursive type. */
export function schema(type: NamedType): Derivation {
  return schemaOf(type, new Set());
}

function schemaOf(type: NamedType, visiting: Set<NamedType>): Derivation {
  const cached = schemas.get(type);
  if (cached !== undefined) return cached;
  if (visiting.has(type)) throw new IdentityError(`type ${type.name} is recursive`);
  visiting.add(type);
  const fieldParts = (fields: readonly Field[], prefix: string) =>
    fields.flatMap((field) => [part(`${prefix}${field.name}: name`, encodeString(field.name)), trefPart(`${prefix}${field.name}: ${typeToString(field.type)}`, field.type, visiting)]);
  const parts =
    type.kind === "record"
      ? [part('"schema|" ‖ SV ‖ "|"', versioned("schema")), part("record", Uint8Array.of(1)), part("name", encodeString(type.name)), part("field count", u32le(type.fields.length)), ...fieldParts(type.fields, "")]
      : [
          part('"schema|" ‖ SV ‖ "|"', versioned("schema")),
          part("enum", Uint8Array.of(2)),
          part("name", encodeString(type.name)),
          part("variant count", u32le(type.variants.length)),
          ...type.variants.flatMap((variant) => [part(`${variant.name}: name`, encodeString(variant.name)), part(`${variant.name}: field count`, u32le(variant.fields.length)), ...fieldParts(variant.fields, `${variant.name}.`)]),
        ];
  visiting.delete(type);
  const derivation = hashOf(`SCHEMA(${type.name})`, parts);
  schemas.set(type, derivation);
  return derivation;
}

function trefPart(label: string, type: Type, visiting: Set<NamedType>): ReturnType<typeof part> {
  const bytes = trefBytes(type, visiting);
  if (type.kind === "record" || type.kind === "enum") return { ...digestPart(label, schemaOf(type, visiting)), bytes };
  return part(label, bytes);
}

/** tref(t): the type's code, followed by its arguments' trefs or a named type's SCHEMA. */
export function tref(type: Type): Bytes {
  return trefBytes(type, new Set());
}

function trefBytes(type: Type, visiting: Set<NamedType>): Bytes {
  switch (type.kind) {
    case "primitive":
      return Uint8Array.of(primitiveCodes[type.name]);
    case "list":
      return concat(Uint8Array.of(0x10), trefBytes(type.element, visiting));
    case "option":
      return concat(Uint8Array.of(0x11), trefBytes(type.element, visiting));
    case "set":
      return concat(Uint8Array.of(0x12), trefBytes(type.element, visiting));
    case "map":
      return concat(Uint8Array.of(0x13), trefBytes(type.key, visiting), trefBytes(type.value, visiting));
    case "record":
    case "enum":
      return concat(Uint8Array.of(0x20), schemaOf(type, visiting).digest);
  }
}

/** TYPEID(t) = H("type|" ‖ SV ‖ "|" ‖ tref(t)). */
export function typeId(type: Type): Derivation {
  const trefPartValue = type.kind === "record" || type.kind === "enum" ? { ...digestPart(`tref(${type.name})`, schema(type)), bytes: tref(type) } : part(`tref(${typeToString(type)})`, tref(type));
  return hashOf(`TYPEID(${typeToString(type)})`, [part('"type|" ‖ SV ‖ "|"', versioned("type")), trefPartValue]);
}

/** enc(string s) = u32le(byte length) ‖ text(s). */
export function encodeString(s: string): Bytes {
  const bytes = text(s);
  return concat(u32le(bytes.length), bytes);
}

/** The named records and enums inside `roots`, each after every named type it contains. */
export function namedTypesIn(roots: readonly Type[]): NamedType[] {
  const out: NamedType[] = [];
  const seen = new Set<NamedType>();
  const visit = (type: Type): void => {
    switch (type.kind) {
      case "primitive":
        return;
      case "list":
      case "option":
      case "set":
        return visit(type.element);
      case "map":
        visit(type.key);
        return visit(type.value);
      case "record":
      case "enum":
        if (seen.has(type)) return;
        seen.add(type);
        (type.kind === "record" ? type.fields : type.variants.flatMap((v) => v.fields)).forEach((f) => visit(f.type));
        out.push(type);
    }
  };
  roots.forEach(visit);
  return out;
}
