// A small, strict DER reader for the few ASN.1 structures TDX verification needs and node:crypto
// does not expose: certificate fields (validity, extensions, the Intel SGX extension of the PCK
// certificate) and certificate revocation lists. Only DER is accepted — definite minimal lengths,
// low tag numbers, nothing after the outermost value — so one structure has one reading. Every
// failure is a `DerError`; callers turn it into their own reason codes.
import type { Bytes } from "../identity/bytes.js";

export class DerError extends Error {
  override readonly name = "DerError";
}

/** Universal tags used here. */
export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  enumerated: 0x0a,
  utf8String: 0x0c,
  sequence: 0x30,
  set: 0x31,
  utcTime: 0x17,
  generalizedTime: 0x18,
} as const;

/** One tag-length-value: `bytes` is the whole encoding, `content` the value inside it. */
export interface Node {
  readonly tag: number;
  readonly bytes: Bytes;
  readonly content: Bytes;
}

/** Nested values deeper than this are refused (certificates need about ten). */
const maxDepth = 32;

/** Reads the one value at `offset`; `end` bounds it. */
function readAt(input: Bytes, offset: number, end: number): Node {
  if (offset + 2 > end) throw new DerError("truncated header");
  const tag = input[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError("high tag numbers are not used here");
  let length = input[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DerError("indefinite length is not DER");
    if (count > 3) throw new DerError("length too large");
    if (offset + 2 + count > end) throw new DerError("truncated length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + input[offset + 2 + i]!;
    if (input[offset + 2] === 0 || length < 0x80) throw new DerError("length not minimally encoded");
    header += count;
  }
  const stop = offset + header + length;
  if (stop > end) throw new DerError("value runs past its container");
  return { tag, bytes: input.subarray(offset, stop), content: input.subarray(offset + header, stop) };
}

/** The single value `input` holds; trailing bytes are an error. */
export function readDer(input: Bytes): Node {
  const node = readAt(input, 0, input.length);
  if (node.bytes.length !== input.length) throw new DerError("bytes after the value");
  return node;
}

/** The values inside a constructed value, in order. */
export function children(node: Node, depth = 0): Node[] {
  if ((node.tag & 0x20) === 0) throw new DerError(`tag 0x${node.tag.toString(16)} is not constructed`);
  if (depth > maxDepth) throw new DerError("nested too deeply");
  const out: Node[] = [];
  let offset = 0;
  const content = node.content;
  while (offset < content.length) {
    const child = readAt(content, offset, content.length);
    out.push(child);
    offset += child.bytes.length;
  }
  return out;
}

export function expectTag(node: Node | undefined, tag: number, what: string): Node {
  if (node === undefined) throw new DerError(`${what} is missing`);
  if (node.tag !== tag) throw new DerError(`${what} has tag 0x${node.tag.toString(16)}, not 0x${tag.toString(16)}`);
  return node;
}

/** The children of a SEQUENCE (or another constructed tag). */
export function sequence(node: Node | undefined, what: string, tag: number = Tag.sequence): Node[] {
  return children(expectTag(node, tag, what));
}

/** Dotted-decimal object identifier. */
export function oid(node: Node | undefined, what = "object identifier"): string {
  const content = expectTag(node, Tag.oid, what).content;
  if (content.length === 0) throw new DerError(`${what} is empty`);
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i]!;
    if (value === 0 && byte === 0x80) throw new DerError(`${what} has a non-minimal arc`);
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError(`${what} has an arc too large`);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) throw new DerError(`${what} ends inside an arc`);
  }
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join(".");
}

/** A non-negative INTEGER (or ENUMERATED) as a bigint; negative or non-minimal values are refused. */
export function unsigned(node: Node | undefined, what: string, tag: number = Tag.integer): bigint {
  const content = expectTag(node, tag, what).content;
  if (content.length === 0) throw new DerError(`${what} is empty`);
  if (content[0]! & 0x80) throw new DerError(`${what} is negative`);
  if (content.length > 1 && content[0] === 0 && (content[1]! & 0x80) === 0) throw new DerError(`${what} is not minimally encoded`);
  let value = 0n;
  for (const byte of content) value = (value << 8n) | BigInt(byte);
  return value;
}

/** A small non-negative INTEGER as a number. */
export function smallUnsigned(node: Node | undefined, what: string, max: number, tag: number = Tag.integer): number {
  const value = unsigned(node, what, tag);
  if (value > BigInt(max)) throw new DerError(`${what} is ${value}, over ${max}`);
  return Number(value);
}

export function boolean(node: Node | undefined, what: string): boolean {
  const content = expectTag(node, Tag.boolean, what).content;
  if (content.length !== 1 || (content[0] !== 0 && content[0] !== 0xff)) throw new DerError(`${what} is not a DER boolean`);
  return content[0] === 0xff;
}

export function octets(node: Node | undefined, what: string): Bytes {
  return expectTag(node, Tag.octetString, what).content;
}

/** The bytes of a BIT STRING with no unused bits (keys, signatures). */
export function bitStringBytes(node: Node | undefined, what: string): Bytes {
  const content = expectTag(node, Tag.bitString, what).content;
  if (content.length === 0 || content[0] !== 0) throw new DerError(`${what} has unused bits`);
  return content.subarray(1);
}

/** A BIT STRING of flags (key usage): bit i of the named bits, most significant first. */
export function bitFlags(node: Node | undefined, what: string): (bit: number) => boolean {
  const content = expectTag(node, Tag.bitString, what).content;
  if (content.length === 0 || content[0]! > 7 || (content.length === 1 && content[0] !== 0)) throw new DerError(`${what} is not a DER bit string`);
  const unused = content[0]!;
  const bits = content.subarray(1);
  if (bits.length > 0 && (bits[bits.length - 1]! & ((1 << unused) - 1)) !== 0) throw new DerError(`${what} has unused bits set`);
  return (bit) => {
    const byte = bits[bit >> 3];
    return byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0;
  };
}

const digits = /^[0-9]+$/;

/** UTCTime or GeneralizedTime, as RFC 5280 profiles them (seconds, `Z`), in unix milliseconds. */
export function time(node: Node | undefined, what: string): number {
  if (node === undefined) throw new DerError(`${what} is missing`);
  if (node.content.length > 15) throw new DerError(`${what} is too long for a time`);
  const text = String.fromCharCode(...node.content);
  let year: number;
  let rest: string;
  if (node.tag === Tag.utcTime && text.length === 13) {
    const yy = Number(text.slice(0, 2));
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    rest = text.slice(2);
  } else if (node.tag === Tag.generalizedTime && text.length === 15) {
    year = Number(text.slice(0, 4));
    rest = text.slice(4);
  } else throw new DerError(`${what} is not a UTCTime or GeneralizedTime in RFC 5280 form`);
  if (!rest.endsWith("Z") || !digits.test(rest.slice(0, -1)) || !digits.test(text.slice(0, text.length - rest.length))) throw new DerError(`${what} is malformed: ${JSON.stringify(text)}`);
  const [month, day, hour, minute, second] = [0, 2, 4, 6, 8].map((i) => Number(rest.slice(i, i + 2))) as [number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) throw new DerError(`${what} is not a real time: ${JSON.stringify(text)}`);
  return ms;
}
