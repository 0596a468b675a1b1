/**
 * Event dispatch, source side. A component becomes an event source by
 * firing events; its dispatcher lists the subscriptions made to it, each
 * by event type and optionally one topic (checked here, where the event is
 * fired). Predicates are checked where the subscriber runs (see Services),
 * so a function never crosses a thread. The dispatcher goes away with its
 * source.
 */
import type { Address } from '../address.js';
import type { MessageType } from '../message/message.js';

/** A predicate over an event's body and topic. */
export type EventFilter<B = unknown> = (
  body: B,
  topic: string | undefined,
) => boolean;

export interface Subscription {
  readonly token: number;
  readonly source: Address;
  readonly subscriber: Address;
  readonly type: MessageType;
  readonly topic: string | undefined;
}

export class EventHub {
  private readonly bySource = new Map<Address, Subscription[]>();
  private readonly byToken = new Map<number, Subscription>();

  get size(): number {
    return this.byToken.size;
  }

  add(subscription: Subscription): void {
    const list = this.bySource.get(subscription.source);
    if (list === undefined)
      this.bySource.set(subscription.source, [subscription]);
    else list.push(subscription);
    this.byToken.set(subscription.token, subscription);
  }

  /** Subscriptions of `source` that an event of `type` under `topic` meets. */
  matching(
    source: Address,
    type: MessageType,
    topic: string | undefined,
  ): readonly Subscription[] {
    const list = this.bySource.get(source);
    if (list === undefined) return [];
    return list.filter(
      (s) => s.type === type && (s.topic === undefined || s.topic === topic),
    );
  }

  remove(token: number): Subscription | undefined {
    const subscription = this.byToken.get(token);
    if (subscription === undefined) return undefined;
    this.byToken.delete(token);
    const list = this.bySource.get(subscription.source)!;
    list.splice(list.indexOf(subscription), 1);
    if (list.length === 0) this.bySource.delete(subscription.source);
    return subscription;
  }

  /** Drops `source`'s dispatcher and returns its subscriptions. */
  removeSource(source: Address): readonly Subscription[] {
    const list = this.bySource.get(source) ?? [];
    this.bySource.delete(source);
    for (const s of list) this.byToken.delete(s.token);
    return list;
  }
}
