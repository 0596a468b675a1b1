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
import { availableParallelism } from 'node:os';
import { type Address, formatAddress, outsideAddress } from '../address.js';
import { Barrier, type BarrierParty } from '../barrier/barrier.js';
import { componentClass, encodeState } from '../component.js';
import { debug } from '../diagnostics.js';
import { StateNotCloneableError, toRecord } from '../errors.js';
import { messageTypes } from '../message/message.js';
import { Timeout } from '../message/system.js';
import { Allocator } from '../scheduler/allocator.js';
import { type Envelope, Kind } from '../scheduler/envelope.js';
import { ExactSum } from '../scheduler/exact.js';
import type { Op as ServiceOp } from '../scheduler/ops.js';
import type { Partition } from '../scheduler/partition.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { Reduction } from '../scheduler/strict.js';
import type { WorkerConfig } from './config.js';
import {
  ALL_IDLE,
  bellOf,
  blocksOf,
  COORD_BELL,
  c2wSentOf,
  IDLE,
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
  FIRST_FRAMES_COLUMN,
  FIRST_LIMB,
  Min,
  Op,
  PerWorker,
  REDUCTION_COUNT,
  Sum,
} from './rounds.js';
import { Spreader } from './spread.js';

/** Messages handled between looks at the rings. */
const BATCH = 1024;
/** Longest work phase before a round, in ms. */
const SLICE_MS = 2;
/** Frames in an outbound overflow past which the worker stops handling. */
const HIGH_WATER = 65_536;
/** Bounds of the adaptive spin before sleeping, in looks at the rings. */
const MIN_SPIN = 16;
const MAX_SPIN = 1024;
/** Longest sleep while parked before looking again, in ms. */
const PARKED_NAP_MS = 50;

export class WorkerRuntime implements Partition {
  readonly index: number;
  readonly workers: number;
  private readonly config: WorkerConfig;
  private readonly control: Int32Array;
  private readonly barrier: BarrierParty;
  private readonly allocator: Allocator;
  private readonly scheduler: Scheduler;
  private readonly outbound: (Outbound | undefined)[] = [];
  private readonly inbound: Inbound[] = [];
  /** inboundFrom[w]: the ring from worker w (undefined for this one). */
  private readonly inboundFrom: (Inbound | undefined)[] = [];
  private readonly toCoordinator: Outbound;
  private readonly spreader: Spreader;
  private readonly outside: Address;
  private readonly epochWall: number;
  /** Outside asks in flight here (worker 0): request token -> ask id. */
  private readonly asks = new Map<number, number>();
  /** Messages held for components whose spawn is still on its way. */
  private readonly limbo = new Map<Address, Envelope[]>();
  private held = 0;
  /** Whether the frames being read come from the coordinator. */
  private fromCoordinator = false;
  /** Envelopes that already waited in limbo once: dead if still unknown. */
  private readonly released = new WeakSet<Envelope>();
  /** Scratch for this worker's share of the reduction. */
  private readonly limbs: number[] = [];
  /** Whether spinning can pay: no more workers than cores. */
  private readonly canSpin: boolean;
  private spinBudget: number;
  private epoch = 0;
  private clock = 0;
  private stepLimit = Infinity;
  private remoteSent = 0;
  private remoteReceived = 0;
  private outsideRead = 0;
  private spawnOpsSent = 0;
  private spawnOpsReceived = 0;

  constructor(config: WorkerConfig) {
    this.config = config;
    this.index = config.index;
    this.workers = config.workers;
    this.control = new Int32Array(config.control);
    this.barrier = Barrier.attach(config.barrier, config.index);
    this.epochWall = config.epochWall;
    this.outside = outsideAddress(config.host);
    this.spreader = new Spreader(config.spread, config.index, config.workers);
    this.canSpin = config.workers <= availableParallelism();
    this.spinBudget = this.canSpin ? MIN_SPIN : 0;
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
            );
    }
    this.toCoordinator = new Outbound(
      config.rings[this.index]![coordinator]!,
      `${this.index}->c`,
      () => ring(control, COORD_BELL),
      true,
    );
    this.scheduler = new Scheduler({
      host: config.host,
      checkBodies: config.checkBodies,
      ...(config.strict === undefined ? {} : { strict: config.strict }),
      outside: (envelope) => this.answerOutside(envelope),
      partition: this,
      allocator: this.allocator,
    });
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

  // ---- Partition ---------------------------------------------------------

  locate(address: Address): number {
    if (address === this.outside) return 0;
    return this.allocator.homeOf(address);
  }

  forward(worker: number, envelope: Envelope): void {
    this.outbound[worker]!.message(envelope, this.scheduler.step);
    this.remoteSent++; // only once accepted: a refused send is not in flight
  }

  call(worker: number, op: ServiceOp): void {
    this.outbound[worker]!.control(Op.Service, op);
    if (op.op === 'spawn') this.spawnOpsSent++;
  }

  spread(): number {
    return this.spreader.next();
  }

  // ---- frames from the rings (FrameSink) ---------------------------------

  onMessage(envelope: Envelope): void {
    if (envelope.sender === this.outside && this.fromCoordinator) {
      this.outsideRead++;
    } else {
      this.remoteReceived++;
    }
    this.scheduler.accept(envelope);
  }

  onControl(op: number, value: unknown): void {
    if (this.fromCoordinator) this.outsideRead++;
    const v = value as Record<string, unknown>;
    switch (op) {
      case Op.Service: {
        const service = value as ServiceOp;
        this.scheduler.perform(service);
        if (service.op === 'spawn') {
          this.spawnOpsReceived++;
          this.releaseHeld(service.address);
        }
        return;
      }
      case Op.Ask: {
        const type = messageTypes.get(v.type as number)!;
        const token = this.scheduler.requestFromOutside(
          v.target as Address,
          type,
          v.body,
          v.timeout as number,
        );
        this.asks.set(token, v.id as number);
        return;
      }
      case Op.Forget:
        for (const [token, id] of this.asks) {
          if (id !== v.id) continue;
          this.asks.delete(token);
          this.scheduler.forgetRequest(token);
        }
        return;
      case Op.State:
        this.readState(v.id as number, v.address as Address);
        return;
      case Op.Lookup:
        this.report(Op.LookupReply, {
          id: v.id,
          address: this.scheduler.services.resolve(v.name as string),
        });
        return;
    }
  }

  private readState(id: number, address: Address): void {
    const component = this.scheduler.component(address);
    if (component === undefined) {
      this.report(Op.StateReply, { id, missing: true });
      return;
    }
    let state: unknown;
    try {
      state = encodeState(component);
    } catch (cause) {
      const error = new StateNotCloneableError(
        `the state of ${component.constructor.name} at ` +
          `${formatAddress(address)} cannot be copied; give the class ` +
          `encode() and static decode()`,
        { cause },
      );
      this.report(Op.StateReply, { id, error: toRecord(error) });
      return;
    }
    this.report(Op.StateReply, { id, state });
  }

  /** Worker 0 only: replies and timeouts of the coordinator's asks. */
  private answerOutside(envelope: Envelope): boolean {
    const id = this.asks.get(envelope.token);
    if (id === undefined) return false;
    this.asks.delete(envelope.token);
    if (envelope.kind === Kind.Reply) {
      const { type, body, sender } = envelope;
      this.report(Op.Answer, { id, type: type.id, body, sender });
    } else if (envelope.type === Timeout) {
      this.report(Op.Answer, { id, timeout: envelope.body });
    } else {
      return false;
    }
    return true;
  }

  private report(op: number, value: unknown): void {
    this.toCoordinator.control(op, value);
    this.toCoordinator.flush(this.scheduler.step);
  }

  // ---- the loop ----------------------------------------------------------

  /** Reads every inbound ring once, then writes what is pending. */
  private pump(): number {
    let read = 0;
    const coordinatorRing = this.inbound.length - 1;
    for (let i = 0; i < this.inbound.length; i++) {
      this.fromCoordinator = i === coordinatorRing;
      read += this.inbound[i]!.drain();
    }
    this.fromCoordinator = false;
    this.flush();
    return read;
  }

  private flush(): void {
    const step = this.scheduler.step;
    for (const link of this.outbound) link?.flush(step);
    this.toCoordinator.flush(step);
  }

  private backlog(): number {
    let frames = this.toCoordinator.backlog;
    for (const link of this.outbound) frames += link?.backlog ?? 0;
    return frames;
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

  /** Reads, from every peer, the frames it had sent when it arrived. */
  private readStep(): void {
    const b = this.barrier;
    for (let p = 0; p < this.workers; p++) {
      const link = this.inboundFrom[p];
      if (link === undefined) continue;
      const due = b.perParty(p, FIRST_FRAMES_COLUMN + this.index);
      while (link.received < due) {
        if (link.drain(due - link.received) === 0) {
          // The peer is still writing its overflow: let it, and keep ours
          // moving so that it is never stuck behind us.
          this.flush();
          this.sleep(1);
        }
      }
    }
    this.flush();
  }

  private pumpCoordinator(): void {
    this.fromCoordinator = true;
    this.inboundFrom[this.workers]!.drain();
    this.fromCoordinator = false;
    this.flush();
  }

  /** The reduction of the step that just ended, over every worker. */
  private globalReduction(): Reduction {
    const b = this.barrier;
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
   * on its bell until a frame arrives or the slice ends, so messages from a
   * busy peer are handled as they come.
   */
  private workPhase(): void {
    const s = this.scheduler;
    const end = performance.now() + SLICE_MS;
    for (;;) {
      this.pump();
      const descheduled = this.backlog() > HIGH_WATER;
      if (!descheduled) {
        const now = this.now();
        if (this.canStep() && (s.queued > 0 || s.earliestTimer <= now)) {
          s.beginStep(now);
        }
        s.work(BATCH);
        this.flush();
      }
      const left = end - performance.now();
      if (left <= 0) return;
      if (this.runnable() === 0 && this.backlog() === 0 && this.idle(left)) {
        return;
      }
    }
  }

  /**
   * Sleeps while idle, at most `ms`; returns true when every worker is
   * idle, so the round need not wait for the slice to end. The last worker
   * to go idle bumps ALL_IDLE and rings every bell; the others see the
   * bump when they wake. A frame that slips in meanwhile is not lost: the
   * round sees it in flight and goes on.
   */
  private idle(ms: number): boolean {
    const control = this.control;
    const call = Atomics.load(control, ALL_IDLE);
    if (Atomics.add(control, IDLE, 1) + 1 === this.workers) {
      Atomics.sub(control, IDLE, 1);
      Atomics.add(control, ALL_IDLE, 1);
      for (let w = 0; w < this.workers; w++) {
        if (w !== this.index) ring(control, bellOf(w));
      }
      return true;
    }
    this.sleep(ms);
    Atomics.sub(control, IDLE, 1);
    return Atomics.load(control, ALL_IDLE) !== call;
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
    b.setSum(Sum.Limbo, this.held);
    b.setSum(Sum.SpawnOpsSent, this.spawnOpsSent);
    b.setSum(Sum.SpawnOpsReceived, this.spawnOpsReceived);
    const values = this.figureValues();
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
    return b.arrive();
  }

  /** This worker's figures, in FIGURE_SUMS order. */
  figureValues(): number[] {
    const s = this.scheduler;
    const values: Record<string, number> = {
      ...s.census(),
      ...countersOf(s.figures),
    };
    return FIGURE_SUMS.map((name) => values[name] ?? 0);
  }

  /** The verdict of the round just completed; the same in every worker. */
  private verdict(): 'go' | 'jump' | 'wait' | 'park' {
    const b = this.barrier;
    if (b.sum(Sum.ParkSeen) > 0) return 'park';
    const inFlight =
      b.sum(Sum.RemoteSent) -
      b.sum(Sum.RemoteReceived) +
      b.sum(Sum.Overflow) +
      b.sum(Sum.OutsideUnread) +
      b.sum(Sum.SpawnOpsSent) -
      b.sum(Sum.SpawnOpsReceived);
    if (b.sum(Sum.Queued) > 0 || inFlight > 0) return 'go';
    if (b.sum(Sum.Limbo) > 0) return 'go'; // limbo resolves next round
    const earliest = b.min(Min.EarliestTimer);
    if (earliest === Infinity) return 'park';
    return this.config.clock === 'real' ? 'wait' : 'jump';
  }

  /** Real clock, nothing to do but timers: sleep until the first is due. */
  private waitForTimer(): void {
    const due = this.barrier.min(Min.EarliestTimer) - this.wall();
    if (due > 0) this.sleep(due);
  }

  /**
   * A message to a component born here that is not here (yet): its spawn
   * may still be on its way from the worker that spawned it. It waits in
   * limbo until a round shows every spawn in flight landed.
   */
  hold(envelope: Envelope): boolean {
    if (this.released.has(envelope)) return false; // dead after all
    if (this.locate(envelope.target) !== this.index) return false;
    const waiting = this.limbo.get(envelope.target);
    if (waiting === undefined) this.limbo.set(envelope.target, [envelope]);
    else waiting.push(envelope);
    this.held++;
    return true;
  }

  /**
   * The component at `address` just arrived: what waited for it goes to
   * the queue now, ahead of anything its senders send from here on, so
   * per-sender order holds.
   */
  private releaseHeld(address: Address): void {
    const waiting = this.limbo.get(address);
    if (waiting === undefined) return;
    this.limbo.delete(address);
    this.held -= waiting.length;
    for (const envelope of waiting) this.scheduler.accept(envelope);
  }

  /** After a round with no spawn in flight, the rest is for the dead. */
  private releaseLimbo(): void {
    const b = this.barrier;
    if (this.held === 0) return;
    if (b.sum(Sum.SpawnOpsSent) !== b.sum(Sum.SpawnOpsReceived)) return;
    for (const waiting of this.limbo.values()) {
      for (const envelope of waiting) {
        this.released.add(envelope);
        this.scheduler.accept(envelope);
      }
    }
    this.limbo.clear();
    this.held = 0;
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

  /** Sleeps on this worker's bell, at most `ms`, unless a ring has frames. */
  private sleep(ms: number): void {
    if (this.spin()) return;
    const bell = bellOf(this.index);
    const seen = Atomics.load(this.control, bell);
    for (const link of this.inbound) link.setWaiting(true);
    // Re-check after advertising: a producer that published before seeing
    // the flag left frames we can see now (see the ring's wait protocol).
    if (this.inbound.every((link) => link.isEmpty())) {
      Atomics.wait(this.control, bell, seen, ms);
    }
    for (const link of this.inbound) link.setWaiting(false);
  }

  /**
   * Watches the rings briefly before sleeping, when there are cores to
   * spare: waking from Atomics.wait costs tens of microseconds. The budget
   * adapts: it doubles when a spin found a frame, halves when it did not.
   * With more workers than cores it stays 0, for a spinning thread would
   * take the core its peer needs to send.
   */
  private spin(): boolean {
    for (let i = 0; i < this.spinBudget; i++) {
      for (const link of this.inbound) {
        if (!link.isEmpty()) {
          this.spinBudget = Math.min(this.spinBudget * 2, MAX_SPIN);
          return true;
        }
      }
    }
    this.spinBudget = this.spinBudget >> 1 || (this.canSpin ? MIN_SPIN : 0);
    return false;
  }

  /** The worker's answer to a failure: tell the coordinator, then stop. */
  fail(error: unknown): void {
    debug('worker %d failed: %s', this.index, String(error));
    const figures = this.figureValues();
    this.toCoordinator.control(Op.Failure, { error: toRecord(error), figures });
    this.toCoordinator.flush(this.scheduler.step);
  }
}

function countersOf(f: Scheduler['figures']): Record<string, number> {
  return {
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
  };
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
