/**
 * A reusable barrier for N threads on Atomics.wait/notify that carries
 * reductions. Each round every party contributes a row and every party
 * leaves with the sums (added in party order 0..N-1 from +0, so float sums
 * are bit-identical in every thread and run), the minimums, and everyone's
 * per-party columns. A coordinator that is not a party watches rounds
 * complete with Atomics.waitAsync and never blocks anyone.
 *
 * One SharedArrayBuffer (names in ./layout.ts; w = Int32 word, d = Float64):
 *
 *   line 0    w0..7  MAGIC PARTIES SUMS MINS PER_PARTY HISTORY SPIN TIMEOUT
 *   line 1    w16    GEN      completed rounds mod 2^30, or BROKEN|party
 *   line 2    w32    ARRIVED  parties counted into the open round
 *   line 3..  w48+p  ARRIVAL[p]  masked round party p last entered
 *             stampsWord+s  STAMP[s]  round held by results slot s
 *   rowsAt    d  ROWS[party] = sums|mins|perParty, padded to 64 B
 *   resultsAt d  RESULTS[slot] = sums|mins|perParty of parties 0..N-1;
 *                round r writes slot r & (HISTORY - 1)
 *
 * Single writers: line 0, create() only. ROWS[p] and ARRIVAL[p], party p
 * only. STAMP, RESULTS and the ARRIVED reset, the last arriver of the round
 * (exactly one thread per round). ARRIVED is otherwise only added to. GEN
 * changes only by CAS from the open round's value: to the next generation
 * by the last arriver, or to BROKEN by a timed-out party; one of them wins.
 *
 * Reuse (fast thread in round r + 1, slow one still leaving round r):
 * - ROWS are read only by round r's last arriver, before its GEN CAS; a
 *   party writes its row for r + 1 only after it loaded that new GEN. So
 *   one set of rows suffices (no parity buffers needed).
 * - RESULTS of r are read by parties until they arrive again; the round
 *   that next writes slot r & (HISTORY - 1) is r + HISTORY >= r + 2, whose
 *   last arriver comes after every party has arrived in r + 1. HISTORY > 2
 *   only buys slack for the coordinator, which is never waited for.
 * - ARRIVED is reset before the GEN CAS, and parties add for r + 1 only
 *   after loading the new GEN, so no arrival is lost or counted twice.

 * Hot path (arrive, setters, getters) allocates nothing: typed arrays only.
 */

import { type CircoError, InvalidArgumentError } from '../errors.js';
import { BarrierCoordinator } from './coordinator.js';
import {
  allocate,
  type BarrierLayout,
  type BarrierOptions,
  BROKEN,
  GEN_MASK,
  layoutFor,
  layoutOf,
  NO_ROUND,
  W_ARRIVALS,
  W_ARRIVED,
  W_GEN,
} from './layout.js';
import {
  brokenError,
  checkIndex,
  checkTimeout,
  INFINITY,
  RoundResults,
} from './results.js';

/** Shortest and longest sleep between a waiting party's chores, in ms. */
const WAIT_SLICE_MIN_MS = 0.05;
const WAIT_SLICE_MAX_MS = 2;
/**
 * Spins in a row that ended in a sleep of SPIN_PAYS_MS or more, after
 * which a party sleeps at once, until a sleep ends sooner than that.
 */
const SPIN_MISSES = 4;
const SPIN_PAYS_MS = 0.2;

export { BarrierCoordinator } from './coordinator.js';
export type { BarrierLayout, BarrierOptions } from './layout.js';
export {
  BARRIER_DEFAULT_HISTORY,
  BARRIER_DEFAULT_SPIN,
  BARRIER_MAX_COLUMNS,
  BARRIER_MAX_HISTORY,
  BARRIER_MAX_PARTIES,
} from './layout.js';

/**
 * One thread's handle on the barrier. Stage a contribution with the
 * setters (values persist across rounds until set again), call `arrive`,
 * then read the round's results with `sum`, `min` and `perParty`.
 * Before the first arrive() returns the results read as 0.
 */
export class BarrierParty extends RoundResults {
  /** This party's index, 0..parties-1. */
  readonly party: number;
  private readonly words: Int32Array;
  private readonly row: Float64Array;
  private readonly scratch: Float64Array;
  private next: number;
  /** Spins in a row that ended in a long sleep (see SPIN_MISSES). */
  private misses = 0;

  /** Use `Barrier.attach`. */
  constructor(buffer: SharedArrayBuffer, layout: BarrierLayout, party: number) {
    super(layout, new Float64Array(buffer));
    checkIndex('party', party, layout.parties);
    this.party = party;
    this.words = new Int32Array(buffer);
    this.row = new Float64Array(layout.rowWidth);
    this.scratch = new Float64Array(layout.resultWidth);
    // The open round is the one this party has not arrived in yet (GEN
    // cannot pass it without us); assumes fewer than 2^30 rounds so far.
    const word = Atomics.load(this.words, W_GEN);
    if ((word & BROKEN) !== 0) throw this.failure(0, word);
    this.next = word;
    this.at = this.slotAt(word - 1);
  }

  /** Index of the round arrive() last returned, -1 before the first. */
  get round(): number {
    return this.next - 1;
  }

  /** Sets this party's contribution to sum column `i`. */
  setSum(i: number, value: number): void {
    checkIndex('sum column', i, this.layout.sums);
    this.row[i] = value;
  }

  /** Sets this party's contribution to min column `i`. */
  setMin(i: number, value: number): void {
    checkIndex('min column', i, this.layout.mins);
    this.row[this.layout.sums + i] = value;
  }

  /** Sets this party's own value in per-party column `i`. */
  setPerParty(i: number, value: number): void {
    checkIndex('perParty column', i, this.layout.perParty);
    this.row[this.layout.sums + this.layout.mins + i] = value;
  }

  /**
   * Contributes the staged row and blocks until every party has arrived in
   * this round; returns the round's index (0, 1, ...). Throws
   * BarrierTimeoutError if this party waits longer than `timeoutMs` (which
   * breaks the barrier for everyone) or if the barrier is broken.
   */
  arrive(
    timeoutMs: number = this.layout.timeoutMs,
    whileWaiting?: () => boolean,
  ): number {
    checkTimeout(timeoutMs);
    const { words, layout } = this;
    const round = this.next;
    const expected = round & GEN_MASK;
    // GEN cannot move past `expected` without our arrival, so any other
    // value means broken (or this party index attached twice).
    const entry = Atomics.load(words, W_GEN);
    if (entry !== expected) throw this.failure(round, entry);
    // Plain writes to our row; the add below releases them. The previous
    // round's last arriver read it before moving GEN, which we loaded.
    this.view.set(this.row, layout.rowsAt + this.party * layout.rowStride);
    // ARRIVAL only feeds timeout reports; written before we are counted.
    Atomics.store(words, W_ARRIVALS + this.party, expected);
    // All adds of a round form one RMW chain: ours releases our row, and
    // the last one acquires every row written before the earlier adds.
    if (Atomics.add(words, W_ARRIVED, 1) === layout.parties - 1) {
      this.combine();
      this.publish(round, expected);
      // Reset before GEN moves: parties add for round + 1 only after they
      // load the new GEN, so they count from 0.
      Atomics.store(words, W_ARRIVED, 0);
      // The CAS releases RESULTS to whoever loads GEN next. It fails only
      // if a timed-out party broke the round first.
      const seen = Atomics.compareExchange(
        words,
        W_GEN,
        expected,
        (round + 1) & GEN_MASK,
      );
      if (seen !== expected) throw this.failure(round, seen);
      // Pairs with Atomics.wait in waitFor and waitAsync in nextRound.
      Atomics.notify(words, W_GEN);
    } else {
      this.waitFor(round, expected, timeoutMs, whileWaiting);
    }
    this.next = round + 1;
    this.at = this.slotAt(round);
    return round;
  }

  private slotAt(round: number): number {
    const { resultsAt, history, resultStride } = this.layout;
    return resultsAt + (round & (history - 1)) * resultStride;
  }

  /** Last arriver only: reduce ROWS into scratch. */
  private combine(): void {
    const { view, scratch } = this;
    const { parties, sums, mins, perParty, rowStride } = this.layout;
    const rows = this.layout.rowsAt;
    for (let c = 0; c < sums; c++) {
      let acc = 0; // canonical: +0, then party 0, 1, ..., N-1
      for (let p = 0; p < parties; p++) acc += view[rows + p * rowStride + c];
      scratch[c] = acc;
    }
    for (let c = sums; c < sums + mins; c++) {
      let acc = INFINITY;
      for (let p = 0; p < parties; p++) {
        acc = Math.min(acc, view[rows + p * rowStride + c]);
      }
      scratch[c] = acc;
    }
    let out = sums + mins;
    for (let p = 0; p < parties; p++) {
      const from = rows + p * rowStride + sums + mins;
      for (let c = 0; c < perParty; c++) scratch[out++] = view[from + c];
    }
  }

  /** Last arriver only: copy scratch into RESULTS under its STAMP. */
  private publish(round: number, expected: number): void {
    const words = this.words;
    const stamp = this.layout.stampsWord + (round & (this.layout.history - 1));
    // Seqlock for the coordinator: STAMP is cleared before the data and
    // set after it. The data goes in with one plain copy: an SC store per
    // word cost about 20 ns each, 5 us a round for the engine's 125
    // columns. Parties need no more: they read the slot only after loading
    // the GEN that the CAS below releases. For the coordinator's seqlock
    // the clear must be visible before any data store; the SC load after
    // the SC store orders them on x86 (whose stores stay in order anyway)
    // and on ARMv8 (stlr then ldar, then the stores).
    Atomics.store(words, stamp, NO_ROUND);
    Atomics.load(words, stamp);
    this.view.set(this.scratch, this.slotAt(round));
    Atomics.store(words, stamp, expected);
  }

  /**
   * Waits for the round to complete. With `whileWaiting`, the party keeps
   * doing its own chores (a worker keeps its rings moving, so that a peer
   * that must write to it before arriving can): it sleeps in short slices,
   * from WAIT_SLICE_MIN_MS doubling to WAIT_SLICE_MAX_MS while the chores
   * find nothing to do, back to the shortest as soon as they do.
   */
  private waitFor(
    round: number,
    expected: number,
    timeoutMs: number,
    whileWaiting?: () => boolean,
  ): void {
    const words = this.words;
    // Spin on GEN first (0 iterations when parties outnumber cores, and
    // none after SPIN_MISSES spins in a row that ended in a long sleep).
    let word = Atomics.load(words, W_GEN);
    const spin = this.misses < SPIN_MISSES ? this.layout.spin : 0;
    for (let i = spin; i > 0 && word === expected; i--) {
      word = Atomics.load(words, W_GEN);
    }
    if (word !== expected) {
      this.misses = 0;
      if (word !== ((round + 1) & GEN_MASK)) throw this.failure(round, word);
      return;
    }
    const slept = performance.now();
    const deadline = timeoutMs === INFINITY ? INFINITY : slept + timeoutMs;
    let slice = WAIT_SLICE_MIN_MS;
    while (word === expected) {
      const left =
        deadline === INFINITY ? INFINITY : deadline - performance.now();
      if (left <= 0) {
        word = this.breakRound(round, expected, timeoutMs);
        break;
      }
      let nap = left;
      if (whileWaiting !== undefined) {
        slice = whileWaiting()
          ? WAIT_SLICE_MIN_MS
          : Math.min(slice * 2, WAIT_SLICE_MAX_MS);
        nap = Math.min(left, slice);
      }
      // wait() sleeps only while GEN still equals `expected`, so the notify
      // after the last arriver's CAS cannot slip in between load and sleep.
      Atomics.wait(words, W_GEN, expected, nap);
      word = Atomics.load(words, W_GEN);
    }
    // A round that came soon after the spin gave up: spinning pays here
    // (waking costs more than the wait), so spin again from now on.
    if (performance.now() - slept < SPIN_PAYS_MS) this.misses = 0;
    else if (spin > 0) this.misses++;
    if (word !== ((round + 1) & GEN_MASK)) throw this.failure(round, word);
  }

  /** Timed out: try to break the round; returns GEN if it completed first. */
  private breakRound(round: number, expected: number, ms: number): number {
    // Races the last arriver's CAS on the same word; exactly one wins, so
    // every party sees either the next generation or BROKEN.
    const broken = BROKEN | this.party;
    const seen = Atomics.compareExchange(this.words, W_GEN, expected, broken);
    if (seen !== expected) return seen;
    // Wake every waiter (and the coordinator) to see BROKEN.
    Atomics.notify(this.words, W_GEN);
    throw brokenError(this.words, this.layout, round, this.party, ms);
  }

  private failure(round: number, word: number): CircoError {
    if ((word & BROKEN) !== 0) {
      return brokenError(this.words, this.layout, round, word & GEN_MASK);
    }
    return new InvalidArgumentError(
      `barrier party ${this.party} is in round ${round} but the barrier ` +
        `is at generation ${word}: is party ${this.party} attached twice?`,
    );
  }
}

/** Creates barriers and attaches threads to them. */
export class Barrier {
  /** Allocates a barrier; post `.buffer` to the parties' threads. */
  static create(options: BarrierOptions): BarrierCoordinator {
    const layout = layoutFor(options);
    return new BarrierCoordinator(allocate(layout), layout);
  }

  /** Joins the barrier in `buffer` as party `party` (once per party). */
  static attach(buffer: SharedArrayBuffer, party: number): BarrierParty {
    return new BarrierParty(buffer, layoutOf(buffer), party);
  }

  /** Another non-blocking observer of the barrier in `buffer`. */
  static observe(buffer: SharedArrayBuffer): BarrierCoordinator {
    return new BarrierCoordinator(buffer, layoutOf(buffer));
  }
}
