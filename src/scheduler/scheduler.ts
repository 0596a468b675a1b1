/**
 * The scheduler: one partition's components, its message queue, its timers
 * and the dispatch loop (the Dispatcher), plus the verbs components use
 * through their context and the calls the machine makes from outside.
 */
import { type Address, NOBODY } from '../address.js';
import {
  type Component,
  checkComponent,
  componentName,
  decodeState,
  encodeState,
} from '../component.js';
import { InvalidArgumentError, OutOfTurnError } from '../errors.js';
import {
  checkBody,
  checkMessageType,
  type Message,
  type MessageType,
} from '../message/message.js';
import { Spawned, Timeout } from '../message/system.js';
import { Context } from './context.js';
import { DEFAULT_REQUEST_TIMEOUT, Dispatcher } from './dispatcher.js';
import { Envelope, Kind } from './envelope.js';
import type { Op } from './ops.js';

export {
  DEFAULT_REQUEST_TIMEOUT,
  type SchedulerOptions,
} from './dispatcher.js';

/** Where `spawn` puts a component. */
export interface SpawnOptions {
  /** Start it on this worker. */
  readonly worker?: number;
  /** Let the machine's spread policy choose the worker. */
  readonly spread?: boolean;
}

export class Scheduler extends Dispatcher {
  readonly ctx = new Context(this);

  /** Runs an operation another worker asked for. */
  perform(op: Op): void {
    if (op.op !== 'spawn') {
      this.services.perform(op);
      return;
    }
    const component = decodeState(op.component, op.state);
    this.adopt(op.address, component, op.parent, op.key);
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

  spawn(parent: Address, component: Component, options?: SpawnOptions) {
    checkComponent(component);
    const worker = this.placement(options);
    const address = this.allocator.allocate(worker);
    const key = this.order?.childKey(parent) ?? 0;
    this.figures.spawned++;
    if (worker === this.here) {
      this.adopt(address, component, parent, key);
    } else {
      const name = componentName(component);
      const state = encodeState(component);
      this.partition!.call(worker, {
        op: 'spawn',
        address,
        parent,
        component: name,
        state,
        key,
      });
    }
    return address;
  }

  private placement(options: SpawnOptions | undefined): number {
    if (options === undefined) return this.here;
    const workers = this.partition?.workers ?? 1;
    if (options.worker !== undefined) {
      const w = options.worker;
      if (!Number.isInteger(w) || w < 0 || w >= workers) {
        throw new InvalidArgumentError(
          `spawn option worker must be an integer in [0, ${workers}), ` +
            `got ${w}`,
        );
      }
      return w;
    }
    return options.spread === true && this.partition !== undefined
      ? this.partition.spread()
      : this.here;
  }

  /** Starts `component` here at an address allocated by its spawner. */
  private adopt(
    address: Address,
    component: Component,
    parent: Address,
    key: number,
  ) {
    this.table.set(address, component);
    this.order?.enter(address, key);
    this.post(this.system(address, Spawned, { parent }, parent));
  }

  send<B>(from: Address, to: Address, type: MessageType<B>, body: B): void {
    this.checkSend(to, type, body);
    this.post(this.envelope(to, from, type, body, Kind.Plain, 0, undefined));
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
    const token = this.nextToken();
    this.post(this.envelope(to, from, type, body, Kind.Request, token, void 0));
    const expiry = { requestType: type.name };
    const guard = this.system(from, Timeout, expiry, from, token);
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
    const { sender, token } = request;
    this.post(
      this.envelope(sender, from, type, body, Kind.Reply, token, void 0),
    );
  }

  become(_self: Address, next: Component): void {
    checkComponent(next);
    this.nextBehaviour = next;
  }

  die(_self: Address): void {
    this.dying = true;
  }

  after<B>(self: Address, delay: number, type: MessageType<B>, body: B) {
    checkDelay('delay', delay);
    this.checkSend(self, type, body);
    const envelope = this.system(self, type, body);
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

  fire<B>(source: Address, type: MessageType<B>, body: B, topic?: string) {
    this.checkSend(source, type, body);
    for (const s of this.services.audience(source, type, topic)) {
      const { subscriber, token } = s;
      this.post(
        this.envelope(subscriber, source, type, body, Kind.Event, token, topic),
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
    const from = this.outsideAddress;
    this.post(this.envelope(to, from, type, body, Kind.Plain, 0, void 0));
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

  /** Totals of the things that live in this scheduler right now. */
  census() {
    return {
      components: this.table.size,
      queued: this.queue.length,
      timers: this.timers.size,
      pendingRequests: this.pending.size,
      ...this.services.census(),
    };
  }
}

export function checkDelay(what: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
    throw new InvalidArgumentError(
      `${what} must be a finite number of milliseconds >= 0, got ${value}`,
    );
  }
}
