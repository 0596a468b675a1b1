import { defineConfig } from 'vitest/config';

/**
 * The suites of test/machine run on every kind of machine: the embedded
 * one, and the threaded engine on 1, 2 and 4 workers (more workers than
 * this machine has cores, on purpose). Everything else runs once.
 */
const threaded = [1, 2, 4].map((workers) => ({
  extends: true as const,
  test: {
    name: `workers-${workers}`,
    include: ['test/machine/**/*.test.ts'],
    env: { CIRCO_WORKERS: String(workers) },
  },
}));

export default defineConfig({
  test: {
    // Suites start worker threads of their own; forks keep each file's
    // threads in a process that ends with it.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: 'embedded', include: ['test/**/*.test.ts'] },
      },
      ...threaded,
    ],
  },
});
