/**
 * Messages to components that are on their way. A component spawned onto
 * another worker is adopted there when the spawn frame arrives; a message
 * sent to it by a third worker may come first. Such a message waits here,
 * and goes to the queue the moment its component lands (ahead of anything
 * its senders send later, so per-sender order holds), or, once a round has
 * shown every spawn in flight landed, goes on to be a dead letter.
 */
import type { Address } from '../address.js';
import type { Envelope } from '../scheduler/envelope.js';

export class Limbo {
  private readonly waiting = new Map<Address, Envelope[]>();
  /** Envelopes that already waited once: dead if still unknown. */
  private readonly released = new WeakSet<Envelope>();
  private count = 0;

  /** Messages waiting. */
  get size(): number {
    return this.count;
  }

  /** Keeps `envelope` unless it already waited once; says which it did. */
  hold(envelope: Envelope): boolean {
    if (this.released.has(envelope)) return false;
    const list = this.waiting.get(envelope.target);
    if (list === undefined) this.waiting.set(envelope.target, [envelope]);
    else list.push(envelope);
    this.count++;
    return true;
  }

  /** The component at `address` landed: what waited for it, in order. */
  landed(address: Address): readonly Envelope[] {
    const list = this.waiting.get(address);
    if (list === undefined) return [];
    this.waiting.delete(address);
    this.count -= list.length;
    return list;
  }

  /** No spawn is in flight: everything, each marked as having waited. */
  releaseAll(): Envelope[] {
    const all: Envelope[] = [];
    for (const list of this.waiting.values()) {
      for (const envelope of list) {
        this.released.add(envelope);
        all.push(envelope);
      }
    }
    this.waiting.clear();
    this.count = 0;
    return all;
  }
}
