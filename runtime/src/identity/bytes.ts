// Byte strings: hex, concatenation, fixed-width little-endian integers and lexicographic order.
// Everything in a preimage is built from these, so they check their ranges and never wrap.

export type Bytes = Uint8Array;

export class IdentityError extends Error {
  override readonly name = "IdentityError";
}

export function concat(...parts: readonly Bytes[]): Bytes {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const hexDigits = "0123456789abcdef";
export function toHex(bytes: Bytes): string {
  let out = "";
  for (const byte of bytes) out += hexDigits[byte >> 4]! + hexDigits[byte & 15]!;
  return out;
}

/** Lower- or upper-case hex, with or without `0x`; throws on anything else. */
export function fromHex(hex: string): Bytes {
  const digits = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) throw new IdentityError(`not a hex byte string: ${JSON.stringify(hex)}`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function equalBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic byte order, a shorter prefix first (spec 02: wherever sorting is needed). */
export function compareBytes(a: Bytes, b: Bytes): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function fixed(value: bigint, bytes: number, signed: boolean, what: string): Bytes {
  const bits = BigInt(bytes * 8);
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (value < min || value > max) throw new IdentityError(`${value} does not fit in ${what}`);
  let v = BigInt.asUintN(Number(bits), value);
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export const u8 = (value: number | bigint): Bytes => fixed(BigInt(value), 1, false, "u8");
export const u16le = (value: number | bigint): Bytes => fixed(BigInt(value), 2, false, "u16");
export const u32le = (value: number | bigint): Bytes => fixed(BigInt(value), 4, false, "u32");
export const u64le = (value: number | bigint): Bytes => fixed(BigInt(value), 8, false, "u64");
export const i8 = (value: number | bigint): Bytes => fixed(BigInt(value), 1, true, "i8");
export const i16le = (value: number | bigint): Bytes => fixed(BigInt(value), 2, true, "i16");
export const i32le = (value: number | bigint): Bytes => fixed(BigInt(value), 4, true, "i32");
export const i64le = (value: number | bigint): Bytes => fixed(BigInt(value), 8, true, "i64");

/** `n` copies of one byte (the unpinned-register fillers of Tdx criteria). */
export function repeatByte(byte: number, n: number): Bytes {
  return new Uint8Array(n).fill(byte);
}
