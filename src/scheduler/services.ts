/**
 * The services a scheduler offers besides messaging: names, watches and
 * events. Each verb runs where its data lives: the name registry on the
 * registry worker, a watch or a dispatcher where the watched component or
 * the event source lives, an event filter where the subscriber lives. On
 * one thread every "where" is here; across workers the rest travels as Ops.
 */
import { type Address, NOBODY } from '../address.js';
import {
  checkMessageType,
  type MessageType,
  messageTypes,
} from '../message/message.js';
import { NameFound, NameTaken, Terminated } from '../message/system.js';
import type { EventFilter } from './events.js';
import { EventHub } from './events.js';
import { NameRegistry } from './names.js';
import type { Op } from './ops.js';
import { REGISTRY_WORKER } from './partition.js';
import { MultiMap } from './watches.js';

/** What the services need from their scheduler. */
export interface ServiceHost {
  /** This worker's index (0 on one thread). */
  readonly here: number;
  workerOf(address: Address): number;
  isAlive(address: Address): boolean;
  call(worker: number, op: Op): void;
  postSystem<B>(
    target: Address,
    type: MessageType<B>,
    body: B,
    sender: Address,
    token: number,
  ): void;
}

/** The subscriber side of a subscription. */
interface Subscribed {
  readonly subscriber: Address;
  readonly source: Address;
  readonly filter: EventFilter | undefined;
}

export class Services {
  private readonly names = new NameRegistry();
  /** Local components that hold a name in a registry on another worker. */
  private readonly namedElsewhere = new Set<Address>();
  /** Local target -> its watchers (anywhere). */
  private readonly watchers = new MultiMap<Address, Address>();
  /** Local watcher -> what it watches (anywhere). */
  private readonly watching = new MultiMap<Address, Address>();
  private readonly dispatchers = new EventHub();
  private readonly subscribed = new Map<number, Subscribed>();
  private readonly subscriptionsOf = new MultiMap<Address, number>();

  constructor(private readonly host: ServiceHost) {}

  private get registryHere(): boolean {
    return this.host.here === REGISTRY_WORKER;
  }

  census() {
    return {
      names: this.names.size,
      subscriptions: this.dispatchers.size,
      watches: this.watchers.size,
    };
  }

  // ---- names -------------------------------------------------------------

  register(holder: Address, name: string): void {
    if (!this.registryHere) {
      this.namedElsewhere.add(holder);
      this.host.call(REGISTRY_WORKER, { op: 'register', name, holder });
      return;
    }
    const taken = this.names.register(name, holder);
    if (taken !== undefined) {
      this.host.postSystem(
        holder,
        NameTaken,
        { name, holder: taken },
        NOBODY,
        0,
      );
    }
  }

  unregister(holder: Address, name: string): void {
    if (this.registryHere) this.names.unregister(name, holder);
    else this.host.call(REGISTRY_WORKER, { op: 'unregister', name, holder });
  }

  lookup(requester: Address, name: string, token: number): void {
    if (!this.registryHere) {
      this.host.call(REGISTRY_WORKER, { op: 'lookup', name, requester, token });
      return;
    }
    const address = this.names.lookup(name) ?? NOBODY;
    this.host.postSystem(
      requester,
      NameFound,
      { name, address },
      NOBODY,
      token,
    );
  }

  /** For the registry worker only: the address bound to `name`. */
  resolve(name: string): Address | undefined {
    return this.names.lookup(name);
  }

  // ---- watches -----------------------------------------------------------

  watch(watcher: Address, target: Address): void {
    this.watching.add(watcher, target);
    const there = this.host.workerOf(target);
    if (there !== this.host.here) {
      this.host.call(there, { op: 'watch', watcher, target });
    } else {
      this.watchHere(watcher, target);
    }
  }

  unwatch(watcher: Address, target: Address): void {
    this.watching.remove(watcher, target);
    const there = this.host.workerOf(target);
    if (there !== this.host.here) {
      this.host.call(there, { op: 'unwatch', watcher, target });
    } else {
      this.watchers.remove(target, watcher);
    }
  }

  private watchHere(watcher: Address, target: Address): void {
    if (this.host.isAlive(target)) this.watchers.add(target, watcher);
    else this.host.postSystem(watcher, Terminated, { who: target }, target, 0);
  }

  // ---- events ------------------------------------------------------------

  subscribe(
    subscriber: Address,
    source: Address,
    type: MessageType,
    topic: string | undefined,
    filter: EventFilter | undefined,
    token: number,
  ): void {
    checkMessageType(type);
    this.subscribed.set(token, { subscriber, source, filter });
    this.subscriptionsOf.add(subscriber, token);
    const there = this.host.workerOf(source);
    if (there !== this.host.here) {
      this.host.call(there, {
        op: 'subscribe',
        token,
        source,
        subscriber,
        type: type.id,
        topic,
      });
    } else {
      this.subscribeHere(token, source, subscriber, type, topic);
    }
  }

  private subscribeHere(
    token: number,
    source: Address,
    subscriber: Address,
    type: MessageType,
    topic: string | undefined,
  ): void {
    // A source that is gone has no dispatcher: the subscription ends.
    if (this.host.isAlive(source)) {
      this.dispatchers.add({ token, source, subscriber, type, topic });
    } else {
      this.ended(subscriber, [token]);
    }
  }

  unsubscribe(subscriber: Address, token: number): void {
    const entry = this.subscribed.get(token);
    if (entry?.subscriber !== subscriber) return;
    this.forgetSubscribed(token);
    const there = this.host.workerOf(entry.source);
    if (there !== this.host.here) {
      this.host.call(there, { op: 'unsubscribe', token });
    } else {
      this.dispatchers.remove(token);
    }
  }

  /** Subscriptions an event of `source` reaches: (subscriber, token). */
  audience(source: Address, type: MessageType, topic: string | undefined) {
    return this.dispatchers.matching(source, type, topic);
  }

  /**
   * Whether an event arriving with subscription `token` is still wanted by
   * `subscriber`: undefined when the subscription is gone, else the filter
   * to run (or null when there is none).
   */
  filterFor(
    token: number,
    subscriber: Address,
  ): EventFilter | null | undefined {
    const entry = this.subscribed.get(token);
    if (entry?.subscriber !== subscriber) return undefined;
    return entry.filter ?? null;
  }

  private forgetSubscribed(token: number): void {
    const entry = this.subscribed.get(token);
    if (entry === undefined) return;
    this.subscribed.delete(token);
    this.subscriptionsOf.remove(entry.subscriber, token);
  }

  /** Tells the subscriber side that these subscriptions ended. */
  private ended(subscriber: Address, tokens: readonly number[]): void {
    const there = this.host.workerOf(subscriber);
    if (there !== this.host.here) {
      this.host.call(there, { op: 'ended', tokens });
    } else {
      for (const token of tokens) this.forgetSubscribed(token);
    }
  }

  /**
   * Whether `address` (a local component) appears in any service record
   * here: a name, a watch either way, a subscription or subscribers. Such
   * a component stays on its worker: the records, and the filters that
   * are functions, do not travel.
   */
  involves(address: Address): boolean {
    return (
      (this.registryHere
        ? this.names.holds(address)
        : this.namedElsewhere.has(address)) ||
      this.watchers.has(address) ||
      this.watching.has(address) ||
      this.dispatchers.hasSource(address) ||
      this.subscriptionsOf.has(address)
    );
  }

  // ---- death -------------------------------------------------------------

  /** Everything that goes away with `address`, a local component. */
  died(address: Address): void {
    if (this.registryHere) this.names.removeHolder(address);
    else if (this.namedElsewhere.delete(address)) {
      this.host.call(REGISTRY_WORKER, { op: 'forget', holder: address });
    }
    for (const s of this.dispatchers.removeSource(address)) {
      this.ended(s.subscriber, [s.token]);
    }
    for (const token of [...this.subscriptionsOf.take(address)]) {
      const entry = this.subscribed.get(token)!;
      this.subscribed.delete(token);
      const there = this.host.workerOf(entry.source);
      if (there !== this.host.here) {
        this.host.call(there, { op: 'unsubscribe', token });
      } else {
        this.dispatchers.remove(token);
      }
    }
    for (const target of this.watching.take(address)) {
      const there = this.host.workerOf(target);
      if (there !== this.host.here) {
        this.host.call(there, { op: 'unwatch', watcher: address, target });
      } else {
        this.watchers.remove(target, address);
      }
    }
    for (const watcher of this.watchers.take(address)) {
      this.host.postSystem(watcher, Terminated, { who: address }, address, 0);
    }
  }

  // ---- operations from other workers -------------------------------------

  /** Runs an Op sent by another worker (spawn is the scheduler's). */
  perform(op: Exclude<Op, { op: 'spawn' }>): void {
    switch (op.op) {
      case 'watch':
        this.watchHere(op.watcher, op.target);
        return;
      case 'unwatch':
        this.watchers.remove(op.target, op.watcher);
        return;
      case 'register': {
        const taken = this.names.register(op.name, op.holder);
        if (taken !== undefined) {
          const body = { name: op.name, holder: taken };
          this.host.postSystem(op.holder, NameTaken, body, NOBODY, 0);
        }
        return;
      }
      case 'unregister':
        this.names.unregister(op.name, op.holder);
        return;
      case 'forget':
        this.names.removeHolder(op.holder);
        return;
      case 'lookup':
        this.lookup(op.requester, op.name, op.token);
        return;
      case 'subscribe': {
        const type = messageTypes.get(op.type)!;
        this.subscribeHere(op.token, op.source, op.subscriber, type, op.topic);
        return;
      }
      case 'unsubscribe':
        this.dispatchers.remove(op.token);
        return;
      case 'ended':
        for (const token of op.tokens) this.forgetSubscribed(token);
        return;
    }
  }
}
