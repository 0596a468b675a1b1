/**
 * The throughput suite's result checks at tiny sizes, in-process on the
 * embedded machine, so that a broken benchmark fails CI. No speed is
 * asserted. (Workers are left out: this process loads several workload
 * modules, and a threaded machine wants its coordinator to know no
 * message types its workers lack.)
 */
import { describe, expect, it } from 'vitest';
import { workload } from '../../native-bench/cases/index.js';
import { EMBEDDED } from '../../native-bench/harness.js';

describe('bench workloads (tiny sizes, embedded)', () => {
  for (const name of ['pingpong', 'counting', 'threadring', 'chameneos']) {
    it(`${name} runs and checks its result`, { timeout: 10_000 }, async () => {
      const w = workload(name);
      const measured = await w.run(w.sizes.tiny, EMBEDDED);
      expect(measured.items).toBeGreaterThan(0);
      expect(measured.seconds).toBeGreaterThan(0);
      expect(measured.cpuWall).toBeGreaterThan(0);
      expect(measured.extra?.delivered).toBeGreaterThanOrEqual(measured.items);
    });
  }

  it('a plain-loop baseline checks its result too', async () => {
    const { plainThreadRing } = await import(
      '../../native-bench/baselines/plain.js'
    );
    expect(plainThreadRing(100, 10_000)).toBe(10_000);
  });
});
