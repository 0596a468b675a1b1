/**
 * The threaded machine: the Machine API over a Coordinator and its worker
 * threads. Every call returns a Promise and none blocks the thread.
 */

import type { Address } from '../address.js';
import { formatAddress, outsideAddress, SERIAL_LIMIT } from '../address.js';
import { debug, figuresChannel } from '../diagnostics.js';
import { InvalidArgumentError, NoSuchComponentError } from '../errors.js';
import { checkTarget } from '../machine/embedded.js';
import type { Figures, RoundFigures } from '../machine/figures.js';
import type { AskOptions, Machine, Reply } from '../machine/machine.js';
import type { ResolvedOptions } from '../machine/options.js';
import {
  checkBody,
  checkMessageType,
  type MessageType,
} from '../message/message.js';
import { homeWorker } from '../scheduler/allocator.js';
import { Envelope, Kind } from '../scheduler/envelope.js';
import { checkDelay, DEFAULT_REQUEST_TIMEOUT } from '../scheduler/scheduler.js';
import type { Position } from '../scheduler/space.js';
import {
  bellOf,
  c2wSentOf,
  PARK,
  RUN_EPOCH,
  RUN_STEPS,
  ring,
} from './control.js';
import { Coordinator, type EngineOptions } from './coordinator.js';
import { Op } from './rounds.js';

/** The stop condition of runs that go until quiet or a step count. */
const NEVER = () => false;

export class ThreadedMachine extends Coordinator implements Machine {
  static async start(
    options: ResolvedOptions,
    engine: EngineOptions,
  ): Promise<ThreadedMachine> {
    const machine = new ThreadedMachine(options, engine);
    await machine.greetings();
    return machine;
  }

  // ---- the Machine API ---------------------------------------------------

  async send<B>(target: Address, type: MessageType<B>, body: B) {
    this.checkOpen();
    checkTarget(target);
    checkMessageType(type);
    checkBody(type, body);
    const home = this.homeOf(target);
    const from = outsideAddress(this.host);
    const envelope = new Envelope(
      target,
      from,
      type,
      body,
      Kind.Plain,
      0,
      undefined,
    );
    Atomics.add(this.control, c2wSentOf(home), 1);
    this.toWorker[home]!.message(envelope, 0);
    this.toWorker[home]!.flush(0);
  }

  private homeOf(address: Address): number {
    return homeWorker(address, this.host * SERIAL_LIMIT, this.workers);
  }

  private request<T>(worker: number, op: number, value: object): Promise<T> {
    this.checkOpen();
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => {
      this.waiters.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
      });
    });
    Atomics.add(this.control, c2wSentOf(worker), 1);
    this.toWorker[worker]!.control(op, { ...value, id });
    this.toWorker[worker]!.flush(0);
    return answer;
  }

  run(): Promise<Figures> {
    return this.drive(-1, NEVER);
  }

  steps(count: number): Promise<Figures> {
    if (!Number.isInteger(count) || count < 0) {
      return Promise.reject(
        new InvalidArgumentError(
          `steps needs a whole number >= 0, got ${count}`,
        ),
      );
    }
    if (count === 0) return this.figures();
    return this.drive(count, NEVER);
  }

  runUntil(predicate: (figures: Figures) => boolean): Promise<Figures> {
    if (typeof predicate !== 'function') {
      return Promise.reject(
        new InvalidArgumentError('runUntil needs a predicate function'),
      );
    }
    return this.drive(-1, predicate);
  }

  /** One run: wake the workers, watch the rounds, wait until they park. */
  private drive(
    steps: number,
    until: (figures: Figures) => boolean,
  ): Promise<Figures> {
    const run = this.lock.then(async () => {
      this.checkOpen();
      this.epoch++;
      this.parkedWorkers = 0;
      const parked = new Promise<void>((resolve, reject) => {
        this.parkedWaiter = { resolve, reject };
      });
      Atomics.store(this.control, PARK, 0);
      Atomics.store(this.control, RUN_STEPS, steps);
      Atomics.store(this.control, RUN_EPOCH, this.epoch);
      for (let w = 0; w < this.workers; w++) ring(this.control, bellOf(w));
      // Rounds are watched only when someone needs them: a predicate, a
      // round watcher, or a subscriber to the figures. Each watched round
      // wakes this thread.
      if (
        until !== NEVER ||
        figuresChannel.hasSubscribers ||
        this.roundWatchers.watched
      ) {
        void this.watchRounds(until, parked);
      }
      await parked;
      debug('run %d parked at step %d', this.epoch, this.lastFigures.step);
      if (figuresChannel.hasSubscribers)
        figuresChannel.publish(this.lastFigures);
      return this.lastFigures;
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Checks `until` on the figures of every round until the run parks. */
  private async watchRounds(
    until: (figures: Figures) => boolean,
    parked: Promise<void>,
  ): Promise<void> {
    let done = false;
    parked.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    let round = this.barrier.latestRound();
    while (!done) {
      round = await this.barrier.nextRound(round);
      // A round whose slot was reused is skipped: the next record read
      // covers it.
      if (done || !this.barrier.read(round)) continue;
      if (!this.takeRound()) return;
      if (figuresChannel.hasSubscribers)
        figuresChannel.publish(this.lastFigures);
      if (until(this.lastFigures)) {
        Atomics.store(this.control, PARK, 1);
        return;
      }
    }
  }

  async ask<B>(
    target: Address,
    type: MessageType<B>,
    body: B,
    options?: AskOptions,
  ): Promise<Reply> {
    this.checkOpen();
    checkTarget(target);
    checkMessageType(type);
    checkBody(type, body);
    const timeout = options?.timeout ?? DEFAULT_REQUEST_TIMEOUT;
    checkDelay('timeout', timeout);
    let answered = false;
    const reply = this.request<Reply>(0, Op.Ask, {
      target,
      type: type.id,
      body,
      timeout,
    }).finally(() => {
      answered = true;
    });
    reply.catch(() => undefined);
    while (!answered && this.ended === undefined) {
      await this.drive(-1, () => answered);
    }
    return reply;
  }

  async state(address: Address): Promise<unknown> {
    checkTarget(address);
    return this.request(this.homeOf(address), Op.State, { address }).catch(
      (error: Error) => {
        if (error instanceof NoSuchComponentError) {
          throw new NoSuchComponentError(
            `no live component at ${formatAddress(address)}`,
          );
        }
        throw error;
      },
    );
  }

  async position(address: Address): Promise<Position> {
    checkTarget(address);
    const at = { address, position: true };
    return this.request<Position>(this.homeOf(address), Op.State, at).catch(
      (error: Error) => {
        if (error instanceof NoSuchComponentError) {
          throw new NoSuchComponentError(
            `no live component at ${formatAddress(address)}`,
          );
        }
        throw error;
      },
    );
  }

  async lookup(name: string): Promise<Address | undefined> {
    return this.request(0, Op.Lookup, { name });
  }

  onRound(listener: (round: RoundFigures) => void): () => void {
    return this.roundWatchers.add(listener);
  }

  async figures(): Promise<Figures> {
    return this.lastFigures;
  }
}
