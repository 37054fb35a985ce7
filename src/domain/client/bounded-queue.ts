/**
 * A fixed-capacity FIFO on a ring buffer: O(1) push and shift, and when full the oldest entry is
 * evicted to make room (the client's offline message queue drops the oldest message).
 */
export class BoundedQueue<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;

  /** @param capacity maximum entries; 0 means every push is dropped at once. */
  constructor(capacity: number) {
    BoundedQueue.check(capacity);
    this.items = new Array<T | undefined>(capacity);
  }

  private static check(capacity: number): void {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`queue capacity must be an integer >= 0, got ${capacity}`);
    }
  }

  /** Entries currently held. */
  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.items.length;
  }

  /**
   * Appends `item`. Returns the entry evicted to make room (the oldest, or `item` itself when the
   * capacity is 0), or undefined when nothing was dropped.
   */
  push(item: T): T | undefined {
    const cap = this.items.length;
    if (cap === 0) return item;
    if (this.count === cap) {
      const dropped = this.items[this.head] as T;
      this.items[this.head] = item;
      this.head = (this.head + 1) % cap;
      return dropped;
    }
    this.items[(this.head + this.count) % cap] = item;
    this.count++;
    return undefined;
  }

  /** The oldest entry, without removing it. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** Removes and returns the oldest entry. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined; // release the reference
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return item;
  }

  /** Oldest-first copy of the entries (for inspection; does not remove anything). */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.head + i) % this.items.length] as T);
    return out;
  }

  /** Removes every entry for which `pred` is true, keeping the order of the rest. O(n). */
  removeWhere(pred: (item: T) => boolean): T[] {
    const kept: T[] = [];
    const removed: T[] = [];
    for (const it of this.toArray()) (pred(it) ? removed : kept).push(it);
    if (removed.length > 0) this.refill(this.items.length, kept);
    return removed;
  }

  /**
   * Changes the capacity, keeping the newest entries; returns the (oldest) entries that no
   * longer fit.
   */
  resize(capacity: number): T[] {
    BoundedQueue.check(capacity);
    const all = this.toArray();
    const overflow = all.length > capacity ? all.slice(0, all.length - capacity) : [];
    this.refill(capacity, all.slice(overflow.length));
    return overflow;
  }

  /** Removes and returns every entry, oldest first. */
  clear(): T[] {
    const all = this.toArray();
    this.refill(this.items.length, []);
    return all;
  }

  private refill(capacity: number, entries: T[]): void {
    this.items = new Array<T | undefined>(capacity);
    for (let i = 0; i < entries.length; i++) this.items[i] = entries[i];
    this.head = 0;
    this.count = entries.length;
  }
}
