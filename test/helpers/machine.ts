/**
 * The one place suites create machines, so the same suites can run against
 * any machine configuration. Fixture modules are imported from dist/ (where
 * `npm test` builds them) because worker threads load plain JavaScript.
 */
import { createMachine, type Machine, type MachineOptions } from 'circo';

/** URL of a compiled fixture module, by its base name. */
export function fixture(name: string): URL {
  return new URL(`../../dist/test/fixtures/${name}.js`, import.meta.url);
}

/** Options every suite may add to (clock, args, ...). */
export type { Machine };

export type StartOptions = Omit<MachineOptions, 'module' | 'component'>;

/**
 * Worker threads for every suite: CIRCO_WORKERS=n runs them all on n
 * workers (0, the default, is the embedded machine), with a seeded scatter
 * placement so that spread spawns really cross workers.
 */
export const WORKERS = Number(process.env.CIRCO_WORKERS ?? 0);

export function startMachine(
  module: string,
  component: string,
  options: StartOptions = {},
): Promise<Machine> {
  return createMachine({
    checkBodies: true,
    workers: WORKERS,
    spread: 'scatter',
    seed: testSeed(),
    ...options,
    module: fixture(module),
    component,
  });
}

/** Seed for randomized suites: CIRCO_SEED replays a failure. */
export function testSeed(): number {
  const fromEnv = process.env.CIRCO_SEED;
  return fromEnv === undefined ? Date.now() % 2 ** 31 : Number(fromEnv);
}
