// Codecs between CE1 bytes and the TypeScript values generated bindings expose: records as plain
// objects keyed by field name, enums as `{ kind: "Variant", …fields }`, integers up to 32 bits as
// numbers and wider ones as bigints, options as `undefined`, maps as `ReadonlyMap`s. Decoding goes
// through the strict decoder and checks nothing more can go wrong in the conversion.
import { toHex, type Bytes } from "./bytes.js";
import { decode, type DecodeLimits } from "./decode.js";
import { encode, type Decimal, type Value } from "./encode.js";
import { schema, typeId, type Type } from "./types.js";

/** A TS value of a CE1 type (see the file comment for the mapping). */
export type Plain = unknown;

const small = new Set(["u8", "u16", "u32", "i8", "i16", "i32"]);

/** The identity module's value for a plain TS value of `type`. Throws TypeError on a mismatch. */
export function toValue(type: Type, plain: Plain): Value {
  switch (type.kind) {
    case "primitive":
      if (small.has(type.name)) {
        if (typeof plain !== "number" || !Number.isInteger(plain)) throw new TypeError(`expected an integer (number) for ${type.name}`);
        return BigInt(plain);
      }
      if (type.name === "decimal") return plain as Decimal;
      return plain as Value;
    case "option":
      return plain === undefined ? null : { some: toValue(type.element, plain) };
    case "list":
    case "set":
      if (!Array.isArray(plain)) throw new TypeError(`expected an array for ${type.kind}`);
      return plain.map((element) => toValue(type.element, element));
    case "map": {
      if (!(plain instanceof Map)) throw new TypeError("expected a Map");
      return [...plain].map(([k, v]) => [toValue(type.key, k), toValue(type.value, v)] as const);
    }
    case "record": {
      const object = plain as Record<string, Plain>;
      return { fields: type.fields.map((field) => toValue(field.type, object[field.name])) };
    }
    case "enum": {
      const object = plain as { kind?: unknown } & Record<string, Plain>;
      const variant = type.variants.findIndex((v) => v.name === object.kind);
      if (variant < 0) throw new TypeError(`${type.name} has no variant ${String(object.kind)}`);
      return { variant, fields: type.variants[variant]!.fields.map((field) => toValue(field.type, object[field.name])) };
    }
  }
}

/** The plain TS value for an identity-module value of `type`. */
export function fromValue(type: Type, value: Value): Plain {
  switch (type.kind) {
    case "primitive":
      return small.has(type.name) ? Number(value as bigint) : value;
    case "option":
      return value === null ? undefined : fromValue(type.element, (value as { some: Value }).some);
    case "list":
    case "set":
      return Object.freeze((value as Value[]).map((element) => fromValue(type.element, element)));
    case "map":
      return new Map((value as [Value, Value][]).map(([k, v]) => [fromValue(type.key, k), fromValue(type.value, v)]));
    case "record": {
      const fields = (value as { fields: Value[] }).fields;
      return Object.freeze(Object.fromEntries(type.fields.map((field, i) => [field.name, fromValue(field.type, fields[i] ?? null)])));
    }
    case "enum": {
      const { variant, fields } = value as { variant: number; fields: Value[] };
      const v = type.variants[variant]!;
      return Object.freeze({ kind: v.name, ...Object.fromEntries(v.fields.map((field, i) => [field.name, fromValue(field.type, fields[i] ?? null)])) });
    }
  }
}

export interface Codec<T> {
  readonly type: Type;
  /** SCHEMA(type), hex, for a named record or enum. */
  readonly schema?: string;
  /** TYPEID(type), hex. */
  readonly typeId: string;
  encode(value: T): Bytes;
  /** Throws `DecodeError` (with a reason code) on bytes that are not a canonical `T`. */
  decode(bytes: Bytes, limits?: DecodeLimits): T;
}

export function codec<T>(type: Type): Codec<T> {
  return {
    type,
    ...(type.kind === "record" || type.kind === "enum" ? { schema: toHex(schema(type).digest) } : {}),
    typeId: toHex(typeId(type).digest),
    encode: (value) => encode(type, toValue(type, value)),
    decode: (bytes, limits) => fromValue(type, decode(type, bytes, limits)) as T,
  };
}
