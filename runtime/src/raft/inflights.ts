// The window of appends a leader has sent a follower and not yet heard back about. Bounding it
// (by messages, and optionally by bytes) is the flow control of pipelined replication: a slow
// follower stops receiving new entries instead of piling up an unbounded queue.
import { assert } from "./assert.js";

export class Inflights {
  // A ring buffer of (last index, payload bytes) per message, oldest first, grown on demand.
  private indices: number[] = [];
  private sizes: number[] = [];
  private start = 0;
  private held = 0;
  private heldBytes = 0;

  constructor(
    /** Most messages in flight. */
    readonly capacity: number,
    /** Most payload bytes in flight (Infinity for no limit). */
    readonly maxBytes = Infinity,
  ) {
    assert(Number.isInteger(capacity) && capacity > 0, `inflight capacity must be a positive integer, not ${capacity}`);
  }

  get count(): number {
    return this.held;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** Records a message whose last entry is `index`; indices only grow. */
  add(index: number, bytes: number): void {
    assert(!this.full(), "cannot add into a full inflights window");
    if (this.held > 0) assert(index > this.newest(), () => `inflight index ${index} is not above ${this.newest()}`);
    const slot = (this.start + this.held) % this.capacity;
    this.indices[slot] = index;
    this.sizes[slot] = bytes;
    this.held++;
    this.heldBytes += bytes;
  }

  /** Frees every message whose last index is ≤ `index` (the follower acknowledged up to it). */
  freeLE(index: number): void {
    while (this.held > 0 && this.indices[this.start]! <= index) {
      this.heldBytes -= this.sizes[this.start]!;
      this.start = (this.start + 1) % this.capacity;
      this.held--;
    }
    if (this.held === 0) this.start = 0;
  }

  full(): boolean {
    return this.held === this.capacity || (this.maxBytes !== Infinity && this.heldBytes >= this.maxBytes);
  }

  reset(): void {
    this.start = 0;
    this.held = 0;
    this.heldBytes = 0;
  }

  private newest(): number {
    return this.indices[(this.start + this.held - 1) % this.capacity]!;
  }
}
