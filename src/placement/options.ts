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
  /** Distance that one unit of energy moves a target; default 4. */
  readonly strength?: number;
  /** A pull stops at this distance from its source; default 20. */
  readonly targetDistance?: number;
  /** Registered name of the worker force law; default 'circo.balance'. */
  readonly workerForce?: string;
  /** How much nearer another worker must be to move there; default 50. */
  readonly tolerance?: number;
  /** Barrier rounds between two migration checks; default 4. */
  readonly every?: number;
  /** Components a worker examines at each check; default 512. */
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

/** Loads up to this share over the mean count as balanced. */
const BALANCED_LOAD = 1.05;
/** Beyond this distance from its worker a component is a straggler. */
const STRAGGLER_DISTANCE = 100;

/**
 * The default law. A worker pulls in components that stray further than
 * STRAGGLER_DISTANCE while its load is about average or below, harder the
 * less loaded it is; a worker loaded past BALANCED_LOAD times the mean
 * pushes all of its components outward, harder the more it carries, so a
 * crowd thins out toward the other workers.
 */
export const balance: WorkerForceLaw = (distance, load) => {
  if (load > BALANCED_LOAD) return -Math.min(4, (load - 1) * 8);
  if (distance <= STRAGGLER_DISTANCE) return 0;
  return Math.min(1, (distance - STRAGGLER_DISTANCE) / 1000) * (2 - load);
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
    strength: positive('strength', o.strength, 4),
    targetDistance: positive('targetDistance', o.targetDistance, 20),
    workerForce,
    tolerance: positive('tolerance', o.tolerance, 50),
    every: count('every', o.every, 4),
    sample: count('sample', o.sample, 512),
  };
}
