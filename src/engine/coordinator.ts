/**
 * The threaded machine: a coordinator on the calling thread and one
 * worker thread per partition. The coordinator never blocks: it learns of
 * rounds and of the workers' news through `Atomics.waitAsync`, and of a
 * worker's death through piscina and the thread's exit event, so a dead
 * worker fails the machine at once and no thread is left behind.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import {
  type Address,
  FIRST_COMPONENT_SERIAL,
  formatAddress,
  makeAddress,
  NOBODY,
} from '../address.js';
import { waitAsync } from '../atomics.js';
import { Barrier, type BarrierCoordinator } from '../barrier/barrier.js';
import { debug, figuresChannel } from '../diagnostics.js';
import {
  AskTimeoutError,
  type ErrorRecord,
  fromRecord,
  InvalidArgumentError,
  MachineStoppedError,
  NoSuchComponentError,
  RegistryMismatchError,
  WorkerExitError,
} from '../errors.js';
import { checkTarget } from '../machine/embedded.js';
import type { Figures } from '../machine/figures.js';
import type { AskOptions, Machine, Reply } from '../machine/machine.js';
import type { ResolvedOptions } from '../machine/options.js';
import {
  checkBody,
  checkMessageType,
  type MessageType,
  messageTypes,
} from '../message/message.js';
import { createRingBuffer } from '../ring/ring.js';
import { Envelope, Kind } from '../scheduler/envelope.js';
import { checkDelay, DEFAULT_REQUEST_TIMEOUT } from '../scheduler/scheduler.js';
import type { WorkerConfig } from './config.js';
import {
  bellOf,
  COORD_BELL,
  c2wSentOf,
  createControl,
  PARK,
  RUN_EPOCH,
  RUN_STEPS,
  ring,
  SHUTDOWN,
} from './control.js';
import { Inbound, Outbound } from './links.js';
import {
  FIGURE_SUMS,
  FIRST_FIGURE_COLUMN,
  type FigureName,
  MIN_COLUMNS,
  Min,
  Op,
  PerWorker,
  perWorkerColumns,
  SUM_COLUMNS,
} from './rounds.js';

/** Bytes of each ring between the coordinator and a worker. */
const COORDINATOR_RING_BYTES = 1 << 20;
/** How long a stopping worker may take before it is terminated, in ms. */
const STOP_GRACE_MS = 2_000;

export interface EngineOptions {
  readonly workers: number;
  readonly spread: WorkerConfig['spread'];
  /** Per-worker heap limits; a worker past them dies (and fails the run). */
  readonly resourceLimits: ResolvedOptions['resourceLimits'];
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

export class ThreadedMachine implements Machine {
  root: Address = NOBODY;
  private readonly workers: number;
  private readonly control: Int32Array;
  private readonly barrier: BarrierCoordinator;
  private readonly pool: Piscina;
  private readonly toWorker: Outbound[] = [];
  private readonly fromWorker: Inbound[] = [];
  private readonly waiters = new Map<number, Waiter<unknown>>();
  private readonly hellos: Waiter<void>[] = [];
  private readonly deadLetters = new Map<number, Record<string, number>>();
  /** Per worker, the figure columns of the latest round read. */
  private readonly columns: number[][] = [];
  /** Figures sent by workers that failed, replacing their columns. */
  private readonly finalWords = new Map<number, number[]>();
  private readonly sentAcross: number[] = [];
  private readonly overflow: number[] = [];
  private now = 0;
  private step = 0;
  private nextId = 1;
  private epoch = 0;
  private lock: Promise<unknown> = Promise.resolve();
  private ended: Error | undefined;
  private lastFigures: Figures;
  private parkedWaiter: Waiter<void> | undefined;
  /** Workers parked in the current run, and the round they parked at. */
  private parkedWorkers = 0;
  private parkedRound = 0;
  private greeted = 0;
  private destroying: Promise<void> | undefined;
  private bellSeen = 0;

  private constructor(options: ResolvedOptions, engine: EngineOptions) {
    const workers = engine.workers;
    this.workers = workers;
    this.control = createControl(workers);
    this.barrier = Barrier.create({
      parties: workers,
      sums: SUM_COLUMNS,
      mins: MIN_COLUMNS,
      perParty: perWorkerColumns(workers),
      // Spin briefly only while every worker can have a core of its own.
      spin: workers > availableParallelism() ? 0 : undefined,
    });
    const rings: (SharedArrayBuffer | undefined)[][] = [];
    for (let from = 0; from <= workers; from++) {
      rings.push([]);
      for (let to = 0; to <= workers; to++) {
        const touchesCoordinator = from === workers || to === workers;
        rings[from]!.push(
          from === to
            ? undefined
            : createRingBuffer(
                touchesCoordinator ? COORDINATOR_RING_BYTES : options.ringBytes,
              ),
        );
      }
    }
    const control = this.control;
    for (let w = 0; w < workers; w++) {
      this.toWorker.push(
        new Outbound(rings[workers]![w]!, `c->${w}`, () =>
          ring(control, bellOf(w)),
        ),
      );
      this.fromWorker.push(
        new Inbound(rings[w]![workers]!, `${w}->c`, {
          onMessage: () => undefined,
          onControl: (op, value) => this.news(w, op, value),
        }),
      );
    }
    this.lastFigures = emptyFigures();
    for (let w = 0; w < workers; w++) {
      this.columns.push(FIGURE_SUMS.map(() => 0));
    }
    this.pool = new Piscina({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
      resourceLimits: engine.resourceLimits,
    });
    const epochWall = performance.timeOrigin + performance.now();
    for (let index = 0; index < workers; index++) {
      const config: WorkerConfig = {
        index,
        workers,
        host: options.host,
        moduleUrl: options.moduleUrl,
        component: options.component,
        args: options.args,
        clock: options.clock,
        checkBodies: options.checkBodies,
        strict: options.strict,
        spread: engine.spread,
        control: control.buffer as SharedArrayBuffer,
        barrier: this.barrier.buffer,
        rings,
        epochWall,
      };
      this.pool.run(config).then(
        (result: { ok: boolean; error?: ErrorRecord; figures?: number[] }) => {
          if (!result.ok && result.error !== undefined) {
            this.lastWords(index, result.figures);
            this.fail(fromRecord(result.error));
          } else if (this.ended === undefined) {
            this.fail(new WorkerExitError(`worker ${index} left its loop`));
          }
        },
        (error: Error) =>
          this.fail(
            new WorkerExitError(`worker ${index} died: ${error.message}`, {
              cause: error,
            }),
          ),
      );
    }
    this.root = makeAddress(options.host, FIRST_COMPONENT_SERIAL);
    this.listen().catch((error: Error) => this.fail(error));
  }

  static async start(
    options: ResolvedOptions,
    engine: EngineOptions,
  ): Promise<ThreadedMachine> {
    const machine = new ThreadedMachine(options, engine);
    await machine.greetings();
    return machine;
  }

  private greetings(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.ended !== undefined) reject(this.ended);
      else this.hellos.push({ resolve, reject });
    });
  }

  // ---- news from the workers ---------------------------------------------

  /** Reads the workers' rings whenever the coordinator bell rings. */
  private async listen(): Promise<void> {
    while (this.ended === undefined) {
      for (const link of this.fromWorker) link.drain();
      this.checkParked();
      const seen = Atomics.load(this.control, COORD_BELL);
      if (seen !== this.bellSeen) {
        this.bellSeen = seen;
        continue;
      }
      const wait = waitAsync(this.control, COORD_BELL, seen);
      if (wait.async) await wait.value;
    }
  }

  private news(worker: number, op: number, value: unknown): void {
    const v = value as Record<string, unknown>;
    switch (op) {
      case Op.Hello: {
        const fingerprint = messageTypes.fingerprint();
        if (v.fingerprint !== fingerprint) {
          this.fail(
            new RegistryMismatchError(
              `worker ${worker} knows message types ${String(v.fingerprint)}` +
                `, the coordinator ${fingerprint}: load the same modules`,
            ),
          );
          return;
        }
        if (++this.greeted === this.workers) {
          for (const hello of this.hellos.splice(0)) hello.resolve();
        }
        return;
      }
      case Op.Failure:
        this.lastWords(worker, v.figures as number[]);
        this.fail(fromRecord(v.error as ErrorRecord));
        return;
      case Op.Parked:
        this.deadLetters.set(
          worker,
          v.deadLettersByType as Record<string, number>,
        );
        if (v.epoch === this.epoch) {
          this.parkedRound = v.round as number;
          this.parkedWorkers++;
        }
        return;
      default:
        this.settle(v.id as number, op, v);
    }
  }

  private settle(id: number, op: number, v: Record<string, unknown>): void {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return;
    this.waiters.delete(id);
    if (op === Op.Answer && v.timeout !== undefined) {
      const { requestType } = v.timeout as { requestType: string };
      waiter.reject(
        new AskTimeoutError(`no reply to ${requestType} within its timeout`),
      );
    } else if (op === Op.Answer) {
      const type = messageTypes.get(v.type as number)!;
      waiter.resolve({ type, body: v.body, sender: v.sender });
    } else if (op === Op.StateReply && v.missing === true) {
      waiter.reject(new NoSuchComponentError('no live component there'));
    } else if (op === Op.StateReply && v.error !== undefined) {
      waiter.reject(fromRecord(v.error as ErrorRecord));
    } else if (op === Op.StateReply) {
      waiter.resolve(v.state);
    } else {
      waiter.resolve(v.address);
    }
  }

  /** Ends the run once every worker reported that it parked. */
  private checkParked(): void {
    if (this.parkedWaiter === undefined) return;
    if (this.parkedWorkers < this.workers) return;
    if (this.barrier.read(this.parkedRound)) {
      this.lastFigures = this.figuresOf();
    }
    const waiter = this.parkedWaiter;
    this.parkedWaiter = undefined;
    waiter.resolve(undefined);
  }

  /** A failing worker's final figures replace its column. */
  private lastWords(worker: number, figures: number[] | undefined): void {
    if (figures === undefined || this.ended !== undefined) return;
    this.finalWords.set(worker, figures);
    this.lastFigures = this.figuresOf(false);
  }

  /**
   * The figures of the round last read from the barrier, with the columns
   * of workers that failed since replaced by their final words.
   */
  private figuresOf(fresh = true): Figures {
    if (fresh) {
      for (let w = 0; w < this.workers; w++) {
        this.columns[w] = FIGURE_SUMS.map((_, i) =>
          this.barrier.perParty(w, FIRST_FIGURE_COLUMN + i),
        );
      }
      for (let w = 0; w < this.workers; w++) {
        this.sentAcross[w] = this.barrier.perParty(w, PerWorker.SentAcross);
        this.overflow[w] = this.barrier.perParty(w, PerWorker.Overflow);
      }
      this.now = this.barrier.min(Min.Clock);
      this.step = 0;
      for (let w = 0; w < this.workers; w++) {
        this.step = Math.max(
          this.step,
          this.barrier.perParty(w, PerWorker.Step),
        );
      }
    }
    for (const [w, words] of this.finalWords) this.columns[w] = words;
    const at = (name: FigureName) => FIGURE_SUMS.indexOf(name);
    const workers = this.columns.map((column, w) => ({
      delivered: column[at('delivered')]!,
      sentAcross: this.sentAcross[w] ?? 0,
      queued: column[at('queued')]!,
      overflow: this.overflow[w] ?? 0,
      deadLetters: column[at('deadLetters')]!,
    }));
    const sums: Record<string, number> = {};
    FIGURE_SUMS.forEach((name, i) => {
      sums[name] = this.columns.reduce((n, column) => n + column[i]!, 0);
    });
    const byType: Record<string, number> = {};
    for (const perWorker of this.deadLetters.values()) {
      for (const [name, n] of Object.entries(perWorker)) {
        byType[name] = (byType[name] ?? 0) + n;
      }
    }
    return {
      ...(sums as unknown as Figures),
      now: this.now,
      step: this.step,
      deadLettersByType: byType,
      workers,
    };
  }

  // ---- failing and stopping ----------------------------------------------

  private fail(error: Error): void {
    if (this.ended !== undefined) return;
    debug('machine failed: %s', error.message);
    this.ended = error;
    for (const waiter of this.waiters.values()) waiter.reject(error);
    this.waiters.clear();
    for (const hello of this.hellos.splice(0)) hello.reject(error);
    this.parkedWaiter?.reject(error);
    this.parkedWaiter = undefined;
    Atomics.store(this.control, SHUTDOWN, 1);
    for (let w = 0; w < this.workers; w++) ring(this.control, bellOf(w));
    ring(this.control, COORD_BELL);
    // Terminating also ends workers blocked at the barrier or asleep.
    void this.destroyPool();
  }

  async stop(): Promise<void> {
    if (this.ended === undefined) {
      this.ended = new MachineStoppedError('the machine was stopped');
      for (const waiter of this.waiters.values()) waiter.reject(this.ended);
      this.waiters.clear();
      this.parkedWaiter?.reject(this.ended);
      this.parkedWaiter = undefined;
      Atomics.store(this.control, SHUTDOWN, 1);
      for (let w = 0; w < this.workers; w++) ring(this.control, bellOf(w));
      ring(this.control, COORD_BELL);
    }
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise((resolve) => {
      timer = setTimeout(resolve, STOP_GRACE_MS);
    });
    await Promise.race([this.lock, grace]);
    clearTimeout(timer);
    await this.destroyPool();
  }

  /**
   * Ends every worker thread, once: a second piscina destroy() would clear
   * its "destroying" state early and let it restart the threads it is
   * still terminating.
   */
  private destroyPool(): Promise<void> {
    this.destroying ??= this.pool.destroy();
    return this.destroying;
  }

  private checkOpen(): void {
    if (this.ended !== undefined) {
      throw new MachineStoppedError(
        `the machine has ended: ${this.ended.message}`,
        { cause: this.ended },
      );
    }
  }

  // ---- the Machine API ---------------------------------------------------

  async send<B>(target: Address, type: MessageType<B>, body: B) {
    this.checkOpen();
    checkTarget(target);
    checkMessageType(type);
    checkBody(type, body);
    const home = this.homeOf(target);
    const from = makeAddress(Math.floor(this.root / 2 ** 40), 1);
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
    // Same arithmetic as Allocator.homeOf, without an allocator here.
    const serial = address % 2 ** 40;
    return Math.floor(serial / 1024) % this.workers;
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
    return this.drive(-1, () => false);
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
    return this.drive(count, () => false);
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
      void this.watchRounds(until, parked);
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
      if (done || !this.barrier.read(round)) continue;
      this.lastFigures = this.figuresOf();
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

  async lookup(name: string): Promise<Address | undefined> {
    return this.request(0, Op.Lookup, { name });
  }

  async figures(): Promise<Figures> {
    return this.lastFigures;
  }
}

function emptyFigures(): Figures {
  const sums = Object.fromEntries(FIGURE_SUMS.map((name) => [name, 0]));
  return {
    ...(sums as unknown as Figures),
    now: 0,
    step: 0,
    deadLettersByType: {},
    workers: [],
  };
}
