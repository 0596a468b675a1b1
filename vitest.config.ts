import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites start worker threads of their own; forks keep each file's
    // threads in a process that ends with it.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
