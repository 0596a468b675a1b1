/**
 * The knobs of infoton optimization, and the worker force law.
 *
 * Every delivered message pulls its target toward its sender's position
 * by `energy * strength` (the energy is 1 unless the send says otherwise;
 * negative energy pushes), but never closer than `targetDistance`. At a
 * migration check each worker applies its own force to a sample of its
 * components, then moves those that are nearer to another worker than to
 * itself by more than `tolerance`.
 */
import { InvalidArgumentError } from '../errors.js';

/**
 * The worker's force on one of its components: the energy of a pull toward
 * the worker (negative: a push away from it), given the component's
 * distance from the worker and the worker's load as a share of the mean
 * load (1 = average, 2 = twice the average). The result is multiplied by
 * `strength`, like a message's energy.
 */
export type WorkerForceLaw = (distance: number, load: number) => number;

export interface PlacementOptions {
  /** Infoton optimization on or off; default on when workers > 1. */
  readonly enabled?: boolean;
  /** Distance that one unit of energy moves a target; default 10. */
  readonly strength?: number;
  /** A pull stops at this distance from its source; default 5. */
  readonly targetDistance?: number;
  /** Registered name of the worker force law; default 'circo.balance'. */
  readonly workerForce?: string;
  /** How much nearer another worker must be to move there; default 10. */
  readonly tolerance?: number;
  /** Barrier rounds between two migration checks; default 4. */
  readonly every?: number;
  /**
   * Components a worker examines at each check, default 2048; fewer
   * after checks that moved nobody.
   */
  readonly sample?: number;
}

export interface ResolvedPlacement {
  readonly enabled: boolean;
  readonly strength: number;
  readonly targetDistance: number;
  readonly workerForce: string;
  readonly tolerance: number;
  readonly every: number;
  readonly sample: number;
}

/*
 * The defaults, measured on native-bench's list and grid (README,
 * "Placement"). Workers are WORKER_SPACING (1000) apart and a message
 * moves its target `strength` on average, so a component whose partners
 * all sit on another worker gets there after about 1000 / strength of
 * their messages: 100 at the default, a few sums of the list or a couple
 * of dozen generations of the grid. A small `targetDistance` keeps
 * partners close, so a group's members agree on their worker; a small
 * `tolerance` lets the members at a boundary settle on the side their
 * traffic comes from (hysteresis of 10 is enough to stop flapping, since
 * one check moves a component by tens). Each check examines up to
 * `sample` components per worker, so that every component of a 10,000-
 * component machine is looked at every few checks.
 */
const DEFAULT_STRENGTH = 10;
const DEFAULT_TARGET_DISTANCE = 5;
const DEFAULT_TOLERANCE = 10;
const DEFAULT_EVERY = 4;
const DEFAULT_SAMPLE = 2048;

/** Loads up to this share over the mean count as balanced. */
const BALANCED_LOAD = 1.05;
/** Beyond this distance from its worker a component is a straggler. */
const STRAGGLER_DISTANCE = 100;
/**
 * A straggler's pull home grows by one message's energy every HOLD_SPAN
 * of distance past STRAGGLER_DISTANCE, up to MAX_HOLD messages' worth.
 */
const HOLD_SPAN = 100;
const MAX_HOLD = 2;

/**
 * The default law. A worker pulls in components that stray further than
 * STRAGGLER_DISTANCE while its load is about average or below, harder the
 * further they are and the less loaded it is; a worker loaded past
 * BALANCED_LOAD times the mean pushes all of its components outward,
 * harder the more it carries, so a crowd thins out toward the other
 * workers.
 *
 * Why the pull home matters: a message's pull stops at `targetDistance`
 * from its sender, so randomly placed components that talk to each other
 * gather midway between workers and stop there, and those within the
 * tolerance of the midpoint keep whatever worker they had (a linked list
 * froze at 18 % of its hops crossing). Pulling stragglers home breaks
 * such a crowd into groups, one per worker, each dragging its partners
 * along: a component stays where most of its traffic comes from, and
 * the boundary between groups shrinks. The pull home must stay weaker
 * than traffic, which it works against: it is applied at every check, so
 * at MAX_HOLD it equals two messages' pulls a check. Measured on the
 * grid (4 workers, 300 steps): the share crossing came to 14 % with five,
 * 11.5 % with two, 20 % with a half; the list (4 workers) stuck at 30 %
 * with one.
 */
export const balance: WorkerForceLaw = (distance, load) => {
  if (load > BALANCED_LOAD) return -Math.min(4, (load - 1) * 8);
  if (distance <= STRAGGLER_DISTANCE) return 0;
  const hold = Math.min(MAX_HOLD, (distance - STRAGGLER_DISTANCE) / HOLD_SPAN);
  return hold * (2 - load);
};

const laws = new Map<string, WorkerForceLaw>([['circo.balance', balance]]);

/**
 * Makes a worker force law usable by name in `placement.workerForce`.
 * Register it in the component module, which every thread imports: a
 * function never crosses threads.
 */
export function registerWorkerForce(name: string, law: WorkerForceLaw) {
  if (typeof name !== 'string' || name === '') {
    throw new InvalidArgumentError(
      `a worker force law needs a non-empty name, got ${String(name)}`,
    );
  }
  if (typeof law !== 'function') {
    throw new InvalidArgumentError(
      `worker force law ${name} must be a function (distance, load) => ` +
        `energy, got ${typeof law}`,
    );
  }
  laws.set(name, law);
}

/** The law registered as `name`; throws when there is none. */
export function workerForceLaw(name: string): WorkerForceLaw {
  const law = laws.get(name);
  if (law === undefined) {
    throw new InvalidArgumentError(
      `placement.workerForce ${JSON.stringify(name)} is not registered ` +
        `(registerWorkerForce in the component module); known: ` +
        [...laws.keys()].join(', '),
    );
  }
  return law;
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(
      `placement.${name} must be a finite number >= 0, got ${String(value)}`,
    );
  }
  return value;
}

function count(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new InvalidArgumentError(
      `placement.${name} must be an integer >= 1, got ${String(value)}`,
    );
  }
  return value as number;
}

/** Checks `options` (the machine option `placement`) and fills defaults. */
export function resolvePlacement(
  options: PlacementOptions | undefined,
  workers: number,
): ResolvedPlacement {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null) {
    throw new InvalidArgumentError(
      `placement must be an object of options, got ${String(o)}`,
    );
  }
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') {
    throw new InvalidArgumentError(
      `placement.enabled must be a boolean, got ${String(o.enabled)}`,
    );
  }
  const workerForce = o.workerForce ?? 'circo.balance';
  if (typeof workerForce !== 'string') {
    throw new InvalidArgumentError(
      `placement.workerForce must be the name of a registered law, got ` +
        String(workerForce),
    );
  }
  return {
    enabled: (o.enabled ?? true) && workers > 1,
    strength: positive('strength', o.strength, DEFAULT_STRENGTH),
    targetDistance: positive(
      'targetDistance',
      o.targetDistance,
      DEFAULT_TARGET_DISTANCE,
    ),
    workerForce,
    tolerance: positive('tolerance', o.tolerance, DEFAULT_TOLERANCE),
    every: count('every', o.every, DEFAULT_EVERY),
    sample: count('sample', o.sample, DEFAULT_SAMPLE),
  };
}
