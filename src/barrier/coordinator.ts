/**
 * The coordinator's side of the barrier (see ./barrier.ts): it is not a
 * party, it only loads shared words and waits with Atomics.waitAsync.
 */

import { waitAsync } from '../atomics.js';
import { BarrierTimeoutError, InvalidArgumentError } from '../errors.js';
import { type BarrierLayout, BROKEN, GEN_MASK, W_GEN } from './layout.js';
import {
  brokenError,
  checkTimeout,
  INFINITY,
  RoundResults,
  unmask,
} from './results.js';

/**
 * The coordinator's handle: never a party, never blocks. Await
 * `nextRound`, then `read` a completed round into a private snapshot and
 * get its values with `sum`, `min` and `perParty`.
 */
export class BarrierCoordinator extends RoundResults {
  /** Post this to the workers; each passes it to `Barrier.attach`. */
  readonly buffer: SharedArrayBuffer;
  private readonly words: Int32Array;
  private readonly snapshotWords: Int32Array;
  private latest: number;
  private snapshot = -1;

  /** Use `Barrier.create` or `Barrier.observe`. */
  constructor(buffer: SharedArrayBuffer, layout: BarrierLayout) {
    super(layout, new Float64Array(layout.resultWidth));
    this.buffer = buffer;
    this.words = new Int32Array(buffer);
    this.snapshotWords = new Int32Array(this.view.buffer);
    const word = Atomics.load(this.words, W_GEN);
    this.latest = (word & BROKEN) === 0 ? word - 1 : -1;
  }

  /** Latest completed round (-1 if none); last known one once broken. */
  latestRound(): number {
    this.refresh();
    return this.latest;
  }

  /** Index of the party whose timeout broke the barrier, or -1. */
  get brokenBy(): number {
    const word = Atomics.load(this.words, W_GEN);
    return (word & BROKEN) === 0 ? -1 : word & GEN_MASK;
  }

  /** Round whose results the last successful `read` copied, or -1. */
  get snapshotRound(): number {
    return this.snapshot;
  }

  /**
   * Resolves with the latest completed round once it is above
   * `afterRound` (pass -1 to wait for the first). Rejects with
   * BarrierTimeoutError when the barrier is broken or `timeoutMs` passes.
   * Without a timeout the wait does not keep the process alive by itself.
   */
  async nextRound(afterRound: number, timeoutMs = INFINITY): Promise<number> {
    if (!(Number.isInteger(afterRound) && afterRound >= -1)) {
      throw new InvalidArgumentError(
        `afterRound must be an integer >= -1, got ${String(afterRound)}`,
      );
    }
    checkTimeout(timeoutMs);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const word = this.refresh();
      if ((word & BROKEN) !== 0) {
        throw brokenError(
          this.words,
          this.layout,
          this.latest + 1,
          word & GEN_MASK,
        );
      }
      if (this.latest > afterRound) return this.latest;
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new BarrierTimeoutError(
          `no barrier round after ${afterRound} within ${timeoutMs} ms`,
        );
      }
      // Pairs with the notify after a GEN CAS. Passing the word just read
      // closes the gap: if GEN moved since, this settles at once.
      const waiting = waitAsync(this.words, W_GEN, word, left);
      if (!waiting.async) continue;
      if (left === INFINITY) {
        await waiting.value;
        continue;
      }
      // A pending waitAsync holds no handle, so its own timeout may never
      // fire in an idle process: race it with a real timer.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise((resolve) => {
        timer = setTimeout(resolve, left);
      });
      await Promise.race([waiting.value, timedOut]);
      clearTimeout(timer);
    }
  }

  /**
   * Copies the results of completed round `round` into the snapshot and
   * returns true, or returns false if the parties have already reused its
   * slot (more than `history` rounds ago, or being overwritten now).
   */
  read(round: number): boolean {
    this.refresh();
    if (!(Number.isInteger(round) && round >= 0 && round <= this.latest)) {
      throw new InvalidArgumentError(
        `round must be a completed round in [0, ${this.latest}], got ` +
          `${String(round)}`,
      );
    }
    const { words, snapshotWords, layout } = this;
    const stamp = layout.stampsWord + (round & (layout.history - 1));
    const expected = round & GEN_MASK;
    const base =
      (layout.resultsAt +
        (round & (layout.history - 1)) * layout.resultStride) *
      2;
    // Seqlock read, pairing with publish(): STAMP, then the data with SC
    // loads, then STAMP again. Equal stamps mean no store of a later round
    // into this slot fell between them (STAMP never returns to a value).
    if (Atomics.load(words, stamp) !== expected) return false;
    for (let k = 0; k < snapshotWords.length; k++) {
      snapshotWords[k] = Atomics.load(words, base + k);
    }
    if (Atomics.load(words, stamp) !== expected) return false;
    this.snapshot = round;
    return true;
  }

  /** Loads GEN and advances `latest` from it; returns the word. */
  private refresh(): number {
    const word = Atomics.load(this.words, W_GEN);
    if ((word & BROKEN) === 0) this.latest = unmask(this.latest + 1, word) - 1;
    return word;
  }
}
