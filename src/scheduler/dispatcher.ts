/**
 * The scheduler's core (see Scheduler for the whole): one partition's
 * components, its message queue, its timers and the dispatch loop. The
 * embedded machine runs one scheduler; every worker of the threaded engine
 * runs one too, with a Partition that reaches the others.
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
  formatAddress,
  NOBODY,
  outsideAddress,
} from '../address.js';
import {
  type Component,
  type ComponentClass,
  componentName,
} from '../component.js';
import { AsyncHandlerError } from '../errors.js';
import type { Message, MessageType } from '../message/message.js';
import { Became, Died, Terminate, Tick } from '../message/system.js';
import {
  type ResolvedPlacement,
  resolvePlacement,
} from '../placement/options.js';
import { type Allocator, localAllocator } from './allocator.js';
import type { Context } from './context.js';
import { Counters } from './counters.js';
import { Envelope, Kind } from './envelope.js';
import type { Partition } from './partition.js';
import { Fifo } from './queue.js';
import { Services } from './services.js';
import { Space } from './space.js';
import { type Reduction, StrictOrder } from './strict.js';
import { ComponentTable } from './table.js';
import { type Timer, TimerHeap } from './timers.js';

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
  /** Absent on one thread; the way to the other workers otherwise. */
  readonly partition?: Partition;
  /** Hands out addresses; by default a local counter. */
  readonly allocator?: Allocator;
  /** The strict step mode, and its test aid that reverses each inbox. */
  readonly strict?: { readonly reverseInbox: boolean };
  /** Infoton optimization; off unless given (and more than one worker). */
  readonly placement?: ResolvedPlacement;
}

/**
 * The delivery core of a scheduler: its queue, table and steps, and what
 * happens to a message from the moment it is posted to the end of its
 * turn. Scheduler adds the verbs that components and the machine call.
 */
export abstract class Dispatcher {
  /** The context handed to every turn (made by the Scheduler). */
  abstract readonly ctx: Context;
  readonly figures = new Counters();
  readonly outsideAddress: Address;
  readonly services: Services;
  readonly here: number;
  protected readonly table: ComponentTable;
  protected readonly queue = new Fifo<Envelope>();
  protected readonly timers: TimerHeap;
  /** Request token -> the timer that will time the request out. */
  protected readonly pending = new Map<number, Timer>();
  protected readonly allocator: Allocator;
  protected readonly partition: Partition | undefined;
  protected readonly checkBodies: boolean;
  protected readonly toOutside: (envelope: Envelope) => boolean;
  protected readonly tokenStride: number;
  protected tokens = 0;
  /** Present in the strict mode only. */
  readonly order: StrictOrder | undefined;
  /** Positions, and the pulls of messages when placement is on. */
  readonly space: Space;
  /** Components spawned with `pinned`: never moved by placement. */
  protected readonly pinned = new Set<Address>();

  now = 0;
  step = 0;
  protected stepLeft = 0;

  // The turn in progress: whose it is, and what it asked for at its end.
  protected current: Address = NOBODY;
  protected nextBehaviour: Component | undefined = undefined;
  protected dying = false;

  constructor(options: SchedulerOptions) {
    this.table = new ComponentTable(options.host);
    this.outsideAddress = outsideAddress(options.host);
    this.checkBodies = options.checkBodies;
    this.toOutside = options.outside;
    this.partition = options.partition;
    this.here = options.partition?.index ?? 0;
    this.tokenStride = options.partition?.workers ?? 1;
    this.timers = new TimerHeap(this.tokenStride, this.here);
    const workers = options.partition?.workers ?? 1;
    this.space = new Space(
      this.table,
      options.placement ?? resolvePlacement({ enabled: false }, workers),
      this.here,
      workers,
    );
    this.allocator = options.allocator ?? localAllocator(options.host);
    this.order =
      options.strict === undefined
        ? undefined
        : new StrictOrder(options.strict.reverseInbox);
    this.services = new Services({
      here: this.here,
      workerOf: (address) => this.workerOf(address),
      isAlive: (address) => this.table.get(address) !== undefined,
      call: (worker, op) => this.partition!.call(worker, op),
      postSystem: (target, type, body, sender, token) =>
        this.post(this.system(target, type, body, sender, token)),
    });
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

  /**
   * Starts the next step at `now`: fires due timers, takes the queue. In
   * the strict mode it also closes the previous step's reduction (with the
   * machine-wide `reduction` when other workers took part), wakes the
   * components that asked, and puts the step's messages in order.
   */
  beginStep(now: number, reduction?: Reduction): void {
    this.now = now;
    this.step++;
    for (let t = this.timers.popDue(now); t; t = this.timers.popDue(now)) {
      if (t.token !== 0) {
        this.pending.delete(t.token);
        this.figures.timeouts++;
      }
      this.post(t.envelope);
    }
    const order = this.order;
    if (order !== undefined) {
      order.close(reduction);
      const step = this.step;
      for (const waker of order.wakersInOrder()) {
        this.post(this.system(waker, Tick, { step }));
      }
      const messages = this.queue.takeAll();
      order.order(messages);
      for (const message of messages) this.queue.push(message);
    }
    this.stepLeft = this.queue.length;
  }

  /** Whether a step would have work: messages, or components to wake. */
  get hasWork(): boolean {
    return this.queue.length > 0 || (this.order?.wakerCount ?? 0) > 0;
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

  /** Queues a message that arrived from another worker or the outside. */
  accept(envelope: Envelope): void {
    this.queue.push(envelope);
  }

  // ---- delivery ----------------------------------------------------------

  /** The worker a message to `address` goes to. */
  workerOf(address: Address): number {
    return this.partition === undefined ? 0 : this.partition.locate(address);
  }

  /**
   * Queues or forwards a message. A nonzero `energy` (a component's send
   * with placement on) pulls the target toward the sender, if the space
   * samples this message (see Space.sample): here at once, elsewhere
   * through the infoton on the wire.
   */
  protected post(envelope: Envelope, energy = 0): void {
    this.figures.sent++;
    // Space.sample, inlined by hand: most messages only count down.
    const space = this.space;
    const pull = energy === 0 || --space.gap > 0 ? 0 : space.draw(energy);
    const partition = this.partition;
    if (partition !== undefined) {
      const worker = partition.locate(envelope.target);
      if (worker !== this.here) {
        const infoton =
          pull === 0 ? undefined : space.infoton(envelope.sender, pull);
        partition.forward(worker, envelope, infoton);
        return;
      }
    }
    if (pull !== 0) space.pull(envelope.target, envelope.sender, pull);
    this.queue.push(envelope);
  }

  protected deliver(envelope: Envelope): void {
    const target = envelope.target;
    const component = this.table.get(target);
    if (component === undefined) {
      this.undeliverable(envelope);
      return;
    }
    if (envelope.kind !== Kind.Plain && !this.admit(envelope, component)) {
      if (this.dying) this.settle(target); // its filter failed under 'die'
      return;
    }
    this.turn(target, component, envelope);
    if (this.nextBehaviour !== undefined || this.dying) this.settle(target);
  }

  protected turn(address: Address, component: Component, message: Message) {
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

  protected returnedValue(component: Component, message: Message, v: unknown) {
    if (typeof (v as PromiseLike<unknown>)?.then !== 'function') return;
    // The handler's own rejection, if any, is superseded by this error.
    (v as Promise<unknown>).then(undefined, () => undefined);
    throw new AsyncHandlerError(
      `handler of ${componentName(component)} at ` +
        `${formatAddress(this.current)} returned a Promise for ` +
        `${message.type.name}: handlers must be synchronous`,
    );
  }

  protected failed(
    address: Address,
    component: Component,
    message: Message,
    error: unknown,
  ): void {
    // A Promise from a handler is a programming error: it stops the run
    // whatever the policy says.
    const policy =
      error instanceof AsyncHandlerError
        ? 'stop'
        : ((component.constructor as ComponentClass).errorPolicy ?? 'stop');
    this.figures.recordFailure({
      address,
      component: componentName(component),
      messageType: message.type.name,
      error,
      policy,
    }); // throws for the 'stop' policy
    if (policy === 'die') this.dying = true;
  }

  /** Applies the `become` and `die` of the turn that just ended. */
  protected settle(address: Address): void {
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

  protected admit(envelope: Envelope, component: Component): boolean {
    if (envelope.kind === Kind.Reply) return this.admitReply(envelope);
    if (envelope.kind !== Kind.Event) return true;
    const filter = this.services.filterFor(envelope.token, envelope.target);
    if (filter === undefined) {
      this.figures.eventsDropped++; // unsubscribed while it was on its way
      return false;
    }
    if (filter === null) return true;
    let accepted = false;
    this.current = envelope.target;
    try {
      accepted = filter(envelope.body, envelope.topic);
    } catch (error) {
      this.failed(envelope.target, component, envelope, error);
    } finally {
      this.current = NOBODY;
    }
    if (!accepted) this.figures.eventsFiltered++;
    return accepted;
  }

  protected admitReply(envelope: Envelope): boolean {
    const timer = this.pending.get(envelope.token);
    if (timer === undefined || timer.owner !== envelope.target) {
      this.figures.lateReplies++; // its request already timed out
      return false;
    }
    this.pending.delete(envelope.token);
    this.timers.remove(timer);
    return true;
  }

  protected undeliverable(envelope: Envelope): void {
    if (envelope.target !== this.outsideAddress) {
      if (this.partition?.hold(envelope) === true) return;
      this.figures.recordDeadLetter(envelope);
    } else if (envelope.kind !== Kind.Reply || this.admitReply(envelope)) {
      if (this.toOutside(envelope)) this.figures.delivered++;
      else this.figures.recordDeadLetter(envelope);
    }
  }

  protected remove(address: Address): void {
    this.table.delete(address);
    this.pinned.delete(address);
    this.order?.leave(address);
    for (const timer of this.timers.removeOwner(address)) {
      if (timer.token !== 0) this.pending.delete(timer.token);
    }
    this.services.died(address);
    this.figures.died++;
  }

  protected system<B>(
    target: Address,
    type: MessageType<B>,
    body: B,
    sender: Address = target,
    token = 0,
  ): Envelope<B> {
    return this.envelope(
      target,
      sender,
      type,
      body,
      Kind.System,
      token,
      void 0,
    );
  }

  /** A new envelope; in the strict mode stamped with its sender's order. */
  protected envelope<B>(
    target: Address,
    sender: Address,
    type: MessageType<B>,
    body: B,
    kind: Kind,
    token: number,
    topic: string | undefined,
  ): Envelope<B> {
    const order = this.order;
    if (order === undefined) {
      return new Envelope(target, sender, type, body, kind, token, topic);
    }
    const key = order.stamp(sender);
    return new Envelope(
      target,
      sender,
      type,
      body,
      kind,
      token,
      topic,
      key,
      order.lastSeq,
    );
  }

  /** A token unique in the machine: workers interleave their counters. */
  nextToken(): number {
    return ++this.tokens * this.tokenStride + this.here;
  }
}
