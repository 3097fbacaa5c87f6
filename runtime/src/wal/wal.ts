// The write-ahead log of one Raft group: entries and hard state in segment files, the latest
// snapshot beside them, all under the group's folder:
//
//   <dir>/wal/<sequence>-<first index>.wal   segments (segment.ts, record.ts)
//   <dir>/wal/spare.tmp                      the next segment, being preallocated
//   <dir>/snap/snapshot                      the latest snapshot (snapshot.ts)
//
// Writes are group commits: every `save` issued while a write and fdatasync are in flight joins
// the next batch — one write, one fdatasync — and each promise resolves only once its bytes are
// durable. A `save` of hard state and entries together (a Ready, in etcd's terms) costs one
// fdatasync, the entries first, so a hard state is never durable without the entries it commits.
// The hard state lives in the log itself, and a new segment begins with a copy of the latest,
// so dropping old segments never loses it.
//
// Segments are preallocated (zeros written and synced before first use, bench/wal measured this
// faster than ftruncate's sparse files for the syncs that follow) so an fdatasync flushes data
// and no metadata, and so bytes never written read as zeros — what tells a torn write apart.
import assert from "node:assert/strict";
import { join } from "node:path";
import { WalFailedError } from "./errors.js";
import { isNoSuchFile, type WalFile, type WalFs } from "./fs.js";
import { nodeFs } from "./node-fs.js";
import { encodeRecord, encodeVote, recordBytes, RecordType, segmentHeaderPayload } from "./record.js";
import { emptyHardState, recover, type HardState, type SegmentInfo, type WalRecord } from "./recover.js";
import { segmentFileName } from "./segment.js";
import { snapshotTemporaryName, writeSnapshot, type Snapshot, type SnapshotMeta } from "./snapshot.js";

export const defaultSegmentBytes = 64 * 1024 * 1024;

/** How a new segment's space is reserved: writing zeros (the default), or ftruncate (a sparse file). */
export type Preallocation = "zero-fill" | "truncate";

export interface WalOptions {
  /** The file system; `nodeFs` by default, a `MemoryFs` in tests and simulations. */
  readonly fs?: WalFs;
  /** A segment's preallocated size; a batch that does not fit starts the next segment. Default 64 MiB. */
  readonly segmentBytes?: number;
  readonly preallocation?: Preallocation;
}

/** One group commit's worth of state: persisted by one write and one fdatasync. */
export interface WalUpdate {
  readonly hardState?: HardState;
  /** Consecutive entries; the first may overwrite the log from its index on. */
  readonly entries?: readonly WalRecord[];
}

/** What the log held when it was opened. */
export interface Recovered {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  /** The entries after the snapshot, contiguous. */
  readonly entries: readonly WalRecord[];
}

export interface WalStats {
  /** Group commits: one write and one fdatasync each. */
  batches: number;
  /** Entry and hard-state records written. */
  records: number;
  bytes: number;
  segmentsCreated: number;
  segmentsRemoved: number;
}

interface Request {
  readonly entries: readonly WalRecord[];
  readonly hardState: HardState | undefined;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface ActiveSegment {
  readonly file: WalFile;
  readonly info: SegmentInfo;
  /** Where the next batch goes; everything after it is zeros. */
  offset: number;
}

const spareName = "spare.tmp";
const segmentHeader = segmentHeaderPayload();
const zeroFillChunkBytes = 1024 * 1024;

export class Wal {
  readonly recovered: Recovered;
  private readonly counters: WalStats = { batches: 0, records: 0, bytes: 0, segmentsCreated: 0, segmentsRemoved: 0 };

  private readonly walDirectory: string;
  private readonly snapshotDirectory: string;
  private readonly fs: WalFs;
  private readonly segmentBytes: number;
  private readonly preallocation: Preallocation;
  private readonly segments: SegmentInfo[];
  private active: ActiveSegment | undefined;
  private spare: Promise<WalFile> | undefined;

  private queue: Request[] = [];
  private flushing: Promise<void> | undefined;
  /** Snapshot saves and compactions, one after another. */
  private maintenance: Promise<void> = Promise.resolve();
  private snapshotsInFlight = 0;
  private failure: WalFailedError | undefined;
  private closing: Promise<void> | undefined;

  /** The last entry index once everything queued is written (the snapshot's if the log is behind it). */
  private lastIndex: number;
  /** The latest snapshot index asked for; entries at or below it may not be written. */
  private snapshotIndex: number;
  private durableSnapshotIndex: number;
  private durableLastIndex: number;
  private durableHardState: HardState | undefined;

  private constructor(directory: string, options: WalOptions, recovered: Recovered, segments: SegmentInfo[], active: ActiveSegment | undefined, hardState: HardState | undefined) {
    this.walDirectory = join(directory, "wal");
    this.snapshotDirectory = join(directory, "snap");
    this.fs = options.fs ?? nodeFs;
    this.segmentBytes = options.segmentBytes ?? defaultSegmentBytes;
    this.preallocation = options.preallocation ?? "zero-fill";
    this.recovered = recovered;
    this.segments = segments;
    this.active = active;
    this.durableHardState = hardState;
    this.snapshotIndex = this.durableSnapshotIndex = recovered.snapshot?.meta.index ?? 0;
    this.lastIndex = this.durableLastIndex = recovered.entries.at(-1)?.index ?? this.snapshotIndex;
  }

  /** What the log has done since it was opened. */
  get stats(): Readonly<WalStats> {
    return { ...this.counters };
  }

  /**
   * Opens (creating if needed) the log in `directory` — a group's folder, `dataDir/<group>` —
   * and recovers it: a torn tail is zeroed and synced before anything new is written; corruption
   * throws `WalCorruptionError` naming the file and byte offset.
   */
  static async open(directory: string, options: WalOptions = {}): Promise<Wal> {
    const fs = options.fs ?? nodeFs;
    const segmentBytes = options.segmentBytes ?? defaultSegmentBytes;
    assert(Number.isSafeInteger(segmentBytes) && segmentBytes >= 4096 && segmentBytes <= 2 ** 31 && segmentBytes % 512 === 0, "segmentBytes must be a multiple of 512 from 4 KiB to 2 GiB");
    const walDirectory = join(directory, "wal");
    const snapshotDirectory = join(directory, "snap");
    await fs.mkdir(walDirectory);
    await fs.mkdir(snapshotDirectory);
    await unlinkIfPresent(fs, join(walDirectory, spareName));
    await unlinkIfPresent(fs, join(snapshotDirectory, snapshotTemporaryName));

    const recovery = await recover(fs, walDirectory, snapshotDirectory);
    let active: ActiveSegment | undefined;
    const last = recovery.segments.at(-1);
    if (last !== undefined) {
      const file = await fs.open(join(walDirectory, last.name), "write");
      if (recovery.tornEnd > recovery.end) {
        await file.write(new Uint8Array(recovery.tornEnd - recovery.end), recovery.end);
        await file.datasync();
      }
      active = { file, info: last, offset: recovery.end };
    }
    const recovered: Recovered = { hardState: recovery.hardState ?? emptyHardState, snapshot: recovery.snapshot, entries: recovery.entries };
    return new Wal(directory, options, recovered, recovery.segments, active, recovery.hardState);
  }

  /**
   * Persists hard state and entries in one group commit; resolves once they are durable. Entries
   * must be consecutive, start after the snapshot and at most one past the last entry; starting
   * at or below the last entry overwrites the log from there on.
   */
  save(update: WalUpdate): Promise<void> {
    assert(this.closing === undefined, "the write-ahead log is closed");
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const entries = update.entries ?? [];
    const { hardState } = update;
    let bytes = 0;
    if (entries.length > 0) {
      const first = entries[0]!.index;
      assert(first > this.snapshotIndex && first <= this.lastIndex + 1, `entries starting at ${first} must start after the snapshot (${this.snapshotIndex}) and at most one past the last entry (${this.lastIndex})`);
      for (const [i, entry] of entries.entries()) {
        assert(entry.index === first + i, `entries must be consecutive: ${entry.index} at position ${i} after ${first}`);
        assert(Number.isSafeInteger(entry.term) && entry.term >= 0, `entry ${entry.index} has term ${entry.term}`);
        bytes += recordBytes(entry.payload.length);
      }
    }
    if (hardState !== undefined) {
      assert(Number.isSafeInteger(hardState.term) && hardState.term >= 0 && Number.isSafeInteger(hardState.commit) && hardState.commit >= 0, "hard state term and commit must be non-negative integers");
      bytes += recordBytes(encodeVote(hardState.vote).length);
    }
    if (bytes === 0) return Promise.resolve();
    if (entries.length > 0) this.lastIndex = entries.at(-1)!.index;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entries, hardState, bytes, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** `save({ entries })`. */
  append(entries: readonly WalRecord[]): Promise<void> {
    return this.save({ entries });
  }

  /** `save({ hardState })`. */
  saveHardState(hardState: HardState): Promise<void> {
    return this.save({ hardState });
  }

  /**
   * Replaces the snapshot atomically; resolves once it is durable. Entries saved after this call
   * are written only after the snapshot is durable, so the log never runs ahead of a missing one.
   */
  saveSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    assert(this.closing === undefined, "the write-ahead log is closed");
    assert(Number.isSafeInteger(meta.index) && Number.isSafeInteger(meta.term) && meta.term >= 0, "snapshot index and term must be integers");
    assert(meta.index >= this.snapshotIndex, `snapshot ${meta.index} is older than snapshot ${this.snapshotIndex}`);
    this.snapshotIndex = meta.index;
    this.lastIndex = Math.max(this.lastIndex, meta.index);
    this.snapshotsInFlight++;
    const written = this.maintain(async () => {
      await writeSnapshot(this.fs, this.snapshotDirectory, { meta, data });
      this.durableSnapshotIndex = Math.max(this.durableSnapshotIndex, meta.index);
    });
    return written.finally(() => this.snapshotsInFlight--);
  }

  /**
   * Drops the segments whose surviving entries are all at or below `index`, which must be
   * covered by a saved snapshot. The segment being written is never dropped.
   */
  compact(index: number): Promise<void> {
    assert(this.closing === undefined, "the write-ahead log is closed");
    assert(index <= this.snapshotIndex, `cannot compact to ${index}: the snapshot ends at ${this.snapshotIndex}`);
    return this.maintain(async () => {
      assert(index <= this.durableSnapshotIndex);
      // The entries of segment k that survive are those below the lowest index written after it.
      let lowestAfter = Infinity;
      const lowestFrom = this.segments.map(() => 0);
      for (let k = this.segments.length - 1; k >= 0; k--) lowestFrom[k] = lowestAfter = Math.min(lowestAfter, this.segments[k]!.lowestIndex);
      let drop = 0;
      while (drop < this.segments.length - 1 && lowestFrom[drop + 1]! <= index + 1) drop++;
      if (drop === 0) return;
      // Oldest first, each unlink made durable before the next, so a crash leaves a run of
      // consecutive segments — recovery treats a missing sequence number as corruption.
      for (const segment of this.segments.splice(0, drop)) {
        await this.fs.unlink(join(this.walDirectory, segment.name));
        await this.fs.syncDirectory(this.walDirectory);
        this.counters.segmentsRemoved++;
      }
    });
  }

  /** Waits for everything queued, then closes the files. Later calls are programming errors. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flushing;
      await this.maintenance;
      const spare = this.spare;
      this.spare = undefined;
      await spare?.then((file) => file.close()).catch(() => undefined);
      await this.active?.file.close();
    })();
    return this.closing;
  }

  /** Writes batches until the queue is empty: each batch is everything queued while the last one was being written. */
  private async flush(): Promise<void> {
    // Let the callers of this turn join the first batch.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        if (this.failure !== undefined) throw this.failure;
        if (this.snapshotsInFlight > 0) await this.maintenance;
        await this.writeBatch(batch);
      } catch (error) {
        this.fail(error);
        for (const request of batch) request.reject(this.failure);
        continue;
      }
      for (const request of batch) request.resolve();
    }
    this.flushing = undefined;
  }

  private async writeBatch(batch: readonly Request[]): Promise<void> {
    let bytes = 0;
    for (const request of batch) bytes += request.bytes;
    let active = this.active;
    if (active === undefined || (active.offset > 0 && active.offset + bytes > this.segmentBytes)) {
      const firstEntry = batch.find((request) => request.entries.length > 0)?.entries[0];
      active = await this.roll(firstEntry?.index ?? Math.max(this.durableLastIndex, this.durableSnapshotIndex) + 1);
    }
    // A segment's first write begins with its header and a copy of the latest hard state.
    const carried = active.offset === 0 ? this.durableHardState : undefined;
    const carriedVote = carried === undefined ? undefined : encodeVote(carried.vote);
    if (active.offset === 0) bytes += recordBytes(segmentHeader.length) + (carriedVote === undefined ? 0 : recordBytes(carriedVote.length));

    const base = active.offset;
    const buffer = new Uint8Array(bytes);
    const view = new DataView(buffer.buffer);
    let at = 0;
    if (active.offset === 0) at = encodeRecord(buffer, view, at, RecordType.segmentHeader, base, active.info.sequence, active.info.firstIndex, segmentHeader);
    if (carried !== undefined) at = encodeRecord(buffer, view, at, RecordType.hardState, base, carried.term, carried.commit, carriedVote!);
    let lowestIndex = Infinity;
    let lastIndex: number | undefined;
    let hardState: HardState | undefined;
    let records = 0;
    for (const request of batch) {
      for (const entry of request.entries) {
        at = encodeRecord(buffer, view, at, RecordType.entry, base, entry.term, entry.index, entry.payload);
        lowestIndex = Math.min(lowestIndex, entry.index);
        lastIndex = entry.index;
        records++;
      }
      if (request.hardState !== undefined) {
        hardState = request.hardState;
        at = encodeRecord(buffer, view, at, RecordType.hardState, base, hardState.term, hardState.commit, encodeVote(hardState.vote));
        records++;
      }
    }
    assert(at === bytes);
    assert(base + bytes <= 2 ** 32, "a segment cannot grow past 4 GiB: batch offsets are u32");

    if (active.file.writeDurably !== undefined) await active.file.writeDurably(buffer, base);
    else {
      await active.file.write(buffer, base);
      await active.file.datasync();
    }

    active.offset = base + bytes;
    active.info.lowestIndex = Math.min(active.info.lowestIndex, lowestIndex);
    if (lastIndex !== undefined) this.durableLastIndex = lastIndex;
    if (hardState !== undefined) this.durableHardState = hardState;
    this.counters.batches++;
    this.counters.records += records;
    this.counters.bytes += bytes;
    // Preallocate the next segment in the background once this one is half full.
    if (this.spare === undefined && active.offset > this.segmentBytes / 2) this.spare = this.prepareSpare();
  }

  /** Starts the next segment: the spare, renamed into place, and the folder synced. */
  private async roll(firstIndex: number): Promise<ActiveSegment> {
    const spare = this.spare ?? this.prepareSpare();
    this.spare = undefined;
    const file = await spare;
    const sequence = (this.segments.at(-1)?.sequence ?? 0) + 1;
    const name = segmentFileName(sequence, firstIndex);
    await this.fs.rename(join(this.walDirectory, spareName), join(this.walDirectory, name));
    await this.fs.syncDirectory(this.walDirectory);
    await this.active?.file.close();
    const info: SegmentInfo = { name, sequence, firstIndex, lowestIndex: Infinity };
    this.segments.push(info);
    this.active = { file, info, offset: 0 };
    this.counters.segmentsCreated++;
    return this.active;
  }

  /** A zeroed, synced file of `segmentBytes` at `spare.tmp`, ready to become the next segment. */
  private prepareSpare(): Promise<WalFile> {
    const spare = (async () => {
      const file = await this.fs.open(join(this.walDirectory, spareName), "create");
      try {
        if (this.preallocation === "truncate") await file.truncate(this.segmentBytes);
        else {
          const zeros = new Uint8Array(Math.min(zeroFillChunkBytes, this.segmentBytes));
          for (let at = 0; at < this.segmentBytes; at += zeros.length) await file.write(zeros.subarray(0, Math.min(zeros.length, this.segmentBytes - at)), at);
        }
        await file.sync();
        return file;
      } catch (error) {
        await file.close().catch(() => undefined);
        throw error;
      }
    })();
    // Awaited by the roll that needs it, which reports a failure; until then it is not unhandled.
    spare.catch(() => undefined);
    return spare;
  }

  private maintain(work: () => Promise<void>): Promise<void> {
    const run = this.maintenance.then(() => {
      if (this.failure !== undefined) throw this.failure;
      return work().catch((error: unknown) => {
        this.fail(error);
        throw this.failure;
      });
    });
    this.maintenance = run.catch(() => undefined);
    return run;
  }

  private fail(error: unknown): void {
    this.failure ??= error instanceof WalFailedError ? error : new WalFailedError(error);
    for (const request of this.queue) request.reject(this.failure);
    this.queue = [];
  }
}

async function unlinkIfPresent(fs: WalFs, path: string): Promise<void> {
  try {
    await fs.unlink(path);
  } catch (error) {
    if (!isNoSuchFile(error)) throw error;
  }
}
