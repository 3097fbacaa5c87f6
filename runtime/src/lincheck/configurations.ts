// Lowe's memo for the Wing–Gong search: a configuration is the set of operations linearized so
// far and the state they led to. Two paths reaching the same configuration have the same future,
// so the search explores each configuration once; this is what turns an exponential search into
// one that decides real histories quickly.

/** The operations linearized so far: a bitset whose hash is kept up to date on every change. */
export class LinearizedSet {
  readonly words: Uint32Array;
  /**
   * XOR of a fixed pseudo-random value per member (Zobrist hashing): adding or removing one
   * operation updates it in O(1), where rehashing the words would cost O(n) per step.
   */
  hash = 0;

  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  add(index: number): void {
    this.words[index >>> 5]! |= 1 << (index & 31);
    this.hash ^= memberHash(index);
  }

  delete(index: number): void {
    this.words[index >>> 5]! &= ~(1 << (index & 31));
    this.hash ^= memberHash(index);
  }
}

/** murmur3's 32-bit finaliser of the index: well spread, so XORs of a few of them rarely collide. */
function memberHash(index: number): number {
  let h = (index + 0x9e3779b9) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The configurations explored so far, states given as small integers (interned keys). An
 * open-addressing table over one flat pool of words: with an object and a typed array per
 * configuration, allocation and garbage collection took half the search's time (etcd_002).
 */
export class ExploredConfigurations {
  private readonly wordsPerSet: number;
  /** Each configuration's set words, then its state id. */
  private pool: Uint32Array;
  /** Slots holding 1 + a configuration's index, 0 when empty. Its size is a power of two. */
  private slots: Int32Array;
  private hashes: Int32Array;
  private count = 0;

  constructor(setSize: number) {
    this.wordsPerSet = Math.ceil(setSize / 32);
    this.pool = new Uint32Array((this.wordsPerSet + 1) * 1024);
    this.slots = new Int32Array(2048);
    this.hashes = new Int32Array(2048);
  }

  /** Adds the configuration; false when it was already there (nothing new to explore). */
  add(linearized: LinearizedSet, stateId: number): boolean {
    const hash = linearized.hash ^ Math.imul(stateId + 1, 0x9e3779b1);
    const mask = this.slots.length - 1;
    const stride = this.wordsPerSet + 1;
    let slot = hash & mask;
    for (let entry = this.slots[slot]!; entry !== 0; entry = this.slots[slot]!) {
      if (this.hashes[slot] === hash && this.holds(entry - 1, linearized.words, stateId)) return false;
      slot = (slot + 1) & mask;
    }
    const offset = this.count * stride;
    if (offset + stride > this.pool.length) this.pool = grown(this.pool, this.pool.length * 2);
    this.pool.set(linearized.words, offset);
    this.pool[offset + this.wordsPerSet] = stateId;
    this.slots[slot] = ++this.count;
    this.hashes[slot] = hash;
    if (this.count * 2 > this.slots.length) this.rehash();
    return true;
  }

  get size(): number {
    return this.count;
  }

  private holds(index: number, words: Uint32Array, stateId: number): boolean {
    const offset = index * (this.wordsPerSet + 1);
    if (this.pool[offset + this.wordsPerSet] !== stateId) return false;
    for (let i = 0; i < this.wordsPerSet; i++) if (this.pool[offset + i] !== words[i]) return false;
    return true;
  }

  private rehash(): void {
    const { slots, hashes } = this;
    this.slots = new Int32Array(slots.length * 2);
    this.hashes = new Int32Array(slots.length * 2);
    const mask = this.slots.length - 1;
    for (let old = 0; old < slots.length; old++) {
      const entry = slots[old]!;
      if (entry === 0) continue;
      let slot = hashes[old]! & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = entry;
      this.hashes[slot] = hashes[old]!;
    }
  }
}

function grown(array: Uint32Array, length: number): Uint32Array {
  const copy = new Uint32Array(length);
  copy.set(array);
  return copy;
}
