/**
 * Shared-memory layout of the barrier (see the picture in ./barrier.ts).
 * Every word and region the protocol touches has a name here; barrier.ts
 * never passes a literal index to Atomics.
 */

import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '../errors.js';

/** Spin iterations (generation checks) before sleeping, when cores allow. */
export const BARRIER_DEFAULT_SPIN = 1000;
/** Results slots kept for a lagging coordinator unless told otherwise. */
export const BARRIER_DEFAULT_HISTORY = 4;
/** Upper bound on parties (keeps the buffer and the counters small). */
export const BARRIER_MAX_PARTIES = 1024;
/** Upper bound on each kind of reduced or per-party column. */
export const BARRIER_MAX_COLUMNS = 1024;
/** Upper bound on the results history (a power of two). */
export const BARRIER_MAX_HISTORY = 1024;

/** Int32 words per 64-byte cache line, and Float64s per line. */
const LINE_WORDS = 16;
const LINE_DOUBLES = 8;

/** `MAGIC` word value: 'CRB1'. */
export const MAGIC = 0x43524231;
// Line 0: written once by create() before the buffer is posted; read-only.
export const W_MAGIC = 0;
export const W_PARTIES = 1;
export const W_SUMS = 2;
export const W_MINS = 3;
export const W_PER_PARTY = 4;
export const W_HISTORY = 5;
export const W_SPIN = 6;
/** Default arrive timeout in ms; 0 means none. */
export const W_TIMEOUT = 7;
/** Line 1: GEN, completed rounds mod 2^30, or BROKEN | breaking party. */
export const W_GEN = LINE_WORDS;
/** Line 2: ARRIVED, parties counted into the open round. */
export const W_ARRIVED = 2 * LINE_WORDS;
/** Line 3 on: ARRIVAL[p], the (masked) round party p last entered. */
export const W_ARRIVALS = 3 * LINE_WORDS;

/** Masks the generation to 30 bits: it wraps, bit 30 is the broken flag. */
export const GEN_MASK = 0x3fffffff;
/** Set in GEN once a party timed out; the low bits then name that party. */
export const BROKEN = 0x40000000;
/** A stamp or arrival word that names no round (initial, or mid-write). */
export const NO_ROUND = -1;

/** Options of `Barrier.create`. */
export interface BarrierOptions {
  /** Number of threads that meet at the barrier (1..1024). */
  readonly parties: number;
  /** Columns summed over parties, in party order. Default 0. */
  readonly sums?: number;
  /** Columns reduced with Math.min over parties. Default 0. */
  readonly mins?: number;
  /** Columns each party publishes unreduced, readable by all. Default 0. */
  readonly perParty?: number;
  /** Completed rounds whose results stay readable (power of 2, >= 2). */
  readonly history?: number;
  /** Spin iterations before sleeping; default 0 if parties > cores. */
  readonly spin?: number;
  /** Default arrive timeout in whole ms; default none (wait forever). */
  readonly timeoutMs?: number;
}

/** Shape and offsets of one barrier buffer. */
export interface BarrierLayout {
  readonly parties: number;
  readonly sums: number;
  readonly mins: number;
  readonly perParty: number;
  readonly history: number;
  readonly spin: number;
  /** Default arrive timeout in ms, Infinity when none. */
  readonly timeoutMs: number;
  /** Int32 index of STAMP[0]; STAMP[s] names the round in results slot s. */
  readonly stampsWord: number;
  /** Float64s a party contributes: sums, then mins, then per-party. */
  readonly rowWidth: number;
  /** Float64 distance between rows (padded to a cache line). */
  readonly rowStride: number;
  /** Float64 index of ROWS (party 0). */
  readonly rowsAt: number;
  /** Float64s per results slot: sums, mins, per-party of every party. */
  readonly resultWidth: number;
  /** Float64 distance between results slots (padded to a cache line). */
  readonly resultStride: number;
  /** Float64 index of RESULTS (slot 0). */
  readonly resultsAt: number;
  readonly byteLength: number;
}

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

function check(name: string, value: unknown, min: number, max: number): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < min ||
    value > max
  ) {
    throw new InvalidArgumentError(
      `${name} must be an integer in [${min}, ${max}], got ${String(value)}`,
    );
  }
  return value;
}

/** Checks `Barrier.create` options and computes the layout they need. */
export function layoutFor(options: BarrierOptions): BarrierLayout {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(
      `barrier options must be an object, got ${String(options)}`,
    );
  }
  const parties = check('parties', options.parties, 1, BARRIER_MAX_PARTIES);
  const sums = check('sums', options.sums ?? 0, 0, BARRIER_MAX_COLUMNS);
  const mins = check('mins', options.mins ?? 0, 0, BARRIER_MAX_COLUMNS);
  const perParty = options.perParty ?? 0;
  check('perParty', perParty, 0, BARRIER_MAX_COLUMNS);
  const history = options.history ?? BARRIER_DEFAULT_HISTORY;
  check('history', history, 2, BARRIER_MAX_HISTORY);
  if ((history & (history - 1)) !== 0) {
    throw new InvalidArgumentError(
      `history must be a power of two, got ${history}`,
    );
  }
  const cores = availableParallelism();
  const spin = options.spin ?? (parties > cores ? 0 : BARRIER_DEFAULT_SPIN);
  check('spin', spin, 0, 1e9);
  const timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
  if (timeoutMs !== Number.POSITIVE_INFINITY) {
    check('timeoutMs', timeoutMs, 1, 0x7fffffff);
  }
  return shape(parties, sums, mins, perParty, history, spin, timeoutMs);
}

function shape(
  parties: number,
  sums: number,
  mins: number,
  perParty: number,
  history: number,
  spin: number,
  timeoutMs: number,
): BarrierLayout {
  const stampsWord = W_ARRIVALS + roundUp(parties, LINE_WORDS);
  const headerWords = roundUp(stampsWord + history, LINE_WORDS);
  const rowWidth = sums + mins + perParty;
  const rowStride = roundUp(rowWidth, LINE_DOUBLES);
  const rowsAt = headerWords / 2;
  const resultWidth = sums + mins + parties * perParty;
  const resultStride = roundUp(resultWidth, LINE_DOUBLES);
  const resultsAt = rowsAt + parties * rowStride;
  const byteLength = (resultsAt + history * resultStride) * 8;
  return {
    parties,
    sums,
    mins,
    perParty,
    history,
    spin,
    timeoutMs,
    stampsWord,
    rowWidth,
    rowStride,
    rowsAt,
    resultWidth,
    resultStride,
    resultsAt,
    byteLength,
  };
}

/** Allocates and initialises a buffer; runs before any thread sees it. */
export function allocate(layout: BarrierLayout): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(layout.byteLength);
  const words = new Int32Array(buffer);
  words[W_MAGIC] = MAGIC;
  words[W_PARTIES] = layout.parties;
  words[W_SUMS] = layout.sums;
  words[W_MINS] = layout.mins;
  words[W_PER_PARTY] = layout.perParty;
  words[W_HISTORY] = layout.history;
  words[W_SPIN] = layout.spin;
  words[W_TIMEOUT] = Number.isFinite(layout.timeoutMs) ? layout.timeoutMs : 0;
  words.fill(NO_ROUND, W_ARRIVALS, W_ARRIVALS + layout.parties);
  const stamps = layout.stampsWord;
  words.fill(NO_ROUND, stamps, stamps + layout.history);
  return buffer;
}

/** Reads the layout back from a buffer made by `allocate`, checking it. */
export function layoutOf(buffer: unknown): BarrierLayout {
  if (
    !(buffer instanceof SharedArrayBuffer) ||
    buffer.byteLength < 4 * LINE_WORDS
  ) {
    throw new InvalidArgumentError(
      `buffer must be a barrier SharedArrayBuffer, got ${String(buffer)}`,
    );
  }
  // Line 0 is immutable after create(); the postMessage that carried the
  // buffer here ordered those writes before these plain reads.
  const words = new Int32Array(buffer, 0, LINE_WORDS);
  if (words[W_MAGIC] !== MAGIC) {
    throw new InvalidArgumentError(
      `buffer is not a barrier buffer (magic ${words[W_MAGIC]})`,
    );
  }
  const timeout = words[W_TIMEOUT];
  const layout = shape(
    words[W_PARTIES],
    words[W_SUMS],
    words[W_MINS],
    words[W_PER_PARTY],
    words[W_HISTORY],
    words[W_SPIN],
    timeout === 0 ? Number.POSITIVE_INFINITY : timeout,
  );
  if (layout.byteLength !== buffer.byteLength) {
    throw new InvalidArgumentError(
      `barrier buffer has ${buffer.byteLength} bytes, its header needs ` +
        `${layout.byteLength}`,
    );
  }
  return layout;
}
