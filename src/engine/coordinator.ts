/**
 * The threaded engine's coordinator, on the calling thread, and its one
 * worker thread per partition. The coordinator never blocks: it learns of
 * rounds and of the workers' news through `Atomics.waitAsync`, and of a
 * worker's death through piscina and the thread's exit event, so a dead
 * worker fails the machine at once and no thread is left behind.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { type Address, NOBODY } from '../address.js';
import { waitAsync } from '../atomics.js';
import { Barrier, type BarrierCoordinator } from '../barrier/barrier.js';
import { debug } from '../diagnostics.js';
import {
  AskTimeoutError,
  type ErrorRecord,
  fromRecord,
  MachineStoppedError,
  NoSuchComponentError,
  RegistryMismatchError,
  WorkerExitError,
} from '../errors.js';
import { type Figures, RoundWatchers } from '../machine/figures.js';
import type { ResolvedOptions } from '../machine/options.js';
import { messageTypes } from '../message/message.js';
import { createRingBuffer } from '../ring/ring.js';
import { FigureBook } from './book.js';
import type { WorkerConfig } from './config.js';
import {
  bellOf,
  COORD_BELL,
  createControl,
  ring,
  SHUTDOWN,
} from './control.js';
import { Inbound, Outbound } from './links.js';
import { MIN_COLUMNS, Op, perWorkerColumns, sumColumns } from './rounds.js';

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

/**
 * The coordinator's side of the threads: it starts them, listens to them,
 * and ends them. ThreadedMachine adds the Machine API on top.
 */
export abstract class Coordinator {
  /** The first component's address, as worker 0 reports it. */
  root: Address = NOBODY;
  protected readonly host: number;
  protected readonly workers: number;
  protected readonly control: Int32Array;
  protected readonly barrier: BarrierCoordinator;
  protected readonly pool: Piscina;
  protected readonly toWorker: Outbound[] = [];
  protected readonly fromWorker: Inbound[] = [];
  protected readonly waiters = new Map<number, Waiter<unknown>>();
  protected readonly hellos: Waiter<void>[] = [];
  protected readonly book: FigureBook;
  protected readonly roundWatchers = new RoundWatchers();
  protected nextId = 1;
  protected epoch = 0;
  protected lock: Promise<unknown> = Promise.resolve();
  protected ended: Error | undefined;
  protected lastFigures: Figures;
  protected parkedWaiter: Waiter<void> | undefined;
  /** Workers parked in the current run, and the round they parked at. */
  protected parkedWorkers = 0;
  protected parkedRound = 0;
  protected greeted = 0;
  protected destroying: Promise<void> | undefined;
  protected bellSeen = 0;

  protected constructor(options: ResolvedOptions, engine: EngineOptions) {
    const workers = engine.workers;
    this.workers = workers;
    this.control = createControl(workers);
    this.barrier = Barrier.create({
      parties: workers,
      sums: sumColumns(options.strict !== undefined),
      mins: MIN_COLUMNS,
      perParty: perWorkerColumns(workers),
      // Spin briefly only while every worker can have a core of its own.
      spin: workers > availableParallelism() ? 0 : undefined,
    });
    const rings = createRings(workers, options.ringBytes);
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
    this.book = new FigureBook(workers);
    this.lastFigures = this.book.figures();
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
        placement: options.placement,
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
    this.host = options.host;
    this.listen().catch((error: Error) => this.fail(error));
  }

  protected greetings(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.ended !== undefined) reject(this.ended);
      else this.hellos.push({ resolve, reject });
    });
  }

  // ---- news from the workers ---------------------------------------------

  /** Reads the workers' rings whenever the coordinator bell rings. */
  protected async listen(): Promise<void> {
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

  protected news(worker: number, op: number, value: unknown): void {
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
        if (v.root !== undefined) this.root = v.root as Address;
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
        this.book.deadLettersOf(
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

  protected settle(id: number, op: number, v: Record<string, unknown>): void {
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
  protected checkParked(): void {
    if (this.parkedWaiter === undefined) return;
    if (this.parkedWorkers < this.workers) return;
    if (this.barrier.read(this.parkedRound) && !this.takeRound()) return;
    const waiter = this.parkedWaiter;
    this.parkedWaiter = undefined;
    waiter.resolve(undefined);
  }

  /**
   * Takes the round the barrier snapshot holds into the figures and hands
   * its record to the round watchers; false when a watcher threw (the
   * machine then fails with its error).
   */
  protected takeRound(): boolean {
    const record = this.book.readRound(this.barrier);
    this.lastFigures = this.book.figures();
    if (record === undefined) return true;
    try {
      this.roundWatchers.publish(record);
      return true;
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  /** A failing worker's final figures replace its column. */
  protected lastWords(worker: number, figures: number[] | undefined): void {
    if (figures === undefined || this.ended !== undefined) return;
    this.book.lastWords(worker, figures);
    this.lastFigures = this.book.figures();
  }

  // ---- failing and stopping ----------------------------------------------

  protected fail(error: Error): void {
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
  protected destroyPool(): Promise<void> {
    this.destroying ??= this.pool.destroy();
    return this.destroying;
  }

  protected checkOpen(): void {
    if (this.ended !== undefined) {
      throw new MachineStoppedError(
        `the machine has ended: ${this.ended.message}`,
        { cause: this.ended },
      );
    }
  }
}

/**
 * rings[from][to]: a ring per ordered pair of threads, the coordinator
 * being thread `workers`.
 */
function createRings(workers: number, ringBytes: number) {
  const rings: (SharedArrayBuffer | undefined)[][] = [];
  for (let from = 0; from <= workers; from++) {
    rings.push([]);
    for (let to = 0; to <= workers; to++) {
      const touchesCoordinator = from === workers || to === workers;
      const bytes = touchesCoordinator ? COORDINATOR_RING_BYTES : ringBytes;
      rings[from]!.push(from === to ? undefined : createRingBuffer(bytes));
    }
  }
  return rings;
}
