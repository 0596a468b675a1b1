/**
 * The placement workloads at tiny sizes on the embedded machine: each
 * checks its own result, and a deliberately wrong one fails. The summary
 * of per-round records is checked on records made up here. No speed is
 * asserted.
 */
import type { RoundFigures } from 'circo';
import { describe, expect, it } from 'vitest';
import { workload } from '../../native-bench/cases/index.js';
import { EMBEDDED } from '../../native-bench/harness.js';
import { summarize } from '../../native-bench/placement.js';

describe('placement workloads (tiny sizes, embedded)', () => {
  for (const name of ['list', 'grid', 'treeview', 'pairs']) {
    it(`${name} runs and checks its result`, { timeout: 20_000 }, async () => {
      const w = workload(name);
      const measured = await w.run(w.sizes.tiny, EMBEDDED);
      expect(measured.items).toBeGreaterThan(0);
      expect(measured.extra?.delivered).toBeGreaterThanOrEqual(measured.items);
      // One partition: nothing crosses, nothing migrates.
      expect(measured.extra?.crossFinal).toBe(0);
      expect(measured.extra?.migrations).toBe(0);
      expect(measured.series?.round.length).toBeGreaterThan(0);
    });
  }

  for (const name of ['list', 'grid']) {
    it(`${name} fails on a wrong result`, async () => {
      const w = workload(name);
      await expect(
        w.run({ ...w.sizes.tiny, fault: 1 }, EMBEDDED),
      ).rejects.toThrow(`${name}: wrong result`);
    });
  }
});

function record(round: number, sent: number, across: number): RoundFigures {
  return {
    round,
    rounds: 1,
    step: round,
    delivered: sent,
    sent,
    sentAcross: across,
    crossShare: across / sent,
    migrations: 1,
    forwards: 0,
    workers: [
      { delivered: sent / 2, load: 1 },
      { delivered: sent / 2, load: 1 },
    ],
    busiest: 1,
  };
}

describe('the summary of a run by rounds', () => {
  it('finds the round after which the cross share stays under 10 %', () => {
    const shares = [0.5, 0.4, 0.05, 0.2, 0.08, 0.05, 0.03, 0.02];
    const samples = shares.map((share, i) => ({
      record: record(10 + i, 1000, share * 1000),
      at: i / 10,
    }));
    const { extra, series } = summarize(samples, 0.8);
    expect(extra.roundsToGoal).toBe(4); // round 13 was the last above
    expect(extra.rounds).toBe(8);
    expect(extra.crossFirst).toBeCloseTo(0.5);
    expect(extra.crossFinal).toBeCloseTo(0.025);
    expect(extra.migrations).toBe(8);
    expect(extra.busiestFinal).toBe(1);
    expect(series.round).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('says never when the final share is not under 10 %', () => {
    const samples = [0.5, 0.05, 0.3, 0.4].map((share, i) => ({
      record: record(i, 1000, share * 1000),
      at: i,
    }));
    expect(summarize(samples, 4).extra.roundsToGoal).toBe(-1);
  });
});
