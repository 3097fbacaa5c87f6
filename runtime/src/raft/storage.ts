// The stable log the core reads from: what has been persisted (entries, the last snapshot, the
// hard state). `MemoryStorage` keeps it in memory, like etcd's; a durable driver fills one from
// its write-ahead log on restart and appends to both as it persists each Ready.
import { assert } from "./assert.js";
import { emptyConfState, emptyHardState, payloadBytes, type ConfState, type Entry, type HardState, type Snapshot } from "./types.js";

/** "compacted": the index is below the first available one. "unavailable": above the last. */
export type StorageError = "compacted" | "unavailable";

/** The snapshot cannot be produced right now; the leader tries again later. */
export const snapshotUnavailable = "snapshot-unavailable";
export type SnapshotUnavailable = typeof snapshotUnavailable;

export interface InitialState {
  readonly hardState: HardState;
  /** The configuration after every entry up to the application's applied index. */
  readonly confState: ConfState;
}

/**
 * What the core needs from stable storage. Indices below `firstIndex()` are compacted; the term
 * of `firstIndex() - 1` stays available (it is the last compacted entry, kept for matching).
 */
export interface Storage {
  initialState(): InitialState;
  /** Entries [lo, hi), at most `maxBytes` (see `limitSize`) but always at least one when lo < hi. */
  entries(lo: number, hi: number, maxBytes: number): readonly Entry[] | StorageError;
  term(index: number): number | StorageError;
  firstIndex(): number;
  lastIndex(): number;
  /** The most recent snapshot, for sending to a follower that fell behind compaction. */
  snapshot(): Snapshot | SnapshotUnavailable;
}

/** Bytes an entry adds to a message besides its payload (its encoded header, codec.ts). */
export const entryHeaderBytes = 21;

/** An entry's size on the wire: what message and Ready size limits count. */
export function entryBytes(entry: Entry): number {
  return entryHeaderBytes + entry.data.byteLength;
}

/**
 * Keeps the longest prefix of `entries` within `maxBytes` (counted by `entryBytes`, so even
 * empty entries cost something), but at least one entry.
 */
export function limitSize(entries: readonly Entry[], maxBytes: number): readonly Entry[] {
  if (entries.length === 0 || maxBytes === Infinity) return entries;
  let size = entryBytes(entries[0]!);
  let count = 1;
  while (count < entries.length) {
    size += entryBytes(entries[count]!);
    if (size > maxBytes) break;
    count++;
  }
  return count === entries.length ? entries : entries.slice(0, count);
}

export const emptySnapshot: Snapshot = { metadata: { index: 0, term: 0, confState: emptyConfState }, data: new Uint8Array(0) };

/**
 * How a log starts. The configuration a log starts from must be known to every node that replays
 * it: a node that replays entries from index 1 without knowing it would apply the first
 * membership change to an empty configuration (and might, say, elect itself alone).
 */
export interface MemoryStorageOptions {
  /**
   * The group's initial configuration, as of index 0 (nothing in the log yet). Every node —
   * initial members and nodes joining later alike — must start with the same one.
   */
  readonly confState?: ConfState;
  /**
   * The initial configuration recorded as a snapshot at index 1, term 1, identical on every
   * initial member. A node joining later may then start empty (no options): the leader sends it
   * that snapshot, or a later one, before any entry. Takes precedence over `confState`.
   */
  readonly bootstrap?: ConfState;
}

/**
 * Storage in memory. `entries[0]` is a placeholder holding the index and term of the last
 * compacted entry (the snapshot's), so `term(firstIndex - 1)` always answers.
 */
export class MemoryStorage implements Storage {
  private hard: HardState = emptyHardState;
  private snap: Snapshot;
  private log: Entry[];

  constructor(options: MemoryStorageOptions = {}) {
    if (options.bootstrap !== undefined) this.snap = { metadata: { index: 1, term: 1, confState: options.bootstrap }, data: new Uint8Array(0) };
    else if (options.confState !== undefined) this.snap = { ...emptySnapshot, metadata: { ...emptySnapshot.metadata, confState: options.confState } };
    else this.snap = emptySnapshot;
    this.log = [{ term: this.snap.metadata.term, index: this.snap.metadata.index, type: "normal", data: new Uint8Array(0) }];
  }

  initialState(): InitialState {
    return { hardState: this.hard, confState: this.snap.metadata.confState };
  }

  hardState(): HardState {
    return this.hard;
  }

  setHardState(hardState: HardState): void {
    this.hard = hardState;
  }

  entries(lo: number, hi: number, maxBytes: number): readonly Entry[] | StorageError {
    const offset = this.log[0]!.index;
    if (lo <= offset) return "compacted";
    assert(hi <= this.lastIndex() + 1, () => `entries' hi(${hi}) is out of bound lastindex(${this.lastIndex()})`);
    if (this.log.length === 1) return "unavailable";
    return limitSize(this.log.slice(lo - offset, hi - offset), maxBytes);
  }

  term(index: number): number | StorageError {
    const offset = this.log[0]!.index;
    if (index < offset) return "compacted";
    if (index - offset >= this.log.length) return "unavailable";
    return this.log[index - offset]!.term;
  }

  firstIndex(): number {
    return this.log[0]!.index + 1;
  }

  lastIndex(): number {
    return this.log[0]!.index + this.log.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with a snapshot received from a leader. Older snapshots are refused. */
  applySnapshot(snapshot: Snapshot): "snapshot-out-of-date" | undefined {
    if (snapshot.metadata.index <= this.snap.metadata.index) return "snapshot-out-of-date";
    this.snap = snapshot;
    this.log = [{ term: snapshot.metadata.term, index: snapshot.metadata.index, type: "normal", data: new Uint8Array(0) }];
    return undefined;
  }

  /**
   * Records the application's snapshot at an applied `index` (≤ the last index), with the
   * configuration at that index. Call `compact(index)` afterwards to drop the entries it covers.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot | "snapshot-out-of-date" {
    if (index <= this.snap.metadata.index) return "snapshot-out-of-date";
    assert(index <= this.lastIndex(), () => `snapshot ${index} is out of bound lastindex(${this.lastIndex()})`);
    const term = this.term(index);
    assert(typeof term === "number", `snapshot ${index} needs the term of a compacted entry`);
    this.snap = { metadata: { index, term, confState }, data };
    return this.snap;
  }

  /** Drops entries up to and including `index`; its term is kept. Only applied entries may go. */
  compact(index: number): "compacted" | undefined {
    const offset = this.log[0]!.index;
    if (index <= offset) return "compacted";
    assert(index <= this.lastIndex(), () => `compact ${index} is out of bound lastindex(${this.lastIndex()})`);
    const kept = this.log.slice(index - offset + 1);
    this.log = [{ term: this.log[index - offset]!.term, index, type: "normal", data: new Uint8Array(0) }, ...kept];
    return undefined;
  }

  /**
   * Appends entries from a Ready. They are contiguous; an entry at an index already held replaces
   * it and everything after it (a leader overwrote an uncommitted suffix).
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return;
    let incoming = entries;
    if (first > incoming[0]!.index) incoming = incoming.slice(first - incoming[0]!.index);
    const at = incoming[0]!.index - this.log[0]!.index;
    assert(at <= this.log.length, () => `missing log entries [last: ${this.lastIndex()}, append at: ${incoming[0]!.index}]`);
    this.log = this.log.slice(0, at).concat(incoming);
  }

  /** Payload bytes held, for tests and metrics. */
  sizeBytes(): number {
    return payloadBytes(this.log);
  }
}
