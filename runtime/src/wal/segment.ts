// Segment files: their names, and reading one back — where its valid records end, and whether
// the bytes after them are a torn tail (truncate) or corruption (fail loudly).
//
// Segments are preallocated with zeros and only ever appended to, and a batch is written only
// after the previous one is synced; so in the last segment at most one batch — the last — can be
// torn, and a torn write shows as zeros where sectors never reached the disk. Reading the bytes
// after the last valid record:
// * all zero: a clean end;
// * no valid record anywhere after: a torn or corrupt tail, truncated (any damage to the last
//   batch, which may never have been acknowledged);
// * valid records after, all of the batch the bad bytes are in, with a whole unwritten (zero)
//   sector among the bad bytes: a write torn with a hole, truncated;
// * anything else — valid records of a later batch (so the bad one was synced), or damage that
//   no torn write explains, or any bad byte in a segment that is not the last — is corruption.
import { Buffer } from "node:buffer";
import { WalCorruptionError } from "./errors.js";
import { decodeRecord, recordAlignment, recordHeaderBytes, type DecodedRecord, type RecordFault } from "./record.js";

/** Segments are named `<sequence>-<first index>.wal`, both as 16 hex digits, so names sort by sequence. */
export interface SegmentName {
  readonly sequence: number;
  /** The index of the first entry the segment was created for (later entries may overwrite lower ones). */
  readonly firstIndex: number;
}

const hex16 = (n: number) => n.toString(16).padStart(16, "0");
const namePattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export function segmentFileName(sequence: number, firstIndex: number): string {
  return `${hex16(sequence)}-${hex16(firstIndex)}.wal`;
}

export function parseSegmentFileName(name: string): SegmentName | undefined {
  const match = namePattern.exec(name);
  if (match === null) return undefined;
  const sequence = Number.parseInt(match[1]!, 16);
  const firstIndex = Number.parseInt(match[2]!, 16);
  return Number.isSafeInteger(sequence) && Number.isSafeInteger(firstIndex) ? { sequence, firstIndex } : undefined;
}

export interface SegmentScan {
  readonly records: readonly DecodedRecord[];
  /** Where the valid records end: the next write goes here. */
  readonly end: number;
  /** Bytes in [end, tornEnd) are the remains of a torn tail, to be zeroed before writing. */
  readonly tornEnd: number;
}

/** The sector size torn writes are judged by: the smallest a disk writes atomically. */
export const sectorBytes = 512;

const faultText: Record<RecordFault, string> = {
  truncated: "a record runs past the end of the file",
  "bad-length": "a record length out of range",
  "bad-type": "an unknown record type",
  "bad-checksum": "a checksum mismatch",
  "bad-padding": "non-zero padding after a record",
  "bad-batch-offset": "a batch offset out of range",
  "bad-number": "a number above 2^53",
};

/**
 * The valid records of one segment, and where they end. Throws `WalCorruptionError` (naming
 * `path` and the offset) for corruption; a torn tail is reported in `tornEnd`, never thrown.
 */
export function scanSegment(bytes: Uint8Array, path: string, isLast: boolean): SegmentScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: DecodedRecord[] = [];
  let at = 0;
  let fault: RecordFault;
  for (;;) {
    const decoded = decodeRecord(bytes, view, at);
    if (typeof decoded === "string") {
      fault = decoded;
      break;
    }
    records.push(decoded);
    at = decoded.next;
  }
  const lastNonZero = lastNonZeroByte(bytes, at);
  if (lastNonZero < 0) return { records, end: at, tornEnd: at };
  if (!isLast) {
    if (isAllZero(bytes, at, Math.min(at + 8, bytes.length))) {
      const first = firstNonZeroByte(bytes, at);
      throw new WalCorruptionError("unexpected-bytes", path, first, `non-zero bytes after the last record of a segment that is not the last`);
    }
    throw new WalCorruptionError("bad-record", path, at, `${faultText[fault]} in a segment that is not the last`);
  }
  const following = validRecordsIn(bytes, view, at + recordAlignment, lastNonZero + 1);
  const next = following[0];
  if (next === undefined || isTornBatch(bytes, records, at, following)) return { records, end: at, tornEnd: lastNonZero + 1 };
  const what = isAllZero(bytes, at, Math.min(at + 8, bytes.length)) ? "zeros where a record should be" : faultText[fault];
  throw new WalCorruptionError("bad-record", path, at, `${what}, with valid records after it (at byte ${next.offset})`);
}

/**
 * Whether the bad bytes at `at`, followed by the valid records `following`, are one write torn
 * with a hole: every following record belongs to the batch `at` is in, and a sector among the
 * bad bytes never reached the disk (reads as zeros — segments are preallocated with zeros).
 */
function isTornBatch(bytes: Uint8Array, before: readonly DecodedRecord[], at: number, following: readonly DecodedRecord[]): boolean {
  // The batch `at` is in began at `at`, or is the batch of the last valid record.
  const batch = following[0]!.batchOffset;
  if (batch !== at && batch !== before.at(-1)?.batchOffset) return false;
  if (following.some((record) => record.batchOffset !== batch)) return false;
  const to = following[0]!.offset;
  const firstSectorEnd = Math.min(to, (Math.floor(at / sectorBytes) + 1) * sectorBytes);
  if (isAllZero(bytes, at, firstSectorEnd)) return true;
  for (let sector = firstSectorEnd; sector + sectorBytes <= to; sector += sectorBytes) if (isAllZero(bytes, sector, sector + sectorBytes)) return true;
  return false;
}

/** Every valid record that starts at an aligned offset in [from, to), skipping over each one found. */
function validRecordsIn(bytes: Uint8Array, view: DataView, from: number, to: number): DecodedRecord[] {
  const found: DecodedRecord[] = [];
  for (let at = from; at < to && at + recordHeaderBytes <= bytes.length; ) {
    // A zero length is never a record; most bytes after a tail are zeros.
    const decoded = view.getUint32(at + 4, true) === 0 ? "bad-length" : decodeRecord(bytes, view, at);
    if (typeof decoded === "string") at += recordAlignment;
    else {
      found.push(decoded);
      at = decoded.next;
    }
  }
  return found;
}

const zeroChunk = new Uint8Array(64 * 1024);

function chunkIsZero(bytes: Uint8Array, from: number, to: number): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).compare(zeroChunk, 0, to - from) === 0;
}

export function isAllZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let start = from; start < to; start += zeroChunk.length) if (!chunkIsZero(bytes, start, Math.min(to, start + zeroChunk.length))) return false;
  return true;
}

function lastNonZeroByte(bytes: Uint8Array, from: number): number {
  for (let end = bytes.length; end > from; end -= zeroChunk.length) {
    const start = Math.max(from, end - zeroChunk.length);
    if (!chunkIsZero(bytes, start, end)) for (let p = end - 1; p >= start; p--) if (bytes[p] !== 0) return p;
  }
  return -1;
}

function firstNonZeroByte(bytes: Uint8Array, from: number): number {
  for (let start = from; start < bytes.length; start += zeroChunk.length) {
    const end = Math.min(bytes.length, start + zeroChunk.length);
    if (!chunkIsZero(bytes, start, end)) for (let p = start; p < end; p++) if (bytes[p] !== 0) return p;
  }
  return -1;
}
