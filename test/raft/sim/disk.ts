// A node's disk: what survives a crash. Writes go to the volatile `MemoryStorage` the core reads
// (the page cache) at once, and to this image only when fsynced — a crash loses the writes since
// the last fsync, except for a prefix that happened to reach the platter (writes land in order,
// as in a write-ahead log). A restart rebuilds the core's storage from the image alone.
import { MemoryStorage, type ConfState, type Entry, type HardState, type Snapshot } from "@coal/runtime/raft";

/** One write, in the order the driver issued it. */
export type DiskWrite =
  { readonly kind: "snapshot"; readonly snapshot: Snapshot } | { readonly kind: "entry"; readonly entry: Entry } | { readonly kind: "hard-state"; readonly hardState: HardState };

export class DiskImage {
  hardState: HardState;
  snapshot: Snapshot;
  /** The index and term of the entry before `entries[0]` (the last compacted one). */
  private offset: number;
  private offsetTerm: number;
  private entries: Entry[] = [];

  constructor(snapshot: Snapshot, hardState: HardState) {
    this.snapshot = snapshot;
    this.hardState = hardState;
    this.offset = snapshot.metadata.index;
    this.offsetTerm = snapshot.metadata.term;
  }

  get firstIndex(): number {
    return this.offset + 1;
  }

  get lastIndex(): number {
    return this.offset + this.entries.length;
  }

  /** The term at `index`, for [firstIndex - 1, lastIndex]; undefined outside. */
  term(index: number): number | undefined {
    if (index === this.offset) return this.offsetTerm;
    if (index < this.offset || index > this.lastIndex) return undefined;
    return this.entries[index - this.offset - 1]!.term;
  }

  entry(index: number): Entry | undefined {
    if (index <= this.offset || index > this.lastIndex) return undefined;
    return this.entries[index - this.offset - 1];
  }

  /**
   * Carries out one write. An entry replaces whatever the log held at its index and after it. A
   * snapshot replaces the log, and implies its index is committed (a driver restarting from it
   * must not load a smaller commit index).
   */
  write(write: DiskWrite): void {
    switch (write.kind) {
      case "snapshot": {
        const { index, term } = write.snapshot.metadata;
        if (index <= this.snapshot.metadata.index) return;
        this.snapshot = write.snapshot;
        this.offset = index;
        this.offsetTerm = term;
        this.entries = [];
        if (this.hardState.commit < index) this.hardState = { ...this.hardState, commit: index };
        return;
      }
      case "entry": {
        const { index } = write.entry;
        if (index <= this.offset) return;
        const at = index - this.offset - 1;
        if (at > this.entries.length) throw new Error(`disk: entry ${index} leaves a gap after ${this.lastIndex}`);
        this.entries.length = at;
        this.entries.push(write.entry);
        return;
      }
      case "hard-state":
        this.hardState = write.hardState;
        return;
    }
  }

  /** Forgets up to `count` entries at the end of the log (a disk that lied about fsync). */
  loseTail(count: number): number {
    const lost = Math.min(count, this.entries.length);
    this.entries.length -= lost;
    if (this.hardState.commit > this.lastIndex) this.hardState = { ...this.hardState, commit: this.lastIndex };
    return lost;
  }

  /** The application's snapshot at an applied index, and compaction up to `compactTo` (≤ it). */
  saveSnapshot(snapshot: Snapshot, compactTo: number): void {
    this.snapshot = snapshot;
    if (compactTo <= this.offset) return;
    const term = this.term(compactTo);
    if (term === undefined) throw new Error(`disk: compaction to ${compactTo} outside [${this.offset}, ${this.lastIndex}]`);
    this.entries = this.entries.slice(compactTo - this.offset);
    this.offset = compactTo;
    this.offsetTerm = term;
  }

  /**
   * The core's storage after a restart: snapshot, log and hard state as on disk. `hardState`
   * overrides the one on disk (the fault injection that forgets a vote uses it).
   */
  toStorage(hardState: HardState = this.hardState): MemoryStorage {
    const { index, confState } = this.snapshot.metadata;
    const storage = new MemoryStorage(index === 0 ? { confState } : {});
    if (this.offset > 0) {
      if (this.offset === index) {
        storage.applySnapshot(this.snapshot);
      } else {
        // Entries before the snapshot were kept: start the log at the compaction point, then
        // record the snapshot over it.
        storage.applySnapshot({ metadata: { index: this.offset, term: this.offsetTerm, confState }, data: this.snapshot.data });
      }
    }
    storage.append(this.entries);
    if (this.offset !== index && index > 0) {
      const recorded = storage.createSnapshot(index, confState, this.snapshot.data);
      if (typeof recorded === "string") throw new Error(`disk: cannot record snapshot ${index}: ${recorded}`);
    }
    storage.setHardState(hardState);
    return storage;
  }

  /** For invariant checks and failure reports. */
  describe(): string {
    const hs = this.hardState;
    return `disk[term ${hs.term} vote ${hs.vote ?? "-"} commit ${hs.commit} snap ${this.snapshot.metadata.index}/${this.snapshot.metadata.term} log ${this.firstIndex}..${this.lastIndex}]`;
  }
}

export function confStateKey(confState: ConfState): string {
  return `v(${confState.voters.join(",")})l(${confState.learners.join(",")})`;
}
