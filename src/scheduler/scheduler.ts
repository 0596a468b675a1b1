/**
 * The scheduler: one partition's components, its message queue, its timers
 * and the dispatch loop. The embedded machine runs one; every worker of the
 * threaded engine runs one too.
 *
 * Work is cut into steps. A step handles the messages that were queued when
 * it began; what they send is handled in the next step. Timers fire and the
 * clock moves only between steps.
 *
 * A turn is one handler call. Its `become` and `die` take effect when the
 * turn ends, followed at once by the Became or Died lifecycle message.
 */
import {
  type Address,
  FIRST_COMPONENT_SERIAL,
  formatAddress,
  NOBODY,
  outsideAddress,
  SERIAL_LIMIT,
} from '../address.js';
import {
  type Component,
  type ComponentClass,
  checkComponent,
  componentName,
} from '../component.js';
import {
  AsyncHandlerError,
  InvalidArgumentError,
  OutOfTurnError,
} from '../errors.js';
import {
  checkBody,
  checkMessageType,
  type Message,
  type MessageType,
} from '../message/message.js';
import {
  Became,
  Died,
  NameFound,
  NameTaken,
  Spawned,
  Terminate,
  Terminated,
  Timeout,
} from '../message/system.js';
import { Context, type SubscribeOptions } from './context.js';
import { Counters, type Failure } from './counters.js';
import { Envelope, Kind } from './envelope.js';
import { EventHub } from './events.js';
import { NameRegistry } from './names.js';
import { Fifo } from './queue.js';
import { ComponentTable } from './table.js';
import { type Timer, TimerHeap } from './timers.js';
import { WatchList } from './watches.js';

export const DEFAULT_REQUEST_TIMEOUT = 5_000;

export interface SchedulerOptions {
  readonly host: number;
  /** Check every body against its schema at send, not only at the edge. */
  readonly checkBodies: boolean;
  /**
   * Receives what components send to the outside address; returns false
   * for what nobody outside waits for (it is then a dead letter).
   */
  readonly outside: (envelope: Envelope) => boolean;
}

export class Scheduler {
  readonly ctx = new Context(this);
  readonly figures = new Counters();
  readonly outsideAddress: Address;
  private readonly table: ComponentTable;
  private readonly queue = new Fifo<Envelope>();
  private readonly timers = new TimerHeap();
  /** Request token -> the timer that will time the request out. */
  private readonly pending = new Map<number, Timer>();
  private readonly names = new NameRegistry();
  private readonly events = new EventHub();
  private readonly watches = new WatchList();
  private readonly base: number;
  private readonly checkBodies: boolean;
  private readonly toOutside: (envelope: Envelope) => boolean;
  private nextSerial = FIRST_COMPONENT_SERIAL;
  private nextToken = 1;

  now = 0;
  step = 0;
  private stepLeft = 0;

  // The turn in progress: whose it is, and what it asked for at its end.
  private current: Address = NOBODY;
  private nextBehaviour: Component | undefined = undefined;
  private dying = false;

  constructor(options: SchedulerOptions) {
    this.base = options.host * SERIAL_LIMIT;
    this.table = new ComponentTable(options.host);
    this.outsideAddress = outsideAddress(options.host);
    this.checkBodies = options.checkBodies;
    this.toOutside = options.outside;
  }

  // ---- driving -----------------------------------------------------------

  get queued(): number {
    return this.queue.length;
  }

  /** Whether the step in progress has handled everything it took. */
  get stepDone(): boolean {
    return this.stepLeft === 0;
  }

  /** Due time of the earliest timer, or Infinity. */
  get earliestTimer(): number {
    return this.timers.earliest;
  }

  /** Starts the next step at `now`: fires due timers, takes the queue. */
  beginStep(now: number): void {
    this.now = now;
    this.step++;
    for (let t = this.timers.popDue(now); t; t = this.timers.popDue(now)) {
      if (t.token !== 0) {
        this.pending.delete(t.token);
        this.figures.timeouts++;
      }
      this.post(t.envelope);
    }
    this.stepLeft = this.queue.length;
  }

  /** Handles up to `budget` messages of the current step; returns how many. */
  work(budget: number): number {
    let done = 0;
    // Hot loop: allocation-free apart from what handlers allocate.
    while (done < budget && this.stepLeft > 0) {
      const envelope = this.queue.shift()!;
      this.stepLeft--;
      done++;
      this.deliver(envelope);
    }
    return done;
  }

  // ---- delivery ----------------------------------------------------------

  private post(envelope: Envelope): void {
    this.figures.sent++;
    this.queue.push(envelope);
  }

  private deliver(envelope: Envelope): void {
    const target = envelope.target;
    const component = this.table.get(target);
    if (component === undefined) {
      this.undeliverable(envelope);
      return;
    }
    if (envelope.kind !== Kind.Plain && !this.admit(envelope, component)) {
      return;
    }
    this.turn(target, component, envelope);
    if (this.nextBehaviour !== undefined || this.dying) this.settle(target);
  }

  private turn(address: Address, component: Component, message: Message) {
    this.current = address;
    this.figures.delivered++;
    try {
      const result: unknown =
        message.type === Terminate
          ? component.onterminate(message, this.ctx)
          : component.onmessage(message, this.ctx);
      if (result !== undefined) this.returnedValue(component, message, result);
    } catch (error) {
      this.failed(address, component, message, error);
    } finally {
      this.current = NOBODY;
    }
  }

  private returnedValue(component: Component, message: Message, v: unknown) {
    if (typeof (v as PromiseLike<unknown>)?.then !== 'function') return;
    // The handler's own rejection, if any, is superseded by this error.
    (v as Promise<unknown>).then(undefined, () => undefined);
    throw new AsyncHandlerError(
      `handler of ${componentName(component)} at ` +
        `${formatAddress(this.current)} returned a Promise ` +
        `for ${message.type.name}: handlers must be synchronous`,
    );
  }

  private failed(
    address: Address,
    component: Component,
    message: Message,
    error: unknown,
  ): void {
    if (error instanceof AsyncHandlerError) throw error;
    const cls = component.constructor as ComponentClass;
    const failure: Failure = {
      address,
      component: componentName(component),
      messageType: message.type.name,
      error,
      policy: cls.errorPolicy ?? 'stop',
    };
    this.figures.recordFailure(failure); // throws for the 'stop' policy
    if (failure.policy === 'die') this.dying = true;
  }

  /** Applies the `become` and `die` of the turn that just ended. */
  private settle(address: Address): void {
    for (;;) {
      if (this.dying) {
        const component = this.table.get(address)!;
        this.figures.sent++;
        this.turn(address, component, this.system(address, Died, {}));
        this.dying = false;
        this.nextBehaviour = undefined;
        this.remove(address);
        return;
      }
      const next = this.nextBehaviour;
      if (next === undefined) return;
      this.nextBehaviour = undefined;
      const previous = componentName(this.table.get(address)!);
      this.table.set(address, next);
      this.figures.sent++;
      this.turn(address, next, this.system(address, Became, { previous }));
    }
  }

  private admit(envelope: Envelope, component: Component): boolean {
    if (envelope.kind === Kind.Reply) return this.admitReply(envelope);
    if (envelope.kind !== Kind.Event) return true;
    const subscription = this.events.get(envelope.token);
    if (subscription?.subscriber !== envelope.target) {
      this.figures.eventsDropped++; // unsubscribed while it was on its way
      return false;
    }
    if (subscription.filter === undefined) return true;
    let accepted = false;
    this.current = envelope.target;
    try {
      accepted = subscription.filter(envelope.body, envelope.topic);
    } catch (error) {
      this.failed(envelope.target, component, envelope, error);
    } finally {
      this.current = NOBODY;
    }
    if (!accepted) this.figures.eventsFiltered++;
    return accepted;
  }

  private admitReply(envelope: Envelope): boolean {
    const timer = this.pending.get(envelope.token);
    if (timer === undefined || timer.owner !== envelope.target) {
      this.figures.lateReplies++; // its request already timed out
      return false;
    }
    this.pending.delete(envelope.token);
    this.timers.remove(timer);
    return true;
  }

  private undeliverable(envelope: Envelope): void {
    if (envelope.target !== this.outsideAddress) {
      this.figures.recordDeadLetter(envelope);
    } else if (envelope.kind !== Kind.Reply || this.admitReply(envelope)) {
      if (this.toOutside(envelope)) this.figures.delivered++;
      else this.figures.recordDeadLetter(envelope);
    }
  }

  private remove(address: Address): void {
    this.table.delete(address);
    for (const timer of this.timers.removeOwner(address)) {
      if (timer.token !== 0) this.pending.delete(timer.token);
    }
    this.names.removeHolder(address);
    this.events.removeComponent(address);
    for (const watcher of this.watches.remove(address)) {
      this.post(this.system(watcher, Terminated, { who: address }, address));
    }
    this.figures.died++;
  }

  private system<B>(
    target: Address,
    type: MessageType<B>,
    body: B,
    sender: Address = target,
    token = 0,
  ): Envelope<B> {
    return new Envelope(target, sender, type, body, Kind.System, token, void 0);
  }

  // ---- verbs (the context calls these with the turn's owner) -------------

  /** The component whose turn is in progress; throws outside a turn. */
  turnOwner(): Address {
    if (this.current === NOBODY) {
      throw new OutOfTurnError(
        'a context verb was called outside a handler turn; handlers must ' +
          'not keep the context for later',
      );
    }
    return this.current;
  }

  spawn(parent: Address, component: Component): Address {
    checkComponent(component);
    if (this.nextSerial >= SERIAL_LIMIT) {
      throw new InvalidArgumentError('this host has used up its addresses');
    }
    const address = (this.base + this.nextSerial++) as Address;
    this.table.set(address, component);
    this.figures.spawned++;
    this.post(this.system(address, Spawned, { parent }, parent));
    return address;
  }

  send<B>(from: Address, to: Address, type: MessageType<B>, body: B): void {
    this.checkSend(to, type, body);
    this.post(new Envelope(to, from, type, body, Kind.Plain, 0, undefined));
  }

  request<B>(
    from: Address,
    to: Address,
    type: MessageType<B>,
    body: B,
    timeout = DEFAULT_REQUEST_TIMEOUT,
  ): number {
    this.checkSend(to, type, body);
    checkDelay('timeout', timeout);
    const token = this.nextToken++;
    this.post(new Envelope(to, from, type, body, Kind.Request, token, void 0));
    const guard = this.system(
      from,
      Timeout,
      { requestType: type.name },
      from,
      token,
    );
    this.pending.set(token, this.timers.add(this.now + timeout, guard, token));
    return token;
  }

  reply<B>(from: Address, request: Message, type: MessageType<B>, body: B) {
    if (!(request instanceof Envelope) || request.kind !== Kind.Request) {
      throw new InvalidArgumentError(
        `reply needs the request message being answered, got ` +
          `${String((request as Message | undefined)?.type ?? request)}`,
      );
    }
    this.checkSend(request.sender, type, body);
    this.post(
      new Envelope(
        request.sender,
        from,
        type,
        body,
        Kind.Reply,
        request.token,
        undefined,
      ),
    );
  }

  become(_self: Address, next: Component): void {
    checkComponent(next);
    this.nextBehaviour = next;
  }

  die(_self: Address): void {
    this.dying = true;
  }

  watch(watcher: Address, target: Address): void {
    if (this.table.get(target) === undefined) {
      this.post(this.system(watcher, Terminated, { who: target }, target));
    } else {
      this.watches.watch(watcher, target);
    }
  }

  unwatch(watcher: Address, target: Address): void {
    this.watches.unwatch(watcher, target);
  }

  after<B>(self: Address, delay: number, type: MessageType<B>, body: B) {
    checkDelay('delay', delay);
    this.checkSend(self, type, body);
    const envelope = new Envelope(
      self,
      self,
      type,
      body,
      Kind.System,
      0,
      undefined,
    );
    return this.timers.add(this.now + delay, envelope, 0).id;
  }

  cancelTimer(self: Address, id: number): boolean {
    const timer = this.timers.get(id);
    if (timer === undefined || timer.owner !== self || timer.token !== 0) {
      return false;
    }
    this.timers.remove(timer);
    return true;
  }

  register(self: Address, name: string): void {
    checkName(name);
    const holder = this.names.register(name, self);
    if (holder !== undefined) {
      this.post(this.system(self, NameTaken, { name, holder }, NOBODY));
    }
  }

  unregister(self: Address, name: string): void {
    this.names.unregister(name, self);
  }

  lookup(self: Address, name: string): number {
    checkName(name);
    const token = this.nextToken++;
    const address = this.names.lookup(name) ?? NOBODY;
    this.post(this.system(self, NameFound, { name, address }, NOBODY, token));
    return token;
  }

  subscribe<B>(
    subscriber: Address,
    source: Address,
    type: MessageType<B>,
    options: SubscribeOptions<B> | undefined,
  ): number {
    checkMessageType(type);
    const token = this.nextToken++;
    // A source that is gone has no dispatcher: the subscription is inert.
    if (this.table.get(source) !== undefined) {
      this.events.add({
        token,
        source,
        subscriber,
        type,
        topic: options?.topic,
        filter: options?.filter as ((b: unknown) => boolean) | undefined,
      });
    }
    return token;
  }

  unsubscribe(subscriber: Address, token: number): void {
    if (this.events.get(token)?.subscriber === subscriber) {
      this.events.remove(token);
    }
  }

  fire<B>(source: Address, type: MessageType<B>, body: B, topic?: string) {
    this.checkSend(source, type, body);
    for (const s of this.events.matching(source, type, topic)) {
      this.post(
        new Envelope(
          s.subscriber,
          source,
          type,
          body,
          Kind.Event,
          s.token,
          topic,
        ),
      );
    }
  }

  private checkSend(to: Address, type: MessageType, body: unknown): void {
    if (typeof to !== 'number') {
      throw new InvalidArgumentError(
        `a message target must be an address, got ${String(to)}`,
      );
    }
    checkMessageType(type);
    if (this.checkBodies) checkBody(type, body);
  }

  // ---- what the machine asks from outside --------------------------------

  /** The live component at `address`, or undefined. */
  component(address: Address): Component | undefined {
    return this.table.get(address);
  }

  /** Spawns a root component for the machine (its parent is NOBODY). */
  spawnRoot(component: Component): Address {
    return this.spawn(NOBODY, component);
  }

  sendFromOutside<B>(to: Address, type: MessageType<B>, body: B): void {
    checkMessageType(type);
    checkBody(type, body);
    this.post(
      new Envelope(to, this.outsideAddress, type, body, Kind.Plain, 0, void 0),
    );
  }

  requestFromOutside<B>(
    to: Address,
    type: MessageType<B>,
    body: B,
    timeout: number,
  ): number {
    checkBody(type, body);
    return this.request(this.outsideAddress, to, type, body, timeout);
  }

  /** Forgets an outside request: its reply or timeout will be dropped. */
  forgetRequest(token: number): void {
    const timer = this.pending.get(token);
    if (timer === undefined) return;
    this.pending.delete(token);
    this.timers.remove(timer);
  }

  lookupName(name: string): Address | undefined {
    return this.names.lookup(name);
  }

  /** Totals of the things that live in this scheduler right now. */
  census() {
    return {
      components: this.table.size,
      queued: this.queue.length,
      timers: this.timers.size,
      pendingRequests: this.pending.size,
      names: this.names.size,
      subscriptions: this.events.size,
      dispatchers: this.events.dispatchers,
      watches: this.watches.size,
    };
  }
}

function checkDelay(what: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
    throw new InvalidArgumentError(
      `${what} must be a finite number of milliseconds >= 0, got ${value}`,
    );
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(
      `a name must be a non-empty string, got ${String(name)}`,
    );
  }
}
