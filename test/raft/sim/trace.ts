// What a simulation did, as lines: the last few kept for a failure report (or all of them when
// asked), and every one folded into a hash, so two runs of a seed can be compared bit for bit.

export class Trace {
  private readonly tail: string[];
  private next = 0;
  private count = 0;
  /** Two FNV-1a hashes with different offsets: 64 bits between them. */
  private h1 = 0x811c9dc5;
  private h2 = 0x050c5d1f;
  readonly all: string[] | undefined;

  constructor(
    private readonly tailLength: number,
    keepAll: boolean,
  ) {
    this.tail = new Array<string>(tailLength);
    this.all = keepAll ? [] : undefined;
  }

  add(line: string): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < line.length; i++) {
      const code = line.charCodeAt(i);
      h1 = Math.imul(h1 ^ code, 0x01000193);
      h2 = Math.imul(h2 ^ code, 0x01000193);
    }
    this.h1 = Math.imul(h1 ^ 10, 0x01000193);
    this.h2 = Math.imul(h2 ^ 13, 0x01000193);
    this.tail[this.next] = line;
    this.next = (this.next + 1) % this.tailLength;
    this.count++;
    this.all?.push(line);
  }

  get lines(): number {
    return this.count;
  }

  /** The hash of every line so far, as 16 hex digits. */
  hash(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, "0") + (this.h2 >>> 0).toString(16).padStart(8, "0");
  }

  /** The last `n` lines (at most the tail length), oldest first. */
  last(n = this.tailLength): string[] {
    const kept = Math.min(n, this.count, this.tailLength);
    const out: string[] = [];
    for (let i = kept; i > 0; i--) out.push(this.tail[(this.next - i + this.tailLength) % this.tailLength]!);
    return out;
  }
}
