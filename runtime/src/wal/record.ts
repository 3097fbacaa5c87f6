// The binary record every segment is made of: encoding, and the checks that tell a record from
// torn or corrupt bytes.
//
// A record is a 32-byte header, a payload, and zero padding to the next multiple of 8 bytes. All
// integers are little-endian; u64 values are limited to 2^53 - 1 (JavaScript numbers).
//
//   offset  size  field
//        0     4  checksum     CRC-32 (IEEE 802.3 polynomial, zlib's `crc32`) of bytes [4, 8 + bodyLength)
//        4     4  bodyLength   bytes after this 8-byte prefix, padding excluded: 24 + payload length
//        8     1  type         1 entry, 2 hard state, 3 segment header
//        9     3  reserved     zero
//       12     4  batchOffset  where, in this segment, the write that carried this record began
//       16     8  a            entry: term; hard state: term; segment header: sequence number
//       24     8  b            entry: index; hard state: commit; segment header: first index
//       32     n  payload      entry: the caller's bytes; hard state: the vote; header: magic and version
//   32 + n   0-7  padding      zero
//
// The checksum covers the length, so a damaged length is caught, and is CRC-32 rather than
// CRC-32C because node has CRC-32 built in (zlib.crc32, native: ~0.3 µs per 288-byte record here);
// both detect every burst error up to 32 bits. `batchOffset` is what lets recovery tell a torn
// write from corruption: one write carries one batch, and the next batch is written only after
// the previous one is synced, so bad bytes followed by valid records of a *later* batch are
// corruption of synced data, never a torn write (see segment.ts).
import { crc32 } from "node:zlib";

export const recordHeaderBytes = 32;
export const recordAlignment = 8;

export const RecordType = { entry: 1, hardState: 2, segmentHeader: 3 } as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** The segment header's payload: "coal-wal" and the format version (u32). */
export const segmentMagic = new TextEncoder().encode("coal-wal");
export const formatVersion = 1;

/** Bytes a record takes in a segment, padding included. */
export function recordBytes(payloadBytes: number): number {
  return recordHeaderBytes + align(payloadBytes);
}

export function align(bytes: number): number {
  return Math.ceil(bytes / recordAlignment) * recordAlignment;
}

/**
 * Writes one record at `at` in `target` (which must be zero there: padding is not written) and
 * returns where the next one starts.
 */
export function encodeRecord(target: Uint8Array, view: DataView, at: number, type: RecordType, batchOffset: number, a: number, b: number, payload: Uint8Array): number {
  const bodyLength = recordHeaderBytes - 8 + payload.length;
  view.setUint32(at + 4, bodyLength, true);
  target[at + 8] = type;
  view.setUint32(at + 12, batchOffset, true);
  setU64(view, at + 16, a);
  setU64(view, at + 24, b);
  target.set(payload, at + recordHeaderBytes);
  view.setUint32(at, crc32(target.subarray(at + 4, at + 8 + bodyLength)), true);
  return at + recordHeaderBytes + align(payload.length);
}

export interface DecodedRecord {
  readonly type: RecordType;
  /** Where the record starts in its segment. */
  readonly offset: number;
  /** Where the next record starts. */
  readonly next: number;
  readonly batchOffset: number;
  readonly a: number;
  readonly b: number;
  /** A view into the segment's bytes: copy it to keep it. */
  readonly payload: Uint8Array;
}

/** Why the bytes at an offset are not a record. */
export type RecordFault = "truncated" | "bad-length" | "bad-type" | "bad-checksum" | "bad-padding" | "bad-batch-offset" | "bad-number";

/** The record at `at`, or why there is none. Never throws, whatever the bytes. */
export function decodeRecord(bytes: Uint8Array, view: DataView, at: number): DecodedRecord | RecordFault {
  if (at + recordHeaderBytes > bytes.length) return "truncated";
  const bodyLength = view.getUint32(at + 4, true);
  if (bodyLength < recordHeaderBytes - 8) return "bad-length";
  const end = at + 8 + bodyLength;
  if (end > bytes.length) return bodyLength > bytes.length ? "bad-length" : "truncated";
  const next = align(end);
  if (next > bytes.length) return "truncated";
  const type = bytes[at + 8]!;
  if (type < RecordType.entry || type > RecordType.segmentHeader || bytes[at + 9] !== 0 || bytes[at + 10] !== 0 || bytes[at + 11] !== 0) return "bad-type";
  if (crc32(bytes.subarray(at + 4, end)) !== view.getUint32(at, true)) return "bad-checksum";
  for (let p = end; p < next; p++) if (bytes[p] !== 0) return "bad-padding";
  const batchOffset = view.getUint32(at + 12, true);
  if (batchOffset > at || batchOffset % recordAlignment !== 0) return "bad-batch-offset";
  const a = getU64(view, at + 16);
  const b = getU64(view, at + 24);
  if (a === undefined || b === undefined) return "bad-number";
  return { type: type as RecordType, offset: at, next, batchOffset, a, b, payload: bytes.subarray(at + recordHeaderBytes, end) };
}

const twoTo32 = 2 ** 32;

function setU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % twoTo32, true);
  view.setUint32(at + 4, Math.floor(value / twoTo32), true);
}

function getU64(view: DataView, at: number): number | undefined {
  const high = view.getUint32(at + 4, true);
  return high > 0x1fffff ? undefined : high * twoTo32 + view.getUint32(at, true);
}

/** The hard state's vote as a record payload: 0 for none, or 1 and the vote's UTF-8. */
export function encodeVote(vote: string | undefined): Uint8Array {
  if (vote === undefined) return Uint8Array.of(0);
  const text = new TextEncoder().encode(vote);
  const payload = new Uint8Array(1 + text.length);
  payload[0] = 1;
  payload.set(text, 1);
  return payload;
}

/** The vote, or undefined if the payload is not one (a checksummed record that makes no sense: corruption). */
export function decodeVote(payload: Uint8Array): { readonly vote: string | undefined } | undefined {
  if (payload.length === 1 && payload[0] === 0) return { vote: undefined };
  if (payload.length === 0 || payload[0] !== 1) return undefined;
  try {
    return { vote: new TextDecoder("utf-8", { fatal: true }).decode(payload.subarray(1)) };
  } catch {
    return undefined;
  }
}

/** The segment header's payload: magic and version. */
export function segmentHeaderPayload(): Uint8Array {
  const payload = new Uint8Array(segmentMagic.length + 4);
  payload.set(segmentMagic);
  new DataView(payload.buffer).setUint32(segmentMagic.length, formatVersion, true);
  return payload;
}

export function isSegmentHeaderPayload(payload: Uint8Array): boolean {
  const expected = segmentHeaderPayload();
  return payload.length === expected.length && expected.every((byte, i) => payload[i] === byte);
}
