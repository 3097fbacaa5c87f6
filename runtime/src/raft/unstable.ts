// The tail of the log not yet persisted: entries appended since the last Ready, and a snapshot
// received from the leader. A Ready hands them to the application; `advance` drops what was
// persisted. Entries here may replace a suffix of the stable log (a leader overwrote it).
import { assert } from "./assert.js";
import type { Entry, Snapshot } from "./types.js";

export class Unstable {
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];
  /** The index of `entries[0]`, or where the next entry would go. */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  /** The first index, if a snapshot is pending (the entry after it). */
  maybeFirstIndex(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot?.metadata.index;
  }

  maybeTerm(index: number): number | undefined {
    if (index < this.offset) {
      return this.snapshot !== undefined && this.snapshot.metadata.index === index ? this.snapshot.metadata.term : undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || index > last) return undefined;
    return this.entries[index - this.offset]!.term;
  }

  /** Entries up to `index` were persisted — unless they were replaced meanwhile (the term differs). */
  stableTo(index: number, term: number): void {
    const held = this.maybeTerm(index);
    if (held === undefined || held !== term || index < this.offset) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  stableSnapTo(index: number): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === index) this.snapshot = undefined;
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  truncateAndAppend(entries: readonly Entry[]): void {
    const from = entries[0]!.index;
    if (from === this.offset + this.entries.length) {
      this.entries.push(...entries);
    } else if (from <= this.offset) {
      // Replaces everything unstable; the stable log is truncated when these are persisted.
      this.offset = from;
      this.entries = [...entries];
    } else {
      this.entries = this.entries.slice(0, from - this.offset).concat(entries);
    }
  }

  slice(lo: number, hi: number): Entry[] {
    assert(lo >= this.offset && hi <= this.offset + this.entries.length && lo <= hi, () => `unstable.slice[${lo},${hi}) out of bound [${this.offset},${this.offset + this.entries.length}]`);
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
