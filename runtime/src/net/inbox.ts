// An unbounded queue read as an `AsyncIterable`: items pushed before anyone waits are kept in
// order; a waiting reader gets the next item at once; closing ends every reader. Consumers and
// links read through it.
export class Inbox<T, R = T> implements AsyncIterable<R> {
  private readonly items: T[] = [];
  private readonly waiters: ((result: IteratorResult<R>) => void)[] = [];
  private closed = false;

  /**
   * @param take what a reader receives for an item (called once per item, when it is read)
   * @param onReturn called when a reader stops early (`break` in `for await`)
   */
  constructor(
    private readonly take: (item: T) => R,
    private readonly onReturn?: () => void,
  ) {}

  push(item: T): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter({ value: this.take(item), done: false });
    else this.items.push(item);
  }

  /** Ends every reader once the queued items are read. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter({ value: undefined, done: true });
  }

  /** Removes and returns every item not yet read (for a reader switching to callbacks). */
  drain(): T[] {
    return this.items.splice(0);
  }

  /** Items pushed and not yet read. */
  get size(): number {
    return this.items.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  [Symbol.asyncIterator](): AsyncIterator<R> {
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ value: this.take(this.items.shift()!), done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.waiters.push(resolve));
      },
      return: () => {
        this.onReturn?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
