// CE1, the canonical encoding of values (spec 02), directed by the value's type. The same value
// model serves the compiler (constants in manifests) and the runtime (payloads).
import { compareBytes, concat, equalBytes, i16le, i32le, i64le, i8, IdentityError, toHex, u16le, u32le, u64le, u8, type Bytes } from "./bytes.js";
import { encodeString, typeToString, type Field, type Type } from "./types.js";

/** An exact decimal: mantissa × 10^-scale. */
export interface Decimal {
  readonly mantissa: bigint;
  readonly scale: number;
}

/**
 * A value of some type:
 * bool → boolean; integers and durations (milliseconds) → bigint; string → string;
 * bytes, digest, measurement → Uint8Array; decimal → Decimal; option → `null` or `{ some }`;
 * list and set → Value[]; map → [key, value][]; record → { fields } in declaration order (a
 * missing trailing option may be left out); enum → { variant: index, fields }.
 */
export type Value =
  | boolean
  | bigint
  | string
  | Bytes
  | Decimal
  | OptionValue
  | readonly Value[]
  | readonly (readonly [Value, Value])[]
  | RecordValue
  | EnumValue;
export type OptionValue = null | { readonly some: Value };
export interface RecordValue {
  readonly fields: readonly Value[];
}
export interface EnumValue {
  readonly variant: number;
  readonly fields: readonly Value[];
}

/** Parses `0.55`, `-0.050`, `2` into its canonical decimal (trailing zeros removed). */
export function parseDecimal(textValue: string): Decimal {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(textValue.replace(/_/g, ""));
  if (match === null) throw new IdentityError(`not a decimal: ${JSON.stringify(textValue)}`);
  const [, sign, whole, fraction = ""] = match;
  return canonicalDecimal(BigInt(`${sign}${whole}${fraction}`), fraction.length);
}

export function canonicalDecimal(mantissa: bigint, scale: number): Decimal {
  while (scale > 0 && mantissa % 10n === 0n) {
    mantissa /= 10n;
    scale--;
  }
  if (mantissa === 0n) scale = 0;
  if (scale > 18) throw new IdentityError(`a decimal may have at most 18 digits after the point (${scale})`);
  return { mantissa, scale };
}

export function decimalToString({ mantissa, scale }: Decimal): string {
  if (scale === 0) return mantissa.toString();
  const negative = mantissa < 0n;
  const digits = (negative ? -mantissa : mantissa).toString().padStart(scale + 1, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

const integerEncoders = { u8, u16: u16le, u32: u32le, u64: u64le, i8, i16: i16le, i32: i32le, i64: i64le } as const;

/** enc(v) for a value of type `type`. Throws `IdentityError` if the value does not fit the type. */
export function encode(type: Type, value: Value): Bytes {
  const fail = (expected: string): never => {
    throw new IdentityError(`expected ${expected} for ${typeToString(type)}`);
  };
  switch (type.kind) {
    case "primitive":
      switch (type.name) {
        case "bool":
          return typeof value === "boolean" ? Uint8Array.of(value ? 1 : 0) : fail("a boolean");
        case "u8":
        case "u16":
        case "u32":
        case "u64":
        case "i8":
        case "i16":
        case "i32":
        case "i64":
          return typeof value === "bigint" ? integerEncoders[type.name](value) : fail("an integer");
        case "string":
          return typeof value === "string" ? encodeString(value) : fail("a string");
        case "bytes":
          return value instanceof Uint8Array ? concat(u32le(value.length), value) : fail("bytes");
        case "digest":
          return value instanceof Uint8Array && value.length === 32 ? value : fail("32 bytes");
        case "measurement":
          return value instanceof Uint8Array && value.length === 48 ? value : fail("48 bytes");
        case "decimal": {
          if (!isDecimal(value)) return fail("a decimal");
          const { mantissa, scale } = canonicalDecimal(value.mantissa, value.scale);
          return concat(i64le(mantissa), u8(scale));
        }
        case "duration":
          return typeof value === "bigint" ? u64le(value) : fail("a duration in milliseconds");
      }
    // falls through: unreachable, every primitive returns
    case "option":
      if (value === null) return Uint8Array.of(0);
      return isSome(value) ? concat(Uint8Array.of(1), encode(type.element, value.some)) : fail("null or { some }");
    case "list":
      if (!Array.isArray(value)) return fail("a list");
      return concat(u32le(value.length), ...(value as Value[]).map((element) => encode(type.element, element)));
    case "set": {
      if (!Array.isArray(value)) return fail("a list of set elements");
      const encoded = (value as Value[]).map((element) => encode(type.element, element)).sort(compareBytes);
      for (let i = 1; i < encoded.length; i++) if (equalBytes(encoded[i - 1]!, encoded[i]!)) throw new IdentityError(`duplicate element in a set: ${toHex(encoded[i]!)}`);
      return concat(u32le(encoded.length), ...encoded);
    }
    case "map": {
      if (!Array.isArray(value)) return fail("a list of [key, value] entries");
      const entries = (value as (readonly [Value, Value])[]).map(([key, entryValue]) => [encode(type.key, key), encode(type.value, entryValue)] as const);
      entries.sort((a, b) => compareBytes(a[0], b[0]));
      for (let i = 1; i < entries.length; i++) if (equalBytes(entries[i - 1]![0], entries[i]![0])) throw new IdentityError(`duplicate key in a map: ${toHex(entries[i]![0])}`);
      return concat(u32le(entries.length), ...entries.flatMap(([key, entryValue]) => [key, entryValue]));
    }
    case "record":
      if (!isRecordValue(value)) return fail("{ fields }");
      return encodeFields(type.fields, value.fields, type.name);
    case "enum": {
      if (!isEnumValue(value)) return fail("{ variant, fields }");
      const variant = type.variants[value.variant];
      if (variant === undefined) throw new IdentityError(`${type.name} has no variant ${value.variant}`);
      return concat(u32le(value.variant), encodeFields(variant.fields, value.fields, `${type.name}.${variant.name}`));
    }
  }
}

/** A record's fields: u16le(n) ‖ enc(f₀) ‖ …, with trailing absent options dropped. */
function encodeFields(fields: readonly Field[], values: readonly Value[], owner: string): Bytes {
  if (values.length > fields.length) throw new IdentityError(`${owner} has ${fields.length} fields, given ${values.length}`);
  let n = fields.length;
  while (n > 0 && fields[n - 1]!.type.kind === "option" && (values[n - 1] ?? null) === null) n--;
  const parts: Bytes[] = [u16le(n)];
  for (let i = 0; i < n; i++) {
    const field = fields[i]!;
    const fieldValue = values[i];
    if (fieldValue === undefined) {
      if (field.type.kind !== "option") throw new IdentityError(`${owner}.${field.name} has no value`);
      parts.push(Uint8Array.of(0));
    } else {
      parts.push(encode(field.type, fieldValue));
    }
  }
  return concat(...parts);
}

function isDecimal(value: Value): value is Decimal {
  return typeof value === "object" && value !== null && "mantissa" in value && "scale" in value;
}
function isSome(value: Value): value is { readonly some: Value } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "some" in value;
}
function isRecordValue(value: Value): value is RecordValue {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "fields" in value && !("variant" in value);
}
function isEnumValue(value: Value): value is EnumValue {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "variant" in value && "fields" in value;
}
