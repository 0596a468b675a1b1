/**
 * A worker's connections: its rings to the other workers and to the
 * coordinator, how it routes messages (the Partition its scheduler uses),
 * what it does with the frames it reads, and how it sleeps on its bell.
 * WorkerRuntime adds the runs and rounds on top.
 */
import { availableParallelism } from 'node:os';
import { type Address, outsideAddress, SERIAL_LIMIT } from '../address.js';
import { Allocator } from '../scheduler/allocator.js';
import type { Envelope } from '../scheduler/envelope.js';
import type { Op as ServiceOp } from '../scheduler/ops.js';
import type { Partition } from '../scheduler/partition.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { Infoton } from '../wire/frame.js';
import type { WorkerConfig } from './config.js';
import {
  bellOf,
  blocksOf,
  COORD_BELL,
  IDLE,
  IN_FLIGHT,
  ring,
} from './control.js';
import { OutsideDesk } from './desk.js';
import { Limbo } from './limbo.js';
import { type FrameSink, Inbound, Outbound } from './links.js';
import { FIGURE_SUMS, type FigureName, Op } from './rounds.js';
import { Spreader } from './spread.js';

/** Longest spin before sleeping, in microseconds. */
const SPIN_US = 50;
/** Looks at the rings between two looks at the clock. */
const SPIN_LOOKS = 64;
/** Fruitless spins in a row after which the worker stops spinning. */
const SPIN_MISSES = 4;

export abstract class WorkerPeer implements Partition, FrameSink {
  readonly index: number;
  readonly workers: number;
  protected readonly config: WorkerConfig;
  protected readonly control: Int32Array;
  protected readonly allocator: Allocator;
  protected readonly scheduler: Scheduler;
  protected readonly outbound: (Outbound | undefined)[] = [];
  protected readonly inbound: Inbound[] = [];
  /** inboundFrom[w]: the ring from worker w (undefined for this one). */
  protected readonly inboundFrom: (Inbound | undefined)[] = [];
  protected readonly toCoordinator: Outbound;
  protected readonly limbo = new Limbo();
  private readonly desk: OutsideDesk;
  private readonly spreader: Spreader;
  private readonly outside: Address;
  /** This host's first address. */
  private readonly hostBase: number;
  /** Whether the frames being read come from the coordinator. */
  private fromCoordinator = false;
  /** Whether spinning can pay: no more workers than cores. */
  private readonly canSpin: boolean;
  /** Spins in a row that found nothing. */
  private misses = 0;
  // Counters the rounds use to tell whether anything is still in flight.
  protected remoteSent = 0;
  protected remoteReceived = 0;
  protected outsideRead = 0;
  protected spawnOpsSent = 0;
  protected spawnOpsReceived = 0;
  /**
   * Where components that moved away from their home worker live now,
   * by serial: worker + 1, or 0 for "at home". Every worker holds the same
   * directory: moves are made and learned only at migration rounds, when
   * no message is in flight (see migration.ts). One byte per serial, grown
   * on the first move past its end.
   */
  protected moved = new Uint8Array(0);
  /** Messages passed on to where their target moved (from the outside). */
  protected forwards = 0;
  /** Components that left this worker, ever (see migration.ts). */
  protected migrations = 0;

  constructor(config: WorkerConfig) {
    this.config = config;
    this.index = config.index;
    this.workers = config.workers;
    this.control = new Int32Array(config.control);
    this.outside = outsideAddress(config.host);
    this.hostBase = config.host * SERIAL_LIMIT;
    this.spreader = new Spreader(config.spread, config.index, config.workers);
    this.canSpin = config.workers <= availableParallelism();
    const control = this.control;
    this.allocator = new Allocator(config.host, config.workers, (w) =>
      Atomics.add(control, blocksOf(w), 1),
    );
    const coordinator = config.workers;
    for (let w = 0; w <= config.workers; w++) {
      if (w === this.index) continue;
      const name = `${w === coordinator ? 'c' : w}->${this.index}`;
      const link = new Inbound(config.rings[w]![this.index]!, name, this);
      this.inbound.push(link);
      this.inboundFrom[w] = link;
    }
    for (let w = 0; w < config.workers; w++) {
      this.outbound[w] =
        w === this.index
          ? undefined
          : new Outbound(
              config.rings[this.index]![w]!,
              `${this.index}->${w}`,
              () => ring(control, bellOf(w)),
              false,
              (frames) => Atomics.add(control, IN_FLIGHT, frames),
            );
    }
    this.toCoordinator = new Outbound(
      config.rings[this.index]![coordinator]!,
      `${this.index}->c`,
      () => ring(control, COORD_BELL),
      true,
    );
    this.desk = new OutsideDesk(
      () => this.scheduler,
      (op, value) => this.report(op, value),
    );
    this.scheduler = new Scheduler({
      host: config.host,
      checkBodies: config.checkBodies,
      ...(config.strict === undefined ? {} : { strict: config.strict }),
      outside: (envelope) => this.desk.answer(envelope),
      partition: this,
      allocator: this.allocator,
      placement: config.placement,
    });
  }

  // ---- Partition ---------------------------------------------------------

  locate(address: Address): number {
    // Runs for every message sent: a subtraction finds the serial of an
    // address of this host (a floating-point `%` costs more).
    let serial = address - this.hostBase;
    if (serial < 0 || serial >= SERIAL_LIMIT) serial = address % SERIAL_LIMIT;
    if (serial < this.moved.length) {
      const there = this.moved[serial]!;
      if (there !== 0) return there - 1;
    }
    return this.allocator.homeOfSerial(serial);
  }

  /** Records that `address` lives on `worker` from now on. */
  protected relocate(address: Address, worker: number): void {
    const serial = address % SERIAL_LIMIT;
    if (serial >= this.moved.length) {
      const grown = new Uint8Array(Math.max(serial + 1, 2 * this.moved.length));
      grown.set(this.moved);
      this.moved = grown;
    }
    this.moved[serial] =
      worker === this.allocator.homeOf(address) ? 0 : worker + 1;
  }

  forward(worker: number, envelope: Envelope, infoton?: Infoton): void {
    const link = this.outbound[worker]!;
    const step = this.scheduler.step;
    link.message(envelope, step, infoton);
    this.remoteSent++; // only once accepted: a refused send is not in flight
    // Frames are published every few messages (see the worker's batch).
    // While a worker is idle (spinning or asleep on its bell), publish the
    // first frame of a batch at once: it may be waiting for this very
    // frame. Only the first: publishing each frame of a burst to a peer
    // still waking up rang its bell once a frame, a system call each.
    if (link.unpublished === 1 && Atomics.load(this.control, IDLE) > 0) {
      link.flush(step);
    }
  }

  call(worker: number, op: ServiceOp): void {
    this.outbound[worker]!.control(Op.Service, op);
    if (op.op === 'spawn') this.spawnOpsSent++;
  }

  spread(): number {
    return this.spreader.next();
  }

  /**
   * A message to a component born here that is not here (yet): its spawn
   * may still be on its way from the worker that spawned it (see Limbo).
   */
  hold(envelope: Envelope): boolean {
    const there = this.locate(envelope.target);
    if (there !== this.index) {
      // It moved after this message was routed: a reply of the services
      // (NameFound, NameTaken, Terminated) to a frame read at the start
      // of a migration round, before the directory changed. Pass it on.
      this.forwards++;
      this.forward(there, envelope);
      return true;
    }
    // In the strict mode every spawn of a step lands before the next step
    // begins, and a message is handled a step after it was sent at the
    // earliest: a target missing now is dead, as on one thread, and the
    // limbo (released only by the loose mode's rounds) would hold this
    // letter for ever, the run going on to release it.
    if (this.config.strict !== undefined) return false;
    return this.limbo.hold(envelope);
  }

  // ---- frames from the rings (FrameSink) ---------------------------------

  onMessage(envelope: Envelope, infoton?: Infoton): void {
    if (envelope.sender === this.outside && this.fromCoordinator) {
      this.outsideRead++;
      // The outside sends to its target's home, which passes on at once
      // what is for a component that moved: the outside's messages to
      // one target all take this way, read in order and passed on in
      // order, along a directory that changes only at migration rounds,
      // whose first step reads every frame in flight. Passed on later,
      // when handled, a message could land behind messages sent after
      // it (the target coming home finds it still queued here), and in
      // the strict mode a step later than on one thread.
      const there = this.locate(envelope.target);
      if (there !== this.index) {
        this.forwards++;
        this.forward(there, envelope);
        return;
      }
    } else {
      this.remoteReceived++;
    }
    if (infoton !== undefined && infoton.energy !== 0) {
      this.scheduler.space.pullToward(envelope.target, infoton);
    }
    this.scheduler.accept(envelope);
  }

  onControl(op: number, value: unknown): void {
    if (this.fromCoordinator) this.outsideRead++;
    if (op === Op.State) {
      // The coordinator asks a component's home; pass it on if it moved.
      const there = this.locate((value as { address: Address }).address);
      if (there !== this.index) {
        this.outbound[there]!.control(op, value);
        return;
      }
    }
    if (op === Op.Migrate || op === Op.MigratePart) {
      this.arrived(value as Uint8Array, op === Op.Migrate);
      return;
    }
    if (op === Op.Moved) {
      this.learned((value as { moves: number[] }).moves);
      return;
    }
    if (op !== Op.Service) {
      this.desk.serve(op, value as Record<string, unknown>);
      return;
    }
    const service = value as ServiceOp;
    this.scheduler.perform(service);
    if (service.op === 'spawn') {
      this.spawnOpsReceived++;
      for (const held of this.limbo.landed(service.address)) {
        this.scheduler.accept(held);
      }
    }
  }

  /**
   * A piece of a component that moves here (the engine's migration round
   * sent it); `last` when the component is complete.
   */
  protected abstract arrived(piece: Uint8Array, last: boolean): void;
  /** Other workers' moves of a migration round. */
  protected abstract learned(moves: readonly number[]): void;

  /** Sends `value` to the coordinator at once. */
  protected report(op: number, value: unknown): void {
    this.toCoordinator.control(op, value);
    this.toCoordinator.flush(this.scheduler.step);
  }

  // ---- rings and bells ---------------------------------------------------

  /** Reads every inbound ring once, then writes what is pending. */
  protected pump(): number {
    let read = 0;
    for (let w = 0; w < this.workers; w++) {
      const link = this.inboundFrom[w];
      if (link !== undefined) read += this.drainPeer(link);
    }
    this.fromCoordinator = true;
    read += this.inboundFrom[this.workers]!.drain();
    this.fromCoordinator = false;
    this.flush();
    return read;
  }

  /** Reads up to `max` frames of a peer's ring, keeping IN_FLIGHT true. */
  protected drainPeer(link: Inbound, max = Number.POSITIVE_INFINITY): number {
    const read = link.drain(max);
    if (read > 0) Atomics.sub(this.control, IN_FLIGHT, read);
    return read;
  }

  protected flush(): void {
    const step = this.scheduler.step;
    for (const link of this.outbound) link?.flush(step);
    this.toCoordinator.flush(step);
  }

  protected backlog(): number {
    let frames = this.toCoordinator.backlog;
    for (const link of this.outbound) frames += link?.backlog ?? 0;
    return frames;
  }

  /**
   * Sleeps on this worker's bell, at most `ms`, unless a ring has frames
   * or `calm` (checked after the bell is read) says not to: whoever
   * changes what `calm` reads, then rings the bell, either is seen by the
   * check or wakes the sleep.
   */
  protected sleep(ms: number, calm?: () => boolean): void {
    if (this.spin()) return;
    const bell = bellOf(this.index);
    const seen = Atomics.load(this.control, bell);
    for (const link of this.inbound) link.setWaiting(true);
    // Re-check after advertising: a producer that published before seeing
    // the flag left frames we can see now (see the ring's wait protocol).
    if (
      this.inbound.every((link) => link.isEmpty()) &&
      (calm === undefined || calm())
    ) {
      Atomics.wait(this.control, bell, seen, ms);
    }
    for (const link of this.inbound) link.setWaiting(false);
    if (this.inbound.some((link) => !link.isEmpty())) this.misses = 0;
  }

  /**
   * Watches the rings briefly before sleeping, when there are cores to
   * spare: waking from Atomics.wait costs tens of microseconds, more than
   * a peer's reply often takes. The spin lasts at most SPIN_US; after
   * SPIN_MISSES spins in a row that found nothing, the worker stops
   * spinning until a sleep ends with a frame to read. With more workers
   * than cores it never spins: it would take the core its peer needs.
   */
  private spin(): boolean {
    if (!this.canSpin || this.misses >= SPIN_MISSES) return false;
    const end = performance.now() + SPIN_US / 1000;
    do {
      for (let i = 0; i < SPIN_LOOKS; i++) {
        for (const link of this.inbound) {
          if (!link.isEmpty()) {
            this.misses = 0;
            return true;
          }
        }
      }
    } while (performance.now() < end);
    this.misses++;
    return false;
  }

  /** This worker's figures, in FIGURE_SUMS order. */
  figureValues(into: number[] = []): number[] {
    const census = this.scheduler.census();
    const f = this.scheduler.figures;
    const values: Record<FigureName, number> = {
      components: census.components,
      queued: census.queued,
      timers: census.timers,
      pendingRequests: census.pendingRequests,
      names: census.names,
      subscriptions: census.subscriptions,
      watches: census.watches,
      spawned: f.spawned,
      died: f.died,
      sent: f.sent,
      delivered: f.delivered,
      deadLetters: f.deadLetters,
      lateReplies: f.lateReplies,
      timeouts: f.timeouts,
      handlerErrors: f.handlerErrors,
      eventsDropped: f.eventsDropped,
      eventsFiltered: f.eventsFiltered,
      forwards: this.forwards,
      migrations: this.migrations,
    };
    for (let i = 0; i < FIGURE_SUMS.length; i++) {
      into[i] = values[FIGURE_SUMS[i]!];
    }
    return into;
  }

  /** Reads the coordinator's ring once. */
  protected pumpCoordinator(): void {
    this.fromCoordinator = true;
    this.inboundFrom[this.workers]!.drain();
    this.fromCoordinator = false;
    this.flush();
  }
}
