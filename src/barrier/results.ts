/**
 * Pieces both barrier handles share: argument checks, the broken-barrier
 * error, and reading one round's results out of a Float64 view.
 */

import { BarrierTimeoutError, InvalidArgumentError } from '../errors.js';
import { type BarrierLayout, GEN_MASK, W_ARRIVALS } from './layout.js';

export const INFINITY = Number.POSITIVE_INFINITY;

export function checkIndex(what: string, i: number, count: number): void {
  if (!(Number.isInteger(i) && i >= 0 && i < count)) {
    throw new InvalidArgumentError(
      `${what} must be an integer in [0, ${count}), got ${String(i)}`,
    );
  }
}

export function checkTimeout(timeoutMs: number): void {
  if (!(typeof timeoutMs === 'number' && timeoutMs > 0)) {
    throw new InvalidArgumentError(
      `timeoutMs must be a number > 0, got ${String(timeoutMs)}`,
    );
  }
}

/** Smallest round >= `known` whose low 30 bits are `masked`. */
export const unmask = (known: number, masked: number): number =>
  known + ((masked - known) & GEN_MASK);

/** The error every thread reports once GEN holds `BROKEN | breaker`. */
export function brokenError(
  words: Int32Array,
  layout: BarrierLayout,
  knownRound: number,
  breaker: number,
  waitedMs?: number,
): BarrierTimeoutError {
  // ARRIVAL[breaker] holds the round it timed out in; a party is missing if
  // its own ARRIVAL word names an older round. Best effort: late arrivals
  // may still be landing while this reads.
  const masked = Atomics.load(words, W_ARRIVALS + breaker);
  const missing: number[] = [];
  for (let p = 0; p < layout.parties; p++) {
    if (Atomics.load(words, W_ARRIVALS + p) !== masked) missing.push(p);
  }
  const who = waitedMs === undefined ? `party ${breaker}` : 'this party';
  const waited = waitedMs === undefined ? '' : ` after ${waitedMs} ms`;
  return new BarrierTimeoutError(
    `barrier broken in round ${unmask(knownRound, masked)}: ${who} ` +
      `(party ${breaker}) timed out${waited}; not arrived: ` +
      `${missing.length === 0 ? 'none' : missing.join(', ')}`,
  );
}

/** Reads one round's results: sums, minimums, per-party columns. */
export abstract class RoundResults {
  /** Shape of the barrier. */
  readonly layout: BarrierLayout;
  /** Float64 view holding the current results, and where they start. */
  protected view: Float64Array;
  protected at: number;

  protected constructor(layout: BarrierLayout, view: Float64Array) {
    this.layout = layout;
    this.view = view;
    this.at = 0;
  }

  /** Column `i` summed over parties in party order. */
  sum(i: number): number {
    checkIndex('sum column', i, this.layout.sums);
    return this.view[this.at + i];
  }

  /** Minimum of column `i` over parties (NaN if any party gave NaN). */
  min(i: number): number {
    checkIndex('min column', i, this.layout.mins);
    return this.view[this.at + this.layout.sums + i];
  }

  /** Per-party column `i` as contributed by `party`. */
  perParty(party: number, i: number): number {
    const { sums, mins, parties, perParty } = this.layout;
    checkIndex('party', party, parties);
    checkIndex('perParty column', i, perParty);
    return this.view[this.at + sums + mins + party * perParty + i];
  }
}
