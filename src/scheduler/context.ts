/**
 * The context a handler gets: who it is, what time it is, and the verbs it
 * may use. One context serves every turn of a scheduler, so handlers must
 * not keep it for later: a verb called outside a turn throws OutOfTurnError.
 */
import type { Address } from '../address.js';
import type { Component } from '../component.js';
import { InvalidArgumentError, StrictModeOnlyError } from '../errors.js';
import type { Message, MessageType } from '../message/message.js';
import type { EventFilter } from './events.js';
import type { Scheduler, SpawnOptions } from './scheduler.js';
import type { Position } from './space.js';
import type { Reduction, StrictOrder } from './strict.js';

export interface RequestOptions {
  /** Machine-time milliseconds before a Timeout message; default 5000. */
  readonly timeout?: number;
}

export interface SendOptions {
  /**
   * How hard the message pulls its target toward this component in space
   * (infoton optimization): default 1; negative pushes it away, 0 leaves
   * it alone.
   */
  readonly energy?: number;
}

export interface SubscribeOptions<B> {
  /** Only events fired under this topic (checked at the source). */
  readonly topic?: string;
  /** Only events this accepts (checked where the subscriber runs). */
  readonly filter?: EventFilter<B>;
}

export class Context {
  /** @internal */
  constructor(private readonly scheduler: Scheduler) {}

  /** The address of the component whose turn this is. */
  get self(): Address {
    return this.scheduler.turnOwner();
  }

  /** Machine time in milliseconds. */
  get now(): number {
    return this.scheduler.now;
  }

  /** The worker this component runs on now (0 on one thread). */
  get worker(): number {
    this.scheduler.turnOwner();
    return this.scheduler.here;
  }

  /** The number of the step in progress. */
  get step(): number {
    return this.scheduler.step;
  }

  /**
   * Starts `component` and returns its address. By default it starts on
   * this component's worker; `options` can place it elsewhere.
   */
  spawn(component: Component, options?: SpawnOptions): Address {
    const s = this.scheduler;
    return s.spawn(s.turnOwner(), component, options);
  }

  send<B>(
    target: Address,
    type: MessageType<B>,
    body: B,
    options?: SendOptions,
  ): void {
    const s = this.scheduler;
    const energy = options?.energy;
    if (energy === undefined) {
      s.send(s.turnOwner(), target, type, body);
      return;
    }
    if (typeof energy !== 'number' || !Number.isFinite(energy)) {
      throw new InvalidArgumentError(
        `send option energy must be a finite number, got ${String(energy)}`,
      );
    }
    s.send(s.turnOwner(), target, type, body, energy);
  }

  /** This component's position in Circo's 3D space, as [x, y, z]. */
  get position(): Position {
    const s = this.scheduler;
    return s.space.position(s.turnOwner())!;
  }

  /**
   * Moves this component to `worker` at the next migration check, with
   * its state and timers; it gets `Migrated { from, to }` when it is
   * there, and starts near it in space. Its address stays valid
   * throughout, and its names, watches and subscriptions go with it.
   * Throws when it cannot move: pinned, subscribed with an event filter
   * (a function), or with fields a structured clone would not copy
   * faithfully.
   */
  migrate(worker: number): void {
    const s = this.scheduler;
    s.migrate(s.turnOwner(), worker);
  }

  /**
   * Sends a request and returns its token. Exactly one of these follows:
   * a reply carrying the token, or a Timeout message with the token.
   */
  request<B>(
    target: Address,
    type: MessageType<B>,
    body: B,
    options?: RequestOptions,
  ): number {
    const s = this.scheduler;
    return s.request(s.turnOwner(), target, type, body, options?.timeout);
  }

  /** Answers `request` (a message sent with `request`). */
  reply<B>(request: Message, type: MessageType<B>, body: B): void {
    this.scheduler.reply(this.scheduler.turnOwner(), request, type, body);
  }

  /** Replaces this component's behaviour after the turn; the address stays. */
  become(next: Component): void {
    this.scheduler.become(this.scheduler.turnOwner(), next);
  }

  /** Ends this component after the turn (it gets Died first). */
  die(): void {
    this.scheduler.die(this.scheduler.turnOwner());
  }

  /** Be sent Terminated when `target` dies (at once if it is not alive). */
  watch(target: Address): void {
    this.scheduler.services.watch(this.scheduler.turnOwner(), target);
  }

  unwatch(target: Address): void {
    this.scheduler.services.unwatch(this.scheduler.turnOwner(), target);
  }

  /** Sends `body` to this component after `delay` ms; returns a timer id. */
  after<B>(delay: number, type: MessageType<B>, body: B): number {
    const s = this.scheduler;
    return s.after(s.turnOwner(), delay, type, body);
  }

  /** Cancels one of this component's timers; false if it already fired. */
  cancelTimer(id: number): boolean {
    return this.scheduler.cancelTimer(this.scheduler.turnOwner(), id);
  }

  /** Binds `name` to this component; NameTaken arrives if it is held. */
  register(name: string): void {
    checkName(name);
    this.scheduler.services.register(this.scheduler.turnOwner(), name);
  }

  unregister(name: string): void {
    checkName(name);
    this.scheduler.services.unregister(this.scheduler.turnOwner(), name);
  }

  /** Looks `name` up; NameFound arrives with the returned token. */
  lookup(name: string): number {
    checkName(name);
    const s = this.scheduler;
    const token = s.nextToken();
    s.services.lookup(s.turnOwner(), name, token);
    return token;
  }

  /** Subscribes to events of `type` fired by `source`; returns a token. */
  subscribe<B>(
    source: Address,
    type: MessageType<B>,
    options?: SubscribeOptions<B>,
  ): number {
    const s = this.scheduler;
    const self = s.turnOwner();
    const token = s.nextToken();
    const filter = options?.filter as EventFilter | undefined;
    s.services.subscribe(self, source, type, options?.topic, filter, token);
    return token;
  }

  unsubscribe(token: number): void {
    this.scheduler.services.unsubscribe(this.scheduler.turnOwner(), token);
  }

  /**
   * Strict mode: be sent `Tick { step }` at the start of every step (or
   * stop, with `false`).
   */
  wakeEveryStep(on = true): void {
    const s = this.scheduler;
    strict(s, 'wakeEveryStep').wake(s.turnOwner(), on);
  }

  /**
   * Strict mode: adds `value` to this step's reduction (count, sum, min,
   * max over every contribution of the step), readable next step.
   */
  contribute(value: number): void {
    const s = this.scheduler;
    s.turnOwner();
    strict(s, 'contribute').contribute(value);
  }

  /** Strict mode: the reduction of the previous step. */
  get reduction(): Reduction {
    const s = this.scheduler;
    s.turnOwner();
    return strict(s, 'reduction').reduction;
  }

  /** Fires an event to this component's subscribers. */
  fire<B>(type: MessageType<B>, body: B, topic?: string): void {
    this.scheduler.fire(this.scheduler.turnOwner(), type, body, topic);
  }
}

function strict(scheduler: Scheduler, verb: string): StrictOrder {
  if (scheduler.order === undefined) {
    throw new StrictModeOnlyError(
      `ctx.${verb} needs the strict step mode (createMachine option ` +
        `steps: 'strict'); this machine runs loose steps`,
    );
  }
  return scheduler.order;
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(
      `a name must be a non-empty string, got ${String(name)}`,
    );
  }
}
