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

/**
 * A component's service records as they travel with it to another worker
 * (see Scheduler.emigrate): plain data. The name registry stays on its
 * worker, where names are bound to addresses, which do not change; only
 * whether the component holds names travels.
 */
export interface ServiceRecords {
  readonly named: boolean;
  /** Who watches it. */
  readonly watchers: readonly Address[];
  /** What it watches. */
  readonly watching: readonly Address[];
  /** The subscriptions made to it as an event source. */
  readonly subscribers: readonly {
    readonly token: number;
    readonly subscriber: Address;
    /** The event type's id. */
    readonly type: number;
    readonly topic: string | undefined;
  }[];
  /** Its own subscriptions (never with a filter: see staysBecause). */
  readonly subscriptions: readonly {
    readonly token: number;
    readonly source: Address;
  }[];
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
      this.host.call(there, { op: 'ended', subscriber, tokens });
    } else {
      for (const token of tokens) this.forgetSubscribed(token);
    }
  }

  // ---- moving ------------------------------------------------------------

  /**
   * Why `address`'s records cannot go with it to another worker, or
   * undefined: a filter is a function, and functions do not travel.
   */
  staysBecause(address: Address): string | undefined {
    for (const token of this.subscriptionsOf.get(address)) {
      if (this.subscribed.get(token)?.filter !== undefined) {
        return (
          'it subscribed with an event filter, a function that cannot ' +
          'travel (filter where it runs instead, or use a topic)'
        );
      }
    }
    return undefined;
  }

  /**
   * Takes the records of `address` (a local component leaving in a
   * migration round) out of this worker, for `immigrate` on its new one.
   * The service operations that name it and were sent before the round
   * have all been read here by now (the round's first step reads every
   * frame in flight), and those sent after it go to its new worker.
   */
  emigrate(address: Address): ServiceRecords {
    const named = this.registryHere
      ? this.names.holds(address)
      : this.namedElsewhere.delete(address);
    const subscriptions = this.subscriptionsOf.take(address).map((token) => {
      const { source } = this.subscribed.get(token)!;
      this.subscribed.delete(token);
      return { token, source };
    });
    const subscribers = this.dispatchers
      .removeSource(address)
      .map(({ token, subscriber, type, topic }) => ({
        token,
        subscriber,
        type: type.id,
        topic,
      }));
    return {
      named,
      watchers: [...this.watchers.take(address)],
      watching: [...this.watching.take(address)],
      subscribers,
      subscriptions,
    };
  }

  /** Installs the records of a component that moved here. */
  immigrate(address: Address, records: ServiceRecords): void {
    if (records.named && !this.registryHere) this.namedElsewhere.add(address);
    for (const watcher of records.watchers) this.watchers.add(address, watcher);
    for (const target of records.watching) this.watching.add(address, target);
    for (const { token, subscriber, type, topic } of records.subscribers) {
      this.dispatchers.add({
        token,
        source: address,
        subscriber,
        type: messageTypes.get(type)!,
        topic,
      });
    }
    for (const { token, source } of records.subscriptions) {
      this.subscribed.set(token, {
        subscriber: address,
        source,
        filter: void 0,
      });
      this.subscriptionsOf.add(address, token);
    }
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
      case 'ended': {
        // Sent when its source was found gone while the frames of a
        // migration round were read, by the directory of before the
        // round: its subscriber may have moved on since. Follow it.
        const there = this.host.isAlive(op.subscriber)
          ? this.host.here
          : this.host.workerOf(op.subscriber);
        if (there !== this.host.here) this.host.call(there, op);
        else for (const token of op.tokens) this.forgetSubscribed(token);
        return;
      }
    }
  }
}
