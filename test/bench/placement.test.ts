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
    // Five rounds at half crossing, then 25 at 2 %: windows of 10 rounds
    // stay under 10 % once they hold at most one of the first five.
    const shares = [...Array(5).fill(0.5), ...Array(25).fill(0.02)];
    const samples = shares.map((share, i) => ({
      record: record(10 + i, 1000, share * 1000),
      at: i / 10,
    }));
    const { extra, series } = summarize(samples, 3);
    expect(extra.roundsToGoal).toBe(13);
    expect(extra.rounds).toBe(30);
    expect(extra.crossFirst).toBeCloseTo(0.5);
    expect(extra.crossFinal).toBeCloseTo(0.02);
    expect(extra.migrations).toBe(30);
    expect(extra.busiestFinal).toBe(1);
    expect(series.round.slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('is not thrown off by one last record of many crossings', () => {
    // A driver's final report: a small record that mostly crossed.
    const samples = Array.from({ length: 21 }, (_, i) => ({
      record: i < 20 ? record(i, 10_000, 200) : record(i, 1000, 500),
      at: i,
    }));
    expect(summarize(samples, 21).extra.roundsToGoal).toBe(0);
  });

  it('says never when the final share is not under 10 %', () => {
    const samples = Array(30)
      .fill(0.3)
      .map((share, i) => ({
        record: record(i, 1000, share * 1000),
        at: i,
      }));
    expect(summarize(samples, 4).extra.roundsToGoal).toBe(-1);
  });
});
