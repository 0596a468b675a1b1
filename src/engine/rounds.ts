import { LIMBS } from '../scheduler/exact.js';

/**
 * What each worker contributes to a barrier round, by column. The decision
 * columns let every worker reach the same verdict (go on, jump the clock,
 * park); the figure columns let the coordinator report the machine's
 * figures at every round without stopping anyone.
 */

/** Summed over workers (in worker order). */
export const Sum = {
  /** Messages queued locally and not yet handled. */
  Queued: 0,
  /** Messages written (or waiting to be written) to other workers, ever. */
  RemoteSent: 1,
  /** Messages read from other workers' rings, ever. */
  RemoteReceived: 2,
  /** Frames waiting for room in a ring. */
  Overflow: 3,
  /** Workers that saw the coordinator's PARK (or SHUTDOWN) request. */
  ParkSeen: 4,
  /** Frames from the coordinator not yet read. */
  OutsideUnread: 5,
  /** Messages held until an in-flight spawn lands. */
  Limbo: 6,
  SpawnOpsSent: 7,
  SpawnOpsReceived: 8,
  /** Components that asked to migrate (ctx.migrate) and have not yet. */
  MovesAsked: 9,
  /**
   * Components chosen to move in a migration round right after this one
   * (those that asked, and at a placement check those that drifted); with
   * none anywhere, no migration round.
   */
  MovesChosen: 10,
} as const;

/**
 * Figures each worker publishes per round (per party, so that a worker's
 * last word can replace its column when it fails); names match `Figures`.
 */
export const FIGURE_SUMS = [
  'components',
  'queued',
  'timers',
  'pendingRequests',
  'names',
  'subscriptions',
  'watches',
  'spawned',
  'died',
  'sent',
  'delivered',
  'deadLetters',
  'lateReplies',
  'timeouts',
  'handlerErrors',
  'eventsDropped',
  'eventsFiltered',
  'forwards',
  'migrations',
] as const;

export type FigureName = (typeof FIGURE_SUMS)[number];

/** Strict mode: contributions to the step's reduction, then its limbs. */
export const REDUCTION_COUNT = 11;
export const FIRST_LIMB = 12;
/** Sum columns: the loose mode needs no reduction limbs. */
export const sumColumns = (strict: boolean) =>
  strict ? FIRST_LIMB + 2 * LIMBS : REDUCTION_COUNT;

export const Min = {
  /** Due time of the earliest timer, or Infinity. */
  EarliestTimer: 0,
  /** Minus the worker's wall clock: the minimum is the latest clock. */
  NegatedWall: 1,
  /** The machine clock (the same in every worker). */
  Clock: 2,
  /** Strict mode: the smallest contribution, and minus the largest. */
  ReductionMin: 3,
  ReductionNegatedMax: 4,
} as const;
export const MIN_COLUMNS = 5;

/** Published per worker, unreduced: these, then FIGURE_SUMS in order. */
export const PerWorker = {
  /** Messages this worker sent to other workers, ever. */
  SentAcross: 0,
  /** Frames waiting for room in this worker's rings. */
  Overflow: 1,
  /** Steps this worker has begun; the machine's step is the largest. */
  Step: 2,
} as const;
export const FIRST_FIGURE_COLUMN = 3;
/** Then, per destination worker, the frames sent to it so far. */
export const FIRST_FRAMES_COLUMN = FIRST_FIGURE_COLUMN + FIGURE_SUMS.length;
export const perWorkerColumns = (workers: number) =>
  FIRST_FRAMES_COLUMN + workers;

/** Control-frame operation codes between the threads. */
export const Op = {
  /** worker -> worker: a scheduler Op (spawn, watch, names, events). */
  Service: 1,
  /** worker -> coordinator: started; `{ fingerprint, root? }`. */
  Hello: 2,
  /** coordinator -> worker 0: `{ id, target, type, body, timeout }`. */
  Ask: 3,
  /** worker 0 -> coordinator: `{ id, type, body, sender }` or timeout. */
  Answer: 4,
  /** coordinator -> worker: `{ id, address }`; reply `{ id, state }`. */
  State: 5,
  StateReply: 6,
  /** coordinator -> worker 0: `{ id, name }`; reply `{ id, address }`. */
  Lookup: 7,
  LookupReply: 8,
  /** coordinator -> worker 0: forget an unanswered ask `{ id }`. */
  Forget: 9,
  /** worker -> coordinator: the run failed here `{ error }`. */
  Failure: 10,
  /** worker -> coordinator, when parking: `{ deadLettersByType }`. */
  Parked: 11,
  /**
   * worker -> worker, in a migration round: a component that moves to the
   * reader (an Emigrant, serialized), or the last piece of one; the
   * messages queued for it follow as frames.
   */
  Migrate: 12,
  /**
   * worker -> every other worker, in a migration round: `{ moves }`, the
   * addresses that moved and their new workers, alternating.
   */
  Moved: 13,
  /** The pieces before the last of an emigrant too large for one frame. */
  MigratePart: 14,
} as const;
