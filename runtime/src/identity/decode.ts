// CE1 decoding of untrusted bytes: the inverse of `encode`, accepting only canonical input — the
// exact bytes `encode` would produce — so a value has one encoding and decoding never guesses.
// Every rejection is a `DecodeError` with a stable reason code and the byte offset.
import { compareBytes, toHex, type Bytes } from "./bytes.js";
import type { Value } from "./encode.js";
import { typeToString, type Field, type Type } from "./types.js";

export type DecodeReason =
  | "truncated"
  | "trailing-bytes"
  | "bad-bool"
  | "bad-option-tag"
  | "bad-utf8"
  | "not-nfc"
  | "non-canonical-decimal"
  | "decimal-scale"
  | "unsorted"
  | "duplicate"
  | "bad-variant"
  | "field-count"
  | "too-large";

export class DecodeError extends Error {
  override readonly name = "DecodeError";
  constructor(
    readonly reason: DecodeReason,
    readonly offset: number,
    detail: string,
  ) {
    super(`${reason} at byte ${offset}: ${detail}`);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const ascii = /^[\x00-\x7f]*$/;

/** Limits a hostile input cannot exceed: elements per list and nesting depth. */
export interface DecodeLimits {
  readonly maxElements?: number;
  readonly maxDepth?: number;
}

class Reader {
  offset = 0;
  constructor(
    readonly bytes: Bytes,
    readonly limits: Required<DecodeLimits>,
  ) {}

  take(n: number, what: string): Bytes {
    if (this.offset + n > this.bytes.length) throw new DecodeError("truncated", this.offset, `${what} needs ${n} bytes, ${this.bytes.length - this.offset} left`);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  byte(what: string): number {
    return this.take(1, what)[0]!;
  }

  unsigned(width: number, what: string): bigint {
    const b = this.take(width, what);
    let v = 0n;
    for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    return v;
  }

  count(what: string): number {
    const n = Number(this.unsigned(4, what));
    if (n > this.limits.maxElements) throw new DecodeError("too-large", this.offset - 4, `${what} of ${n} exceeds the limit of ${this.limits.maxElements}`);
    return n;
  }
}

const widths: Readonly<Record<string, [number, boolean]>> = { u8: [1, false], u16: [2, false], u32: [4, false], u64: [8, false], i8: [1, true], i16: [2, true], i32: [4, true], i64: [8, true] };

/** The value `bytes` encode as `type`. Throws `DecodeError` on anything `encode` would not produce. */
export function decode(type: Type, bytes: Bytes, limits: DecodeLimits = {}): Value {
  const reader = new Reader(bytes, { maxElements: limits.maxElements ?? 1 << 20, maxDepth: limits.maxDepth ?? 64 });
  const value = read(reader, type, 0);
  if (reader.offset !== bytes.length) throw new DecodeError("trailing-bytes", reader.offset, `${bytes.length - reader.offset} bytes after the ${typeToString(type)}`);
  return value;
}

function read(r: Reader, type: Type, depth: number): Value {
  if (depth > r.limits.maxDepth) throw new DecodeError("too-large", r.offset, "nesting too deep");
  switch (type.kind) {
    case "primitive":
      switch (type.name) {
        case "bool": {
          const b = r.byte("bool");
          if (b > 1) throw new DecodeError("bad-bool", r.offset - 1, `0x${b.toString(16)} is not 00 or 01`);
          return b === 1;
        }
        case "string": {
          const length = r.count("string length");
          const at = r.offset;
          let text: string;
          try {
            text = utf8.decode(r.take(length, "string"));
          } catch {
            throw new DecodeError("bad-utf8", at, "a string is not valid UTF-8");
          }
          if (!ascii.test(text) && text.normalize("NFC") !== text) throw new DecodeError("not-nfc", at, "a string is not in NFC");
          return text;
        }
        case "bytes":
          return r.take(r.count("bytes length"), "bytes").slice();
        case "digest":
          return r.take(32, "digest").slice();
        case "measurement":
          return r.take(48, "measurement").slice();
        case "decimal": {
          const at = r.offset;
          const mantissa = BigInt.asIntN(64, r.unsigned(8, "decimal mantissa"));
          const scale = r.byte("decimal scale");
          if (scale > 18) throw new DecodeError("decimal-scale", at + 8, `scale ${scale} exceeds 18`);
          if ((scale > 0 && mantissa % 10n === 0n) || (mantissa === 0n && scale !== 0)) throw new DecodeError("non-canonical-decimal", at, "trailing zeros in a decimal");
          return { mantissa, scale };
        }
        case "duration":
          return r.unsigned(8, "duration");
        default: {
          const [width, signed] = widths[type.name]!;
          const v = r.unsigned(width, type.name);
          return signed ? BigInt.asIntN(width * 8, v) : v;
        }
      }
    case "option": {
      const tag = r.byte("option tag");
      if (tag === 0) return null;
      if (tag !== 1) throw new DecodeError("bad-option-tag", r.offset - 1, `0x${tag.toString(16)} is not 00 or 01`);
      return { some: read(r, type.element, depth + 1) };
    }
    case "list": {
      const n = r.count("list length");
      const out: Value[] = [];
      for (let i = 0; i < n; i++) out.push(read(r, type.element, depth + 1));
      return out;
    }
    case "set": {
      const n = r.count("set length");
      const out: Value[] = [];
      let previous: Bytes | undefined;
      for (let i = 0; i < n; i++) {
        const start = r.offset;
        out.push(read(r, type.element, depth + 1));
        const encoded = r.bytes.subarray(start, r.offset);
        checkOrder(previous, encoded, start, "set element");
        previous = encoded;
      }
      return out;
    }
    case "map": {
      const n = r.count("map length");
      const out: [Value, Value][] = [];
      let previous: Bytes | undefined;
      for (let i = 0; i < n; i++) {
        const start = r.offset;
        const key = read(r, type.key, depth + 1);
        const encoded = r.bytes.subarray(start, r.offset);
        checkOrder(previous, encoded, start, "map key");
        previous = encoded;
        out.push([key, read(r, type.value, depth + 1)]);
      }
      return out;
    }
    case "record":
      return { fields: readFields(r, type.fields, depth, type.name) };
    case "enum": {
      const at = r.offset;
      const index = Number(r.unsigned(4, "variant index"));
      const variant = type.variants[index];
      if (variant === undefined) throw new DecodeError("bad-variant", at, `${type.name} has no variant ${index}`);
      return { variant: index, fields: readFields(r, variant.fields, depth, `${type.name}.${variant.name}`) };
    }
  }
}

function checkOrder(previous: Bytes | undefined, current: Bytes, offset: number, what: string): void {
  if (previous === undefined) return;
  const order = compareBytes(previous, current);
  if (order === 0) throw new DecodeError("duplicate", offset, `duplicate ${what} ${toHex(current)}`);
  if (order > 0) throw new DecodeError("unsorted", offset, `${what}s are not in byte order`);
}

/** u16le(n) then n fields; the missing tail must be options, and is absent. */
function readFields(r: Reader, fields: readonly Field[], depth: number, owner: string): Value[] {
  const at = r.offset;
  const n = Number(r.unsigned(2, "field count"));
  if (n > fields.length) throw new DecodeError("field-count", at, `${owner} has ${fields.length} fields, the bytes say ${n}`);
  for (let i = n; i < fields.length; i++) if (fields[i]!.type.kind !== "option") throw new DecodeError("field-count", at, `${owner}.${fields[i]!.name} is missing`);
  const values: Value[] = [];
  for (let i = 0; i < n; i++) values.push(read(r, fields[i]!.type, depth + 1));
  // Canonical form drops a trailing absent option; one left in place is another encoding.
  if (n > 0 && fields[n - 1]!.type.kind === "option" && values[n - 1] === null) throw new DecodeError("field-count", at, `${owner} encodes a trailing absent option`);
  for (let i = n; i < fields.length; i++) values.push(null);
  return values;
}
