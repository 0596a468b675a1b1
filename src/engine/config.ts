/** What the coordinator hands each worker when it starts it. */
import type { ClockKind } from '../machine/options.js';
import type { ResolvedPlacement } from '../placement/options.js';
import type { SpreadPolicy } from './spread.js';

export interface WorkerConfig {
  readonly index: number;
  readonly workers: number;
  readonly host: number;
  readonly moduleUrl: string;
  /** The first component, started by worker 0. */
  readonly component: string;
  readonly args: readonly unknown[];
  readonly clock: ClockKind;
  readonly checkBodies: boolean;
  /** Present in the strict step mode. */
  readonly strict: { readonly reverseInbox: boolean } | undefined;
  readonly spread: SpreadPolicy;
  readonly placement: ResolvedPlacement;
  /** The control block (see control.ts). */
  readonly control: SharedArrayBuffer;
  readonly barrier: SharedArrayBuffer;
  /**
   * rings[from][to]: the ring from thread `from` to thread `to`; thread
   * `workers` is the coordinator.
   */
  readonly rings: readonly (readonly (SharedArrayBuffer | undefined)[])[];
  /** performance.timeOrigin + now() on the coordinator at start: time 0. */
  readonly epochWall: number;
}
