// The errors the durable store reports as values. Corruption names the file and the byte offset
// where the bad bytes begin, so an operator can look at them; a failed store refuses everything
// after an I/O error, because after a failed fdatasync nobody knows what the disk holds.

/** Why a file was judged corrupt. Stable codes; the message carries the detail. */
export type WalCorruptionReason =
  /** A record that fails its checks (checksum, length, type, padding) with valid records after it. */
  | "bad-record"
  /** Non-zero bytes after the last record of a segment that is not the last one. */
  | "unexpected-bytes"
  /** A segment whose first record is not a segment header matching its file name. */
  | "bad-segment-header"
  /** A sequence number missing between two segments (compaction only ever removes the oldest). */
  | "missing-segment"
  /** A record that passed its checksum but makes no sense where it stands. */
  | "bad-sequence"
  /** Entries missing: the recovered log does not run contiguously from the snapshot onwards. */
  | "index-gap"
  /** The snapshot file fails its checks (it is written atomically, so this is never a torn write). */
  | "bad-snapshot";

export class WalCorruptionError extends Error {
  override readonly name = "WalCorruptionError";
  constructor(
    readonly reason: WalCorruptionReason,
    /** The path of the corrupt file. */
    readonly file: string,
    /** The byte offset in `file` where the corruption begins. */
    readonly offset: number,
    detail: string,
  ) {
    super(`${file} at byte ${offset}: ${detail} (${reason})`);
  }
}

/**
 * A write, sync, rename or unlink failed. The store stops: the failed call, everything queued
 * behind it and every later call reject with this error. Reopening recovers what is durable.
 */
export class WalFailedError extends Error {
  override readonly name = "WalFailedError";
  constructor(cause: unknown) {
    super(`the write-ahead log failed and must be reopened: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
