/**
 * The scheduler: one partition's components, its message queue, its timers
 * and the dispatch loop (the Dispatcher), plus the verbs components use
 * through their context and the calls the machine makes from outside.
 */
import { type Address, formatAddress, NOBODY } from '../address.js';
import {
  type Component,
  checkComponent,
  componentName,
  copyState,
  decodeState,
  encodeState,
} from '../component.js';
import { InvalidArgumentError, OutOfTurnError } from '../errors.js';
import {
  checkBody,
  checkMessageType,
  type Message,
  type MessageType,
  messageTypes,
} from '../message/message.js';
import { Migrated, Spawned, Timeout } from '../message/system.js';
import { Context } from './context.js';
import { DEFAULT_REQUEST_TIMEOUT, Dispatcher } from './dispatcher.js';
import { type Emigrant, type TimerRecord, travelsWell } from './emigrant.js';
import { Envelope, Kind } from './envelope.js';
import type { Op } from './ops.js';
import type { Position } from './space.js';

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
  /** Its position in space; by default near its parent or its worker. */
  readonly position?: Position;
  /** Never moved by infoton optimization (nor by `migrate`). */
  readonly pinned?: boolean;
}

export class Scheduler extends Dispatcher {
  readonly ctx = new Context(this);
  /** Components that asked to move, and where to (see `migrate`). */
  readonly moveAsked = new Map<Address, number>();

  /** Runs an operation another worker asked for. */
  perform(op: Op): void {
    if (op.op !== 'spawn') {
      this.services.perform(op);
      return;
    }
    const component = decodeState(op.component, op.state);
    if (op.pinned) this.pinned.add(op.address);
    this.adopt(op.address, component, op.parent, op.key, op.position);
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
    const position = options?.position;
    if (position !== undefined) checkPosition(position);
    const pinned = options?.pinned === true;
    const address = this.allocator.allocate(worker);
    const key = this.order?.childKey(parent) ?? 0;
    this.figures.spawned++;
    if (worker === this.here) {
      if (pinned) this.pinned.add(address);
      // A worker chosen for the spawn (given or spread) is where it should
      // start, as a spawn elsewhere does: its parent may be on its way
      // out, between two workers.
      const chosen = options?.worker !== undefined || options?.spread === true;
      this.adopt(address, component, parent, key, position, chosen);
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
        ...(position === undefined ? {} : { position }),
        ...(pinned ? { pinned } : {}),
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
    position: Position | undefined,
    nearWorker = false,
  ) {
    this.table.set(address, component);
    this.space.place(address, nearWorker ? NOBODY : parent, position);
    this.order?.enter(address, key);
    this.post(this.system(address, Spawned, { parent }, parent));
  }

  send<B>(
    from: Address,
    to: Address,
    type: MessageType<B>,
    body: B,
    energy = 1,
  ): void {
    this.checkSend(to, type, body);
    this.post(
      this.envelope(to, from, type, body, Kind.Plain, 0, undefined),
      this.space.enabled ? energy : 0,
    );
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
    this.post(
      this.envelope(to, from, type, body, Kind.Request, token, void 0),
      this.space.enabled && from !== this.outsideAddress ? 1 : 0,
    );
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
      this.space.enabled ? 1 : 0,
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

  // ---- moving between workers ---------------------------------------------

  /** `ctx.migrate`: move `self` to `worker` at the next migration check. */
  migrate(self: Address, worker: number): void {
    const workers = this.partition?.workers ?? 1;
    if (!Number.isInteger(worker) || worker < 0 || worker >= workers) {
      throw new InvalidArgumentError(
        `migrate needs a worker index in [0, ${workers}), got ${worker}`,
      );
    }
    const why = this.staysBecause(self);
    if (why !== undefined) {
      throw new InvalidArgumentError(
        `component ${componentName(this.table.get(self)!)} cannot ` +
          `migrate: ${why}`,
      );
    }
    if (worker === this.here) this.moveAsked.delete(self);
    else this.moveAsked.set(self, worker);
  }

  /** A component that dies with a move asked is not moved. */
  protected override remove(address: Address): void {
    this.moveAsked.delete(address);
    super.remove(address);
  }

  /** Why `address` must stay where it is, or undefined if it may move. */
  staysBecause(address: Address): string | undefined {
    const component = this.table.get(address);
    if (component === undefined) return 'it is not here';
    if (this.pinned.has(address)) return 'it is pinned';
    const why = this.services.staysBecause(address);
    if (why !== undefined) return why;
    if (!travelsWell(component)) {
      return (
        'its fields hold objects that a structured clone would not copy ' +
        'faithfully; give the class encode() and static decode()'
      );
    }
    return undefined;
  }

  /** Visits up to `max` local components from `cursor`; see the table. */
  scan(cursor: number, max: number, visit: (a: Address) => void): number {
    return this.table.scan(cursor, max, visit);
  }

  /** Whether automatic placement may consider `address` this round. */
  movable(address: Address): boolean {
    return (
      address !== this.current &&
      !this.pinned.has(address) &&
      this.services.staysBecause(address) === undefined
    );
  }

  /**
   * Takes `address` out of this scheduler with its state, position,
   * lineage and timers (request timeouts included), for `immigrate` on
   * another worker. Its queued messages stay queued: see `takeQueued`.
   */
  emigrate(address: Address): Emigrant {
    const component = this.table.get(address)!;
    // An encode() that throws fails the run with a coded error naming it.
    const state = copyState(component, formatAddress(address));
    const position = this.space.position(address)!;
    const lineage = this.order?.lineageOf(address);
    const timers: TimerRecord[] = [];
    for (const t of this.timers.removeOwner(address)) {
      if (t.token !== 0) this.pending.delete(t.token);
      const e = t.envelope;
      timers.push({
        id: t.id,
        due: t.due,
        token: t.token,
        type: e.type.id,
        body: e.body,
        kind: e.kind,
        sender: e.sender,
        topic: e.topic,
        senderKey: e.senderKey,
        senderSeq: e.senderSeq,
      });
    }
    const asked = this.moveAsked.delete(address);
    const services = this.services.emigrate(address);
    this.table.delete(address);
    this.order?.leave(address);
    return {
      address,
      from: this.here,
      component: componentName(component),
      state,
      position,
      lineage,
      timers,
      services,
      asked,
    };
  }

  /** Takes in a component that moved here (see `emigrate`). */
  immigrate(e: Emigrant): void {
    const { address } = e;
    this.table.set(address, decodeState(e.component, e.state));
    this.space.setPosition(address, e.position);
    if (e.lineage !== undefined) this.order?.arrive(address, e.lineage);
    this.services.immigrate(address, e.services);
    for (const t of e.timers) {
      const type = messageTypes.get(t.type)!;
      const envelope = new Envelope(
        address,
        t.sender,
        type,
        t.body,
        t.kind as Kind,
        t.token,
        t.topic,
        t.senderKey,
        t.senderSeq,
      );
      const timer = this.timers.adopt(t.id, t.due, envelope, t.token);
      if (t.token !== 0) this.pending.set(t.token, timer);
    }
    if (e.asked) {
      // It chose this worker: it starts near it, as if spawned here, or
      // placement would take it back to where its position still is.
      this.space.place(address, NOBODY);
      const body = { from: e.from, to: this.here };
      this.post(this.system(address, Migrated, body));
    }
  }

  /** The messages queued for each of `targets`, in queue order. */
  queuedFor(targets: ReadonlyMap<Address, unknown>): Map<Address, Envelope[]> {
    const found = new Map<Address, Envelope[]>();
    this.queue.forEach((envelope) => {
      if (!targets.has(envelope.target)) return;
      const list = found.get(envelope.target);
      if (list === undefined) found.set(envelope.target, [envelope]);
      else list.push(envelope);
    });
    return found;
  }

  /**
   * Removes from the queue every message for a component in `leaving`
   * (see `queuedFor`), keeping the count of the step in progress right.
   */
  takeQueued(leaving: ReadonlyMap<Address, unknown>): void {
    const all = this.queue.takeAll();
    let takenOfStep = 0;
    for (let i = 0; i < all.length; i++) {
      const envelope = all[i]!;
      if (!leaving.has(envelope.target)) this.queue.push(envelope);
      else if (i < this.stepLeft) takenOfStep++;
    }
    this.stepLeft -= takenOfStep;
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

function checkPosition(position: Position): void {
  if (
    !Array.isArray(position) ||
    position.length !== 3 ||
    !position.every((c) => typeof c === 'number' && Number.isFinite(c))
  ) {
    throw new InvalidArgumentError(
      `spawn option position must be [x, y, z] of finite numbers, got ` +
        JSON.stringify(position),
    );
  }
}

export function checkDelay(what: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
    throw new InvalidArgumentError(
      `${what} must be a finite number of milliseconds >= 0, got ${value}`,
    );
  }
}
