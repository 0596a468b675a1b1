/**
 * A growable FIFO ring of items. Push and shift are O(1) and allocate only
 * when the ring doubles.
 *
 *   items:  [ . . a b c d . . ]      head -> a, tail -> first free slot
 *                ^head    ^tail      both wrap with `& mask`
 */
export class Fifo<T> {
  private items: (T | undefined)[];
  private mask: number;
  private head = 0;
  private tail = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.items = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
  }

  get length(): number {
    return (this.tail - this.head) & this.mask;
  }

  push(item: T): void {
    this.items[this.tail] = item;
    this.tail = (this.tail + 1) & this.mask;
    if (this.tail === this.head) this.grow();
  }

  /** The oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.head === this.tail) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined; // let the item be collected
    this.head = (this.head + 1) & this.mask;
    return item;
  }

  /** The oldest item, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.head === this.tail ? undefined : this.items[this.head];
  }

  /** Removes every item, oldest first, into an array. */
  takeAll(): T[] {
    const all: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) {
      all.push(item);
    }
    return all;
  }

  /** Calls `visit` on each item, oldest first, without removing any. */
  forEach(visit: (item: T) => void): void {
    for (let i = this.head; i !== this.tail; i = (i + 1) & this.mask) {
      visit(this.items[i] as T);
    }
  }

  private grow(): void {
    // Called when the ring just became full: head === tail.
    const old = this.items;
    const capacity = old.length * 2;
    const items = new Array<T | undefined>(capacity).fill(undefined);
    let n = 0;
    for (let i = this.head; n < old.length; i = (i + 1) & this.mask) {
      items[n++] = old[i];
    }
    this.items = items;
    this.mask = capacity - 1;
    this.head = 0;
    this.tail = old.length;
  }
}
