/**
 * The engine's shared control block: one Int32Array in a SharedArrayBuffer
 * that the coordinator and every worker map. Every slot has a name.
 *
 *   line 0  RUN_EPOCH RUN_STEPS PARK SHUTDOWN IDLE ROUND_CALL IN_FLIGHT
 *   line 1  COORD_BELL                      (workers -> coordinator)
 *   line 2+ per worker w, one 64-byte line each:
 *           BELL  BLOCKS  C2W_SENT
 *
 * Writers: the coordinator alone writes RUN_*, PARK and SHUTDOWN; RUN_*
 * only change while every worker is parked. IDLE and ROUND_CALL belong to
 * the workers (see WorkerRuntime.workPhase); IN_FLIGHT counts frames
 * published to workers and not yet read (writers add after publishing,
 * readers subtract after reading, so it may dip below 0 for a moment).
 * A worker's BELL is bumped by whoever wakes it; BLOCKS
 * counts the address blocks leased for worker w (Atomics.add by any
 * spawner); C2W_SENT counts frames the coordinator wrote to w's inbound
 * ring, so a round can tell whether outside frames are still unread.
 */
const LINE = 16; // Int32 words per 64-byte line

/** Incremented by the coordinator to start a run. */
export const RUN_EPOCH = 0;
/** Rounds the run may take, or -1 for "until quiet". */
export const RUN_STEPS = 1;
/** Set by the coordinator: park at the next round. */
export const PARK = 2;
/** Set by the coordinator: leave the worker loop. */
export const SHUTDOWN = 3;
/** Workers idle in their work phase right now (loose mode). */
export const IDLE = 4;
/**
 * Bumped to call idle workers to the round: by the worker that finds
 * every worker idle, or by one whose time slice ended.
 */
export const ROUND_CALL = 5;
/** Frames published to workers and not yet read by them. */
export const IN_FLIGHT = 6;
/** Bumped and notified whenever a worker has news for the coordinator. */
export const COORD_BELL = LINE;

const FIRST_WORKER_LINE = 2 * LINE;
/** Offsets within a worker's line. */
const BELL = 0;
const BLOCKS = 1;
const C2W_SENT = 2;

export const bellOf = (w: number) => FIRST_WORKER_LINE + w * LINE + BELL;
export const blocksOf = (w: number) => FIRST_WORKER_LINE + w * LINE + BLOCKS;
export const c2wSentOf = (w: number) => FIRST_WORKER_LINE + w * LINE + C2W_SENT;

export function createControl(workers: number): Int32Array {
  const words = FIRST_WORKER_LINE + workers * LINE;
  const control = new Int32Array(new SharedArrayBuffer(words * 4));
  Atomics.store(control, RUN_STEPS, -1);
  return control;
}

/** Wakes whoever sleeps on `slot` (a bell): bump it, then notify. */
export function ring(control: Int32Array, slot: number): void {
  // The bump comes first: a sleeper that compares the bell value before
  // sleeping either sees the new value or is woken by the notify.
  Atomics.add(control, slot, 1);
  Atomics.notify(control, slot);
}
