/** The modes the suite runs by default. */
import { availableParallelism } from 'node:os';
import { EMBEDDED, type Mode } from '../harness.js';

export { EMBEDDED };

/** One worker per core, as createMachine does by default. */
export const CORES = availableParallelism();

export const WORKERS: Mode = { workers: CORES, strict: false };
export const STRICT: Mode = { workers: CORES, strict: true };

/** Embedded, default workers, and strict on the default workers. */
export const STANDARD: readonly Mode[] = [EMBEDDED, WORKERS, STRICT];
/** Where strict steps would only add a sort per step. */
export const LOOSE: readonly Mode[] = [EMBEDDED, WORKERS];
