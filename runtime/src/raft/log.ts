// The log as the core sees it: the stable part in `Storage`, the unstable tail in memory, and the
// two indices that move along it — committed (known durable on a quorum) and applied (handed to
// the application). applied ≤ committed ≤ last index, always.
import { assert } from "./assert.js";
import { limitSize, type SnapshotUnavailable, type Storage, type StorageError } from "./storage.js";
import { Unstable } from "./unstable.js";
import type { Entry, Snapshot } from "./types.js";

export class RaftLog {
  readonly unstable: Unstable;
  committed: number;
  applied: number;

  constructor(
    readonly storage: Storage,
    /** Payload bytes of committed entries one Ready hands out. */
    readonly maxApplyingBytes: number,
  ) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    // Everything up to the snapshot is committed and applied by definition.
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    assert(typeof term === "number", "the last entry's term is always available");
    return term;
  }

  /** The term at `index`; valid for [firstIndex - 1, lastIndex]. */
  term(index: number): number | StorageError {
    const unstable = this.unstable.maybeTerm(index);
    if (unstable !== undefined) return unstable;
    if (index + 1 < this.firstIndex()) return "compacted";
    if (index > this.lastIndex()) return "unavailable";
    return this.storage.term(index);
  }

  /** The term at `index`, or 0 where it is unknown (which matches no real entry). */
  termOrZero(index: number): number {
    const term = this.term(index);
    return typeof term === "number" ? term : 0;
  }

  matchTerm(index: number, term: number): boolean {
    const held = this.term(index);
    return typeof held === "number" && held === term;
  }

  /** Raft §5.4.1: a log ending at (term, index) is at least as up to date as this one. */
  isUpToDate(index: number, term: number): boolean {
    const lastTerm = this.lastTerm();
    return term > lastTerm || (term === lastTerm && index >= this.lastIndex());
  }

  /**
   * The index of the first entry that conflicts with this log (same index, other term), or of the
   * first new entry, or 0 if every entry is already here.
   */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    return 0;
  }

  /**
   * The largest index ≤ `index` whose term is ≤ `term`, and that term: no entry above it can match
   * a leader whose entry at `index` has `term`. An unknown term (compacted) answers 0: a possible
   * match the leader resolves itself.
   */
  findConflictByTerm(index: number, term: number): { readonly index: number; readonly term: number } {
    for (let at = index; at > 0; at--) {
      const held = this.term(at);
      if (typeof held !== "number") return { index: at, term: 0 };
      if (held <= term) return { index: at, term: held };
    }
    return { index: 0, term: 0 };
  }

  /**
   * A leader's append after (logTerm, index): if this log matches there, conflicting entries are
   * replaced and the new ones appended, and the commit index moves to what both know. Returns the
   * index of the last new entry, or undefined on a mismatch.
   */
  maybeAppend(index: number, logTerm: number, committed: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      assert(conflict > this.committed, () => `entry ${conflict} conflicts with committed entry [committed(${this.committed})]`);
      this.append(entries.slice(conflict - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const after = entries[0]!.index - 1;
    assert(after >= this.committed, () => `after(${after}) is out of range [committed(${this.committed})]`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  commitTo(index: number): void {
    if (index <= this.committed) return; // never decreases
    assert(index <= this.lastIndex(), () => `tocommit(${index}) is out of range [lastIndex(${this.lastIndex()})]; was the log lost?`);
    this.committed = index;
  }

  /** §5.4.2: only an entry of the leader's own term is committed by counting replicas. */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.termOrZero(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    assert(this.committed >= index && index >= this.applied, () => `applied(${index}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`);
    this.applied = index;
  }

  stableTo(index: number, term: number): void {
    this.unstable.stableTo(index, term);
  }

  stableSnapTo(index: number): void {
    this.unstable.stableSnapTo(index);
  }

  /** Replaces the log with a leader's snapshot: everything up to it is committed. */
  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index;
    this.unstable.restore(snapshot);
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  unstableEntries(): readonly Entry[] {
    return this.unstable.entries;
  }

  /**
   * Committed entries not yet applied, up to the Ready size limit. Unstable ones are included:
   * the Ready contract has them persisted before anything is applied. None while a snapshot is
   * pending (it is applied first).
   */
  nextCommittedEntries(): readonly Entry[] {
    if (this.hasPendingSnapshot()) return [];
    const lo = this.applied + 1;
    const hi = this.committed + 1;
    if (lo >= hi) return [];
    const entries = this.slice(lo, hi, this.maxApplyingBytes);
    assert(typeof entries !== "string", () => `committed entries [${lo}, ${hi}) are ${String(entries)}`);
    return entries;
  }

  hasNextCommittedEntries(): boolean {
    return !this.hasPendingSnapshot() && this.committed > this.applied;
  }

  snapshot(): Snapshot | SnapshotUnavailable {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Entries from `lo` to the end, at most `maxBytes` of payload (at least one). */
  entries(lo: number, maxBytes: number): readonly Entry[] | StorageError {
    if (lo > this.lastIndex()) return [];
    return this.slice(lo, this.lastIndex() + 1, maxBytes);
  }

  /** Entries [lo, hi) from storage and the unstable tail, at most `maxBytes` (at least one). */
  slice(lo: number, hi: number, maxBytes: number): readonly Entry[] | StorageError {
    assert(lo <= hi, () => `invalid slice ${lo} > ${hi}`);
    if (lo < this.firstIndex()) return "compacted";
    assert(hi <= this.lastIndex() + 1, () => `slice[${lo},${hi}) out of bound [${this.firstIndex()},${this.lastIndex()}]`);
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    let out: readonly Entry[] = [];
    if (lo < offset) {
      const stableHi = Math.min(hi, offset);
      const stored = this.storage.entries(lo, stableHi, maxBytes);
      if (stored === "compacted") return stored;
      assert(stored !== "unavailable", () => `entries[${lo}:${stableHi}) are unavailable from storage`);
      if (stored.length < stableHi - lo) return stored; // the size limit was hit
      out = stored;
    }
    if (hi > offset) {
      const tail = this.unstable.slice(Math.max(lo, offset), hi);
      out = out.length === 0 ? tail : out.concat(tail);
    }
    return limitSize(out, maxBytes);
  }
}
