/**
 * A worker of the threaded engine: the piscina task that runs one
 * partition for the machine's whole life.
 *
 * Parked, the worker sleeps on its bell and serves the coordinator's
 * frames (sends, state reads, asks). Running, it alternates a work phase
 * (read the rings, handle messages, write the rings, for one time slice or
 * until idle) with a barrier round where every worker reports its counters
 * and all reach the same verdict: go on, jump the clock to the next timer,
 * or park (quiet, step limit, or the coordinator asked).
 */
import type { Address } from '../address.js';
import { componentClass } from '../component.js';
import { debug } from '../diagnostics.js';
import { toRecord } from '../errors.js';
import { messageTypes } from '../message/message.js';
import { ExactSum } from '../scheduler/exact.js';
import { EMPTY_REDUCTION, type Reduction } from '../scheduler/strict.js';
import type { WorkerConfig } from './config.js';
import {
  bellOf,
  c2wSentOf,
  IDLE,
  IN_FLIGHT,
  PARK,
  ROUND_CALL,
  RUN_EPOCH,
  RUN_STEPS,
  ring,
  SHUTDOWN,
} from './control.js';
import { MigratingPeer } from './migration.js';
import {
  FIRST_FIGURE_COLUMN,
  FIRST_FRAMES_COLUMN,
  FIRST_LIMB,
  Min,
  Op,
  PerWorker,
  REDUCTION_COUNT,
  Sum,
} from './rounds.js';

/** Messages handled between looks at the rings. */
const BATCH = 1024;
/** Most messages handled between two publishes of the outbound rings. */
const PUBLISH_EVERY = 64;
/**
 * Longest wanted time between two publishes, in ms. A peer waiting for
 * this worker's frames idles meanwhile: with handlers of tens of
 * microseconds, 64 messages would keep it waiting for milliseconds, so
 * the number of messages between publishes adapts to their cost.
 */
const PUBLISH_MS = 0.05;
/**
 * Longest work phase before a round, in ms. Each round costs a worker
 * the wait for its slowest peer, and a peer asleep in Atomics.wait can
 * take hundreds of microseconds to wake on a VM whose idle vCPU was
 * descheduled: at 2 ms slices that wait was a fifth of a busy run.
 */
const SLICE_MS = 10;
/** Frames in an outbound overflow past which the worker stops handling. */
const HIGH_WATER = 65_536;
/** Longest sleep while parked before looking again, in ms. */
const PARKED_NAP_MS = 50;

export class WorkerRuntime extends MigratingPeer {
  private readonly epochWall: number;
  /** Scratch for this worker's share of the reduction, and its figures. */
  private readonly limbs: number[] = [];
  private readonly figureScratch: number[] = [];
  private epoch = 0;
  private clock = 0;
  private stepLimit = Infinity;
  /** Messages handled between publishes now: 1 .. PUBLISH_EVERY. */
  private chunk = PUBLISH_EVERY;

  constructor(config: WorkerConfig) {
    super(config);
    this.epochWall = config.epochWall;
  }

  /** Starts the root (worker 0), says hello, then serves until shutdown. */
  main(): void {
    let root: Address | undefined;
    if (this.index === 0) {
      const cls = componentClass(this.config.component);
      root = this.scheduler.spawnRoot(
        new cls(...(this.config.args as never[])),
      );
    }
    this.report(Op.Hello, { fingerprint: messageTypes.fingerprint(), root });
    debug('worker %d of %d started', this.index, this.workers);
    while (Atomics.load(this.control, SHUTDOWN) === 0) {
      this.pump();
      const epoch = Atomics.load(this.control, RUN_EPOCH);
      if (epoch !== this.epoch) {
        this.epoch = epoch;
        this.run(Atomics.load(this.control, RUN_STEPS));
      } else {
        this.sleep(PARKED_NAP_MS);
      }
    }
  }

  /**
   * One run. In the loose mode each worker counts its own steps: a run of
   * `steps` lets every worker begin at most that many; -1 means no limit.
   */
  private run(steps: number): void {
    if (this.config.strict !== undefined) {
      this.runStrict(steps);
      return;
    }
    this.stepLimit = steps < 0 ? Infinity : this.scheduler.step + steps;
    // Real time went on while parked; the first round agrees on it again.
    if (this.config.clock === 'real') this.clock = this.wall();
    for (;;) {
      this.workPhase();
      const round = this.arrive();
      const verdict = this.verdict();
      // One clock for the machine, moved only here: in real time to the
      // latest wall clock any worker brought to the round.
      if (this.config.clock === 'real') {
        this.clock = -this.barrier.min(Min.NegatedWall);
      }
      this.releaseLimbo();
      if (verdict === 'park') {
        this.park(round);
        return;
      }
      if (this.migrationDue(round)) {
        this.readStep();
        this.exchange();
      }
      if (verdict === 'jump') this.clock = this.barrier.min(Min.EarliestTimer);
      else if (verdict === 'wait') this.waitForTimer();
    }
  }

  /**
   * One run in the strict mode: every round is one step for every worker.
   *
   *   arrive -> verdict -> read exactly the frames sent before the round
   *          -> park, or: begin the step (ordered inbox) and handle it all
   *
   * A worker reads, from each peer, exactly the frames that peer had sent
   * when it arrived: the ring is FIFO, so a fast peer's frames of the next
   * step stay behind them, unread, until the next round.
   */
  private runStrict(steps: number): void {
    const s = this.scheduler;
    const limit = steps < 0 ? Infinity : s.step + steps;
    this.stepLimit = Infinity;
    if (this.config.clock === 'real') this.clock = this.wall();
    // What the outside sent before this run is published by now (before
    // the run's epoch, which we loaded): read it, so that it is handled in
    // the first step, as on one thread, and not in the first or second
    // depending on whether the parked loop read it before the epoch.
    this.pumpCoordinator();
    for (;;) {
      const round = this.arrive();
      const verdict = this.verdict();
      if (this.config.clock === 'real') {
        this.clock = -this.barrier.min(Min.NegatedWall);
      }
      this.readStep();
      if (verdict === 'park' || s.step >= limit) {
        this.park(round);
        return;
      }
      if (this.migrationDue(round)) this.exchange();
      if (verdict === 'jump') this.clock = this.barrier.min(Min.EarliestTimer);
      else if (verdict === 'wait') this.waitForTimer();
      s.beginStep(this.clock, this.globalReduction());
      while (!s.stepDone) {
        s.work(BATCH);
        this.flush();
      }
      this.pumpCoordinator();
    }
  }

  /** The reduction of the step that just ended, over every worker. */
  private globalReduction(): Reduction {
    const b = this.barrier;
    if (b.sum(REDUCTION_COUNT) === 0) return EMPTY_REDUCTION;
    return {
      count: b.sum(REDUCTION_COUNT),
      sum: ExactSum.fromLimbSums((i) => b.sum(FIRST_LIMB + i)),
      min: b.min(Min.ReductionMin),
      max: -b.min(Min.ReductionNegatedMax),
    };
  }

  /**
   * Loose mode: handle what comes, for one time slice. An idle worker does
   * not hurry to the barrier (where it could not read its rings): it sleeps
   * on its bell until a frame arrives, the slice ends, or the round is
   * called, so messages from a busy peer are handled as they come.
   */
  private workPhase(): void {
    const end = performance.now() + this.sliceMs();
    const called = Atomics.load(this.control, ROUND_CALL);
    for (;;) {
      this.pump();
      const descheduled = this.backlog() > HIGH_WATER;
      if (!descheduled) {
        this.batch(end);
        this.flush();
      }
      const left = end - performance.now();
      if (left <= 0) {
        // This worker goes to the round. A peer that is idle now, or goes
        // idle later, would sleep until its own slice ends (and waking
        // from a timed Atomics.wait can take a tenth of a slice on a busy
        // VM) while this one waits at the barrier: call it now.
        this.callRound();
        return;
      }
      if (this.runnable() === 0 && this.backlog() === 0) {
        if (this.idle(left, called)) return;
      }
    }
  }

  /**
   * The length of the next work phase. On the real-time clock a timer
   * fires only after a round has moved the clock past its due time, so a
   * worker ends its slice when its earliest timer is due (and calls the
   * others to the round).
   */
  private sliceMs(): number {
    if (this.config.clock !== 'real') return SLICE_MS;
    const due = this.scheduler.earliestTimer - this.now();
    return due < SLICE_MS ? Math.max(0, due) : SLICE_MS;
  }

  /**
   * Sleeps while idle, at most `ms`; returns true when the round has been
   * called since the work phase began (ROUND_CALL is no longer `called`):
   * by the last worker to go idle (every worker is idle, so the round
   * need not wait for the slices to end), or by a worker whose slice
   * ended. A frame that slips in meanwhile is not lost: the round sees it
   * in flight and goes on.
   */
  private idle(ms: number, called: number): boolean {
    const control = this.control;
    const calm = () => Atomics.load(control, ROUND_CALL) === called;
    if (!calm()) return true;
    const last = Atomics.add(control, IDLE, 1) + 1 === this.workers;
    // Every worker idle and nothing unread: the round can come now. With a
    // frame still unread, its reader is about to wake and work.
    if (last && Atomics.load(control, IN_FLIGHT) <= 0) {
      Atomics.sub(control, IDLE, 1);
      this.callRound();
      return true;
    }
    this.sleep(ms, calm);
    Atomics.sub(control, IDLE, 1);
    return !calm();
  }

  /**
   * Bumps ROUND_CALL, then rings every other worker's bell: a sleeper
   * that loaded its bell before the ring is woken by it, and one that
   * loads it after sees the new ROUND_CALL (see WorkerPeer.sleep).
   */
  private callRound(): void {
    Atomics.add(this.control, ROUND_CALL, 1);
    for (let w = 0; w < this.workers; w++) {
      if (w !== this.index) ring(this.control, bellOf(w));
    }
  }

  /**
   * Handles up to BATCH messages, beginning as many steps as they take: a
   * step is only "what was queued when it began", and a chain of replies
   * (a ping-pong, a token passed round a ring) makes steps of one message
   * each. The rings are read between batches, and written every few
   * messages (see PUBLISH_MS); a batch ends early at the slice's `end`.
   */
  private batch(end: number): void {
    const s = this.scheduler;
    const now = this.now();
    let budget = BATCH;
    let handled = 0; // since the last publish
    let began = performance.now();
    while (budget > 0) {
      if (s.stepDone) {
        if (!this.canStep()) return;
        if (s.queued === 0 && s.earliestTimer > now) return;
        s.beginStep(now);
      }
      const n = s.work(Math.min(budget, this.chunk - handled));
      budget -= n;
      handled += n;
      if (handled < this.chunk) continue;
      this.flush();
      // One clock read per chunk: halve the chunk while chunks take
      // longer than PUBLISH_MS, double it while they take under a
      // quarter of that.
      const done = performance.now();
      const took = done - began;
      if (took > PUBLISH_MS) this.chunk = Math.max(1, this.chunk >> 1);
      else if (took < PUBLISH_MS / 4 && this.chunk < PUBLISH_EVERY) {
        this.chunk <<= 1;
      }
      if (done >= end) return;
      handled = 0;
      began = done;
    }
  }

  /** Whether this worker may begin another step in this run. */
  private canStep(): boolean {
    return this.scheduler.stepDone && this.scheduler.step < this.stepLimit;
  }

  /** Messages (and wake-ups) this worker could still handle this run. */
  private runnable(): number {
    const s = this.scheduler;
    const work = s.queued + (s.order?.wakerCount ?? 0);
    if (!s.stepDone) return work;
    return s.step < this.stepLimit ? work : 0;
  }

  private now(): number {
    return this.clock;
  }

  private wall(): number {
    return performance.timeOrigin + performance.now() - this.epochWall;
  }

  /**
   * Reports this worker's counters and waits for the round, writing its
   * overflow meanwhile (see arriveWriting).
   */
  private arrive(): number {
    const b = this.barrier;
    const s = this.scheduler;
    const outsideSent = Atomics.load(this.control, c2wSentOf(this.index));
    const parkAsked =
      Atomics.load(this.control, PARK) | Atomics.load(this.control, SHUTDOWN);
    b.setSum(Sum.Queued, this.runnable());
    b.setSum(Sum.RemoteSent, this.remoteSent);
    b.setSum(Sum.RemoteReceived, this.remoteReceived);
    b.setSum(Sum.Overflow, this.backlog());
    b.setSum(Sum.ParkSeen, parkAsked === 0 ? 0 : 1);
    b.setSum(Sum.OutsideUnread, outsideSent - this.outsideRead);
    b.setSum(Sum.Limbo, this.limbo.size);
    b.setSum(Sum.SpawnOpsSent, this.spawnOpsSent);
    b.setSum(Sum.SpawnOpsReceived, this.spawnOpsReceived);
    // A worker at its step limit moves nobody more in this run, as it
    // handles nothing more (a move may wait for a message to be handled).
    b.setSum(Sum.MovesAsked, s.step < this.stepLimit ? s.moveAsked.size : 0);
    this.prepareMoves(b.round + 1);
    const values = this.figureValues(this.figureScratch);
    for (let i = 0; i < values.length; i++) {
      b.setPerParty(FIRST_FIGURE_COLUMN + i, values[i]!);
    }
    // Timers of a worker at its step limit cannot fire in this run.
    b.setMin(
      Min.EarliestTimer,
      s.step < this.stepLimit ? s.earliestTimer : Infinity,
    );
    b.setMin(Min.NegatedWall, -this.wall());
    b.setMin(Min.Clock, this.now());
    b.setPerParty(PerWorker.SentAcross, this.remoteSent);
    b.setPerParty(PerWorker.Overflow, this.backlog());
    b.setPerParty(PerWorker.Step, s.step);
    for (let w = 0; w < this.workers; w++) {
      b.setPerParty(FIRST_FRAMES_COLUMN + w, this.outbound[w]?.frames ?? 0);
    }
    const order = s.order;
    if (order !== undefined) {
      const share = order.partial(this.limbs);
      b.setSum(REDUCTION_COUNT, share.count);
      for (let i = 0; i < this.limbs.length; i++) {
        b.setSum(FIRST_LIMB + i, this.limbs[i]!);
      }
      b.setMin(Min.ReductionMin, share.min);
      b.setMin(Min.ReductionNegatedMax, -share.max);
    }
    return this.arriveWriting();
  }

  /** The verdict of the round just completed; the same in every worker. */
  private verdict(): 'go' | 'jump' | 'wait' | 'park' {
    const b = this.barrier;
    if (b.sum(Sum.ParkSeen) > 0) return 'park';
    // In the strict mode the messages and spawns counted are exactly those
    // of the step just ended: each worker read every frame due before it
    // began the step. Overflow is not counted there: a peer may still be
    // reading, from a slow worker's overflow, frames due in the round
    // before (a migration round's, often), and counting them made the
    // number of steps of a run depend on timing.
    const inFlight =
      b.sum(Sum.RemoteSent) -
      b.sum(Sum.RemoteReceived) +
      (this.config.strict === undefined ? b.sum(Sum.Overflow) : 0) +
      b.sum(Sum.OutsideUnread) +
      b.sum(Sum.SpawnOpsSent) -
      b.sum(Sum.SpawnOpsReceived);
    if (b.sum(Sum.Queued) > 0 || inFlight > 0) return 'go';
    if (b.sum(Sum.Limbo) > 0) return 'go'; // limbo resolves next round
    // A move asked in the step just ended is made at this round, and its
    // Migrated handled in the next step, in both modes: the end of a run
    // must not leave it for a later run (or for ever, on a quiet machine).
    if (b.sum(Sum.MovesAsked) > 0) return 'go';
    const earliest = b.min(Min.EarliestTimer);
    if (earliest === Infinity) return 'park';
    return this.config.clock === 'real' ? 'wait' : 'jump';
  }

  /** Real clock, nothing to do but timers: sleep until the first is due. */
  private waitForTimer(): void {
    const due = this.barrier.min(Min.EarliestTimer) - this.wall();
    if (due > 0) this.sleep(due);
  }

  /** After a round with no spawn in flight, limbo goes to the queue. */
  private releaseLimbo(): void {
    const b = this.barrier;
    if (this.limbo.size === 0) return;
    if (b.sum(Sum.SpawnOpsSent) !== b.sum(Sum.SpawnOpsReceived)) return;
    for (const envelope of this.limbo.releaseAll()) {
      this.scheduler.accept(envelope);
    }
  }

  /** Every worker parks at the same round and says so to the coordinator. */
  private park(round: number): void {
    debug('worker %d parks at round %d', this.index, round);
    this.report(Op.Parked, {
      epoch: this.epoch,
      round,
      deadLettersByType: Object.fromEntries(
        this.scheduler.figures.deadLettersByType,
      ),
    });
  }

  /** The worker's answer to a failure: tell the coordinator, then stop. */
  fail(error: unknown): void {
    debug('worker %d failed: %s', this.index, String(error));
    const figures = this.figureValues();
    this.toCoordinator.control(Op.Failure, { error: toRecord(error), figures });
    this.toCoordinator.flush(this.scheduler.step);
  }
}

/** The piscina task: one per worker, returning only at shutdown. */
export default async function circoWorker(config: WorkerConfig) {
  let runtime: WorkerRuntime | undefined;
  try {
    await import(config.moduleUrl);
    runtime = new WorkerRuntime(config);
    runtime.main();
    return { ok: true };
  } catch (error) {
    if (runtime !== undefined) runtime.fail(error);
    // The figures ride along: the coordinator may stop reading the rings
    // before the failure frame arrives.
    return {
      ok: false,
      error: toRecord(error),
      figures: runtime?.figureValues(),
    };
  }
}
