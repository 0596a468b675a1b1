/**
 * Event dispatch. A component becomes an event source by firing events;
 * others subscribe to it by event type, optionally narrowed to one topic
 * (checked where the event is fired) and by a predicate (a function, so it
 * is checked where the subscriber runs and never crosses a thread).
 * A source's dispatcher, with all its subscriptions, goes away with it.
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
  readonly filter: EventFilter | undefined;
}

export class EventHub {
  private readonly bySource = new Map<Address, Subscription[]>();
  private readonly byToken = new Map<number, Subscription>();
  private readonly bySubscriber = new Map<Address, Set<number>>();

  get size(): number {
    return this.byToken.size;
  }

  /** Sources that currently have a dispatcher (at least one subscriber). */
  get dispatchers(): number {
    return this.bySource.size;
  }

  add(subscription: Subscription): void {
    const { source, subscriber, token } = subscription;
    const list = this.bySource.get(source);
    if (list === undefined) this.bySource.set(source, [subscription]);
    else list.push(subscription);
    this.byToken.set(token, subscription);
    const tokens = this.bySubscriber.get(subscriber);
    if (tokens === undefined)
      this.bySubscriber.set(subscriber, new Set([token]));
    else tokens.add(token);
  }

  get(token: number): Subscription | undefined {
    return this.byToken.get(token);
  }

  /** Subscriptions of `source` that an event of `type` under `topic` meets. */
  matching(
    source: Address,
    type: MessageType,
    topic: string | undefined,
  ): Subscription[] {
    const list = this.bySource.get(source);
    if (list === undefined) return [];
    return list.filter(
      (s) => s.type === type && (s.topic === undefined || s.topic === topic),
    );
  }

  remove(token: number): boolean {
    const subscription = this.byToken.get(token);
    if (subscription === undefined) return false;
    this.byToken.delete(token);
    const list = this.bySource.get(subscription.source)!;
    list.splice(list.indexOf(subscription), 1);
    if (list.length === 0) this.bySource.delete(subscription.source);
    const tokens = this.bySubscriber.get(subscription.subscriber)!;
    tokens.delete(token);
    if (tokens.size === 0) this.bySubscriber.delete(subscription.subscriber);
    return true;
  }

  /** Drops `address`'s dispatcher and its own subscriptions elsewhere. */
  removeComponent(address: Address): void {
    const own = [...(this.bySource.get(address) ?? [])];
    for (const s of own) this.remove(s.token);
    for (const token of this.bySubscriber.get(address) ?? []) {
      this.remove(token);
    }
  }
}
