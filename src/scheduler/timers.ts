/**
 * The scheduler's timers: an indexed binary min-heap ordered by
 * (due, owner, sequence), so timers due at the same moment fire in an order
 * that depends on nothing but the program. Each timer also sits on its
 * owner's list, so a component's timers can be removed when it dies and
 * carried along when it moves, without any per-component structure for
 * components that have no timers.
 */
import type { Address } from '../address.js';
import type { Envelope } from './envelope.js';

export class Timer {
  /** Position in the heap; -1 once removed. */
  index = -1;
  prevOfOwner: Timer | undefined = undefined;
  nextOfOwner: Timer | undefined = undefined;

  constructor(
    readonly id: number,
    readonly due: number,
    readonly owner: Address,
    /** What to deliver when the timer fires. */
    readonly envelope: Envelope,
    /** The request token this timer guards, or 0 for a plain timer. */
    readonly token: number,
  ) {}
}

function before(a: Timer, b: Timer): boolean {
  if (a.due !== b.due) return a.due < b.due;
  if (a.owner !== b.owner) return a.owner < b.owner;
  return a.id < b.id;
}

export class TimerHeap {
  private readonly heap: Timer[] = [];
  private readonly byId = new Map<number, Timer>();
  private readonly firstOfOwner = new Map<Address, Timer>();
  /** Ids handed out so far: timer k has id k * stride + offset. */
  private issued = 0;

  /**
   * Ids are unique in the machine: each worker takes the ids that leave
   * `offset` (its index) modulo `stride` (the number of workers), so a
   * timer keeps its id when its owner moves to another worker.
   */
  constructor(
    private readonly stride = 1,
    private readonly offset = 0,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** The due time of the earliest timer, or Infinity. */
  get earliest(): number {
    return this.heap.length === 0 ? Infinity : this.heap[0]!.due;
  }

  add(due: number, envelope: Envelope, token: number): Timer {
    const id = ++this.issued * this.stride + this.offset;
    return this.insert(new Timer(id, due, envelope.target, envelope, token));
  }

  /**
   * Adds a timer that came with its owner from another worker, keeping
   * its id. Later ids here are larger, so among one owner's timers due at
   * the same moment the order of creation still decides.
   */
  adopt(id: number, due: number, envelope: Envelope, token: number): Timer {
    this.issued = Math.max(this.issued, Math.floor(id / this.stride));
    return this.insert(new Timer(id, due, envelope.target, envelope, token));
  }

  private insert(timer: Timer): Timer {
    const owner = timer.owner;
    this.byId.set(timer.id, timer);
    const first = this.firstOfOwner.get(owner);
    if (first !== undefined) {
      first.prevOfOwner = timer;
      timer.nextOfOwner = first;
    }
    this.firstOfOwner.set(owner, timer);
    timer.index = this.heap.length;
    this.heap.push(timer);
    this.up(timer.index);
    return timer;
  }

  get(id: number): Timer | undefined {
    return this.byId.get(id);
  }

  /** Removes and returns the earliest timer if it is due by `now`. */
  popDue(now: number): Timer | undefined {
    const top = this.heap[0];
    if (top === undefined || top.due > now) return undefined;
    this.remove(top);
    return top;
  }

  remove(timer: Timer): void {
    if (timer.index < 0) return;
    const last = this.heap.pop()!;
    if (last !== timer) {
      this.heap[timer.index] = last;
      last.index = timer.index;
      this.down(last.index);
      this.up(last.index);
    }
    timer.index = -1;
    this.byId.delete(timer.id);
    this.unlinkFromOwner(timer);
  }

  /** Removes every timer of `owner` and returns them, earliest id first. */
  removeOwner(owner: Address): Timer[] {
    const removed: Timer[] = [];
    for (
      let timer = this.firstOfOwner.get(owner);
      timer !== undefined;
      timer = this.firstOfOwner.get(owner)
    ) {
      this.remove(timer);
      removed.push(timer);
    }
    return removed.sort((a, b) => a.id - b.id);
  }

  private unlinkFromOwner(timer: Timer): void {
    const { prevOfOwner: prev, nextOfOwner: next } = timer;
    if (prev === undefined) {
      if (next === undefined) this.firstOfOwner.delete(timer.owner);
      else this.firstOfOwner.set(timer.owner, next);
    } else {
      prev.nextOfOwner = next;
    }
    if (next !== undefined) next.prevOfOwner = prev;
    timer.prevOfOwner = timer.nextOfOwner = undefined;
  }

  private up(index: number): void {
    const heap = this.heap;
    const timer = heap[index]!;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(timer, heap[parent]!)) break;
      heap[index] = heap[parent]!;
      heap[index]!.index = index;
      index = parent;
    }
    heap[index] = timer;
    timer.index = index;
  }

  private down(index: number): void {
    const heap = this.heap;
    const timer = heap[index]!;
    const n = heap.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap[child + 1]!, heap[child]!)) child++;
      if (!before(heap[child]!, timer)) break;
      heap[index] = heap[child]!;
      heap[index]!.index = index;
      index = child;
    }
    heap[index] = timer;
    timer.index = index;
  }
}
