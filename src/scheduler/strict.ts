/**
 * The strict step mode's bookkeeping: what makes a seeded simulation give
 * the same results on any number of workers.
 *
 * - Every component has a key derived from the spawn tree (its parent's
 *   key and how many children the parent had spawned before it), never
 *   from a worker or a counter of one.
 * - Every message carries its sender's key and the sender's own message
 *   count; a step's messages are handled in that order, wherever they
 *   came from.
 * - Components may be woken every step, and may contribute a number to
 *   the step's reduction, which every component reads in the next step.
 *   Sums are exact (ExactSum), so they do not depend on how the terms
 *   were split over workers.
 *
 * NOTE: messages the runtime sends on behalf of nobody (NameFound,
 * NameTaken) carry key 0 and keep the order in which they arrived, which
 * can depend on placement; everything components send is ordered.
 */
import type { Address } from '../address.js';
import { InvalidArgumentError } from '../errors.js';
import type { Envelope } from './envelope.js';
import { ExactSum } from './exact.js';

/** A step's reduction over every contribution: readable the step after. */
export interface Reduction {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

export const EMPTY_REDUCTION: Reduction = Object.freeze({
  count: 0,
  sum: 0,
  min: Number.POSITIVE_INFINITY,
  max: Number.NEGATIVE_INFINITY,
});

/** The key of a machine's first component. */
export const ROOT_KEY = 1;

interface Lineage {
  readonly key: number;
  /** Messages sent so far: the next one's sequence number. */
  sent: number;
  /** Children spawned so far: the next one's index. */
  spawned: number;
}

/** What a component's order takes along when it moves to another worker. */
export interface LineageRecord {
  readonly key: number;
  readonly sent: number;
  readonly spawned: number;
  readonly waker: boolean;
}

export class StrictOrder {
  private readonly lineage = new Map<Address, Lineage>();
  private readonly wakers = new Map<Address, number>();
  /** `wakers` sorted by key; dropped whenever `wakers` changes. */
  private wakeOrder: Address[] | undefined = undefined;
  private readonly sum = new ExactSum();
  private count = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  /** The reduction of the previous step. */
  reduction: Reduction = EMPTY_REDUCTION;
  /** Sequence number given by the last `stamp`. */
  lastSeq = 0;

  /** `reverse` turns the order around: a test aid that must break runs. */
  constructor(private readonly reverse: boolean) {}

  get wakerCount(): number {
    return this.wakers.size;
  }

  enter(address: Address, key: number): void {
    this.lineage.set(address, { key, sent: 0, spawned: 0 });
  }

  /** The lineage of `address`, for its move elsewhere. */
  lineageOf(address: Address): LineageRecord | undefined {
    const lineage = this.lineage.get(address);
    if (lineage === undefined) return undefined;
    const { key, sent, spawned } = lineage;
    return { key, sent, spawned, waker: this.wakers.has(address) };
  }

  /** Takes in the lineage of a component that moved here. */
  arrive(address: Address, record: LineageRecord): void {
    const { key, sent, spawned, waker } = record;
    this.lineage.set(address, { key, sent, spawned });
    if (waker) this.setWaker(address, key);
  }

  leave(address: Address): void {
    this.lineage.delete(address);
    this.setWaker(address, undefined);
  }

  /** The key for the next child of `parent`. */
  childKey(parent: Address): number {
    const lineage = this.lineage.get(parent);
    if (lineage === undefined) return ROOT_KEY;
    return mixKey(lineage.key, lineage.spawned++);
  }

  /** The sender's key; its sequence number is left in `lastSeq`. */
  stamp(sender: Address): number {
    const lineage = this.lineage.get(sender);
    if (lineage === undefined) {
      this.lastSeq = 0;
      return 0;
    }
    this.lastSeq = ++lineage.sent >>> 0;
    return lineage.key;
  }

  /** Sorts a step's messages into the canonical order. */
  order(messages: Envelope[]): void {
    messages.sort(
      (a, b) => a.senderKey - b.senderKey || a.senderSeq - b.senderSeq,
    );
    if (this.reverse) messages.reverse();
  }

  wake(address: Address, on: boolean): void {
    const lineage = this.lineage.get(address);
    this.setWaker(address, on ? lineage?.key : undefined);
  }

  /** Makes `address` a waker with `key`, or (undefined) no waker. */
  private setWaker(address: Address, key: number | undefined): void {
    if (key === undefined) {
      if (this.wakers.delete(address)) this.wakeOrder = undefined;
    } else if (this.wakers.get(address) !== key) {
      this.wakers.set(address, key);
      this.wakeOrder = undefined;
    }
  }

  /**
   * The components to wake this step, by key; sorted again only after
   * the set changed, so a simulation whose components all wake every
   * step does not sort them all every step. Do not modify the result.
   */
  wakersInOrder(): readonly Address[] {
    if (this.wakeOrder === undefined) {
      this.wakeOrder = [...this.wakers]
        .sort((a, b) => a[1] - b[1])
        .map(([address]) => address);
    }
    return this.wakeOrder;
  }

  contribute(value: number): void {
    if (!Number.isFinite(value)) {
      throw new InvalidArgumentError(
        `a contribution must be a finite number, got ${value}`,
      );
    }
    this.sum.add(value);
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** This thread's share of the step: count, min, max and sum limbs. */
  partial(limbs: number[]): { count: number; min: number; max: number } {
    if (this.count > 0 || limbs.length === 0) this.sum.limbs(limbs);
    else limbs.fill(0); // nothing contributed: no BigInt work
    return { count: this.count, min: this.min, max: this.max };
  }

  /** Ends the step: `global` when other threads took part, else local. */
  close(global?: Reduction): void {
    this.reduction = global ?? {
      count: this.count,
      sum: this.sum.value(),
      min: this.min,
      max: this.max,
    };
    this.sum.clear();
    this.count = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
  }
}

/** A 52-bit key for child `index` of the component keyed `parent`. */
export function mixKey(parent: number, index: number): number {
  const hi = Math.floor(parent / 2 ** 32) >>> 0;
  const lo = parent >>> 0;
  let a = Math.imul(lo ^ index, 0x85ebca6b) ^ hi;
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  a ^= a >>> 16;
  let b = Math.imul(hi ^ (index + 0x9e3779b9), 0xcc9e2d51) ^ lo;
  b = Math.imul(b ^ (b >>> 15), 0x1b873593) ^ a;
  b ^= b >>> 13;
  const key = (b >>> 12) * 2 ** 32 + (a >>> 0);
  return key === 0 ? ROOT_KEY : key;
}
