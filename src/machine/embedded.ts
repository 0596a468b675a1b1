/**
 * The embedded machine: one scheduler on the calling thread. Runs are cut
 * into slices so that the event loop keeps turning (stop, sends and real
 * timers get their chance) even while a long run is in progress.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type Address, formatAddress, isAddress, NOBODY } from '../address.js';
import { componentClass, copyState } from '../component.js';
import { figuresChannel } from '../diagnostics.js';
import {
  AskTimeoutError,
  InvalidArgumentError,
  MachineStoppedError,
  ModuleLoadError,
  NoReplyError,
  NoSuchComponentError,
} from '../errors.js';
import {
  checkBody,
  checkMessageType,
  type MessageType,
} from '../message/message.js';
import { Timeout } from '../message/system.js';
import { type Envelope, Kind } from '../scheduler/envelope.js';
import { DEFAULT_REQUEST_TIMEOUT, Scheduler } from '../scheduler/scheduler.js';
import type { Position } from '../scheduler/space.js';
import {
  type Figures,
  type RoundFigures,
  RoundLedger,
  RoundWatchers,
  snapshot,
} from './figures.js';
import type { AskOptions, Machine, Reply } from './machine.js';
import type { ResolvedOptions } from './options.js';

/** Messages handled between checks of the run's stop condition. */
const BATCH = 8192;
/** Wall milliseconds of work before yielding to the event loop. */
const SLICE_MS = 20;

interface PendingAsk {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

export class EmbeddedMachine implements Machine {
  readonly root: Address;
  private readonly scheduler: Scheduler;
  private readonly asks = new Map<number, PendingAsk>();
  private readonly clock: ResolvedOptions['clock'];
  private readonly epoch = performance.now();
  /** Serializes runs: one drives the scheduler at a time. */
  private lock: Promise<unknown> = Promise.resolve();
  /** Why the machine ended: a stop, or the error that stopped it. */
  private ended: Error | undefined;
  /** Wakes a run that sleeps until a real-time timer. */
  private wake: (() => void) | undefined;
  private readonly strict: boolean;
  /** Rounds ended so far (see RoundFigures), and whether one is open. */
  private round = -1;
  private roundOpen = false;
  private readonly rounds = new RoundLedger(1);
  private readonly roundWatchers = new RoundWatchers();

  private constructor(options: ResolvedOptions) {
    this.clock = options.clock;
    this.strict = options.strict !== undefined;
    this.scheduler = new Scheduler({
      host: options.host,
      checkBodies: options.checkBodies,
      ...(options.strict === undefined ? {} : { strict: options.strict }),
      outside: (envelope) => this.fromInside(envelope),
    });
    const cls = componentClass(options.component);
    const root = new cls(...(options.args as never[]));
    this.root = this.scheduler.spawnRoot(root);
  }

  static async start(options: ResolvedOptions): Promise<EmbeddedMachine> {
    await importModule(options.moduleUrl);
    return new EmbeddedMachine(options);
  }

  async send<B>(target: Address, type: MessageType<B>, body: B) {
    this.checkOpen();
    checkTarget(target);
    checkMessageType(type);
    checkBody(type, body);
    this.scheduler.sendFromOutside(target, type, structuredClone(body));
    this.wake?.();
  }

  run(): Promise<Figures> {
    return this.drive(() => false, Infinity);
  }

  steps(count: number): Promise<Figures> {
    if (!Number.isInteger(count) || count < 0) {
      return Promise.reject(
        new InvalidArgumentError(
          `steps needs a whole number >= 0, got ${count}`,
        ),
      );
    }
    return this.drive(() => false, count);
  }

  runUntil(predicate: (figures: Figures) => boolean): Promise<Figures> {
    if (typeof predicate !== 'function') {
      return Promise.reject(
        new InvalidArgumentError('runUntil needs a predicate function'),
      );
    }
    // The predicate sees every round's record, as on workers.
    return this.drive(() => predicate(this.snapshot()), Infinity, true);
  }

  ask<B>(
    target: Address,
    type: MessageType<B>,
    body: B,
    options?: AskOptions,
  ): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      this.checkOpen();
      checkTarget(target);
      checkMessageType(type);
      checkBody(type, body);
      const timeout = options?.timeout ?? DEFAULT_REQUEST_TIMEOUT;
      const token = this.scheduler.requestFromOutside(
        target,
        type,
        structuredClone(body),
        timeout,
      );
      this.asks.set(token, { resolve, reject });
      this.wake?.();
      const answered = () => !this.asks.has(token);
      this.drive(answered, Infinity).then(() => {
        if (answered()) return;
        this.asks.delete(token);
        this.scheduler.forgetRequest(token);
        reject(
          new NoReplyError(
            `the machine went quiet and ${formatAddress(target)} never ` +
              `replied to ${type.name}`,
          ),
        );
      }, reject);
    });
  }

  async state(address: Address): Promise<unknown> {
    this.checkOpen();
    checkTarget(address);
    const component = this.scheduler.component(address);
    if (component === undefined) {
      throw new NoSuchComponentError(
        `no live component at ${formatAddress(address)}`,
      );
    }
    return copyState(component, formatAddress(address));
  }

  async position(address: Address): Promise<Position> {
    this.checkOpen();
    checkTarget(address);
    const position = this.scheduler.space.position(address);
    if (position === undefined) {
      throw new NoSuchComponentError(
        `no live component at ${formatAddress(address)}`,
      );
    }
    return position;
  }

  async lookup(name: string): Promise<Address | undefined> {
    this.checkOpen();
    return this.scheduler.services.resolve(name);
  }

  onRound(listener: (round: RoundFigures) => void): () => void {
    return this.roundWatchers.add(listener);
  }

  async figures(): Promise<Figures> {
    return this.snapshot();
  }

  async stop(): Promise<void> {
    this.end(new MachineStoppedError('the machine was stopped'));
    this.wake?.();
    await this.lock;
  }

  // ---- internals ---------------------------------------------------------

  private checkOpen(): void {
    if (this.ended !== undefined) {
      throw new MachineStoppedError(
        `the machine has ended: ${this.ended.message}`,
        { cause: this.ended },
      );
    }
  }

  private end(reason: Error): void {
    if (this.ended !== undefined) return;
    this.ended = reason;
    // An ask waiting when a handler failed gets that failure itself.
    for (const ask of this.asks.values()) ask.reject(reason);
    this.asks.clear();
  }

  /** What components send to the outside: replies and ask timeouts. */
  private fromInside(envelope: Envelope): boolean {
    const ask = this.asks.get(envelope.token);
    if (ask === undefined) return false;
    this.asks.delete(envelope.token);
    if (envelope.kind === Kind.Reply) {
      ask.resolve({
        type: envelope.type,
        body: structuredClone(envelope.body),
        sender: envelope.sender,
      });
    } else if (envelope.type === Timeout) {
      ask.reject(
        new AskTimeoutError(
          `no reply to ${
            (envelope.body as { requestType: string }).requestType
          } within its timeout`,
        ),
      );
    } else {
      return false;
    }
    return true;
  }

  private now(): number {
    return performance.now() - this.epoch;
  }

  private drive(
    until: () => boolean,
    maxSteps: number,
    everyRound = false,
  ): Promise<Figures> {
    const run = this.lock.then(async () => {
      this.checkOpen();
      try {
        await this.loop(until, maxSteps, everyRound);
        this.endRound(true);
      } catch (error) {
        this.end(error as Error);
        throw error;
      }
      const figures = this.snapshot();
      if (figuresChannel.hasSubscribers) figuresChannel.publish(figures);
      return figures;
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async loop(
    until: () => boolean,
    maxSteps: number,
    everyRound: boolean,
  ): Promise<void> {
    const s = this.scheduler;
    let stepsLeft = maxSteps;
    let sliceStart = performance.now();
    const watched = everyRound || this.roundWatchers.watched;
    for (;;) {
      // A loose round is a batch between two looks at the stop condition.
      if (!this.strict) this.endRound(watched);
      if (this.ended !== undefined || until()) return;
      let budget = BATCH;
      while (budget > 0) {
        if (s.stepDone) {
          if (stepsLeft === 0) return;
          const next = this.nextStepTime();
          if (next === undefined) return; // quiet
          if (this.clock === 'real' && next > this.now()) {
            await this.sleep(next - this.now());
            break;
          }
          if (this.strict) this.endRound(watched);
          s.beginStep(this.clock === 'real' ? this.now() : next);
          this.roundOpen = true;
          stepsLeft--;
        }
        const handled = s.work(budget);
        if (handled > 0) this.roundOpen = true;
        budget -= handled;
      }
      if (performance.now() - sliceStart > SLICE_MS) {
        await nextTurn();
        sliceStart = performance.now();
      }
    }
  }

  /**
   * Ends the open round, if any: counts it, and when `record`, records
   * it and hands the record to the round watchers. Unrecorded rounds are
   * covered by the next record.
   */
  private endRound(record: boolean): void {
    if (!this.roundOpen) return;
    this.roundOpen = false;
    this.round++;
    if (!record) return;
    const f = this.scheduler.figures;
    const made = this.rounds.record(this.round, this.scheduler.step, [
      {
        delivered: f.delivered,
        sent: f.sent,
        sentAcross: 0,
        migrations: 0,
        forwards: 0,
      },
    ]);
    if (made !== undefined) this.roundWatchers.publish(made);
  }

  private snapshot(): Figures {
    return snapshot(this.scheduler, this.rounds.latest);
  }

  /** When the next step can start, or undefined when the machine is quiet. */
  private nextStepTime(): number | undefined {
    const s = this.scheduler;
    if (s.hasWork) return this.clock === 'real' ? this.now() : s.now;
    const timer = s.earliestTimer;
    if (timer === Infinity) return undefined;
    return Math.max(timer, s.now);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}

/** Throws unless `target` could be a component's address. */
export function checkTarget(target: Address): void {
  if (!isAddress(target) || target === NOBODY) {
    throw new InvalidArgumentError(
      `expected a component address, got ${String(target)}`,
    );
  }
}

/** Imports the component module, or fails with ModuleLoadError. */
export async function importModule(url: string): Promise<void> {
  try {
    await import(url);
  } catch (cause) {
    throw new ModuleLoadError(`cannot import component module ${url}`, {
      cause,
    });
  }
}
