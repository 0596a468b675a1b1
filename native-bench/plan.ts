/**
 * What the suite runs: workload entries (a workload at a size, in some
 * modes, compared with a named baseline) and the baselines themselves.
 */
import { CORES, EMBEDDED, LOOSE, STANDARD, WORKERS } from './cases/modes.js';
import type { Mode, Params } from './harness.js';

export interface Entry {
  /** Row label: the workload, or the workload and its variant. */
  readonly id: string;
  readonly workload: string;
  readonly params: Params;
  readonly modes: readonly Mode[];
  /** Key of the baseline the rate is compared with, by mode. */
  readonly baseline: (mode: Mode) => string | undefined;
}

export interface BaselineSpec {
  readonly key: string;
  readonly name: string;
  readonly params: Params;
  /** Workloads it serves; it runs when one of them runs. */
  readonly serves: readonly string[];
}

const same = (key: string) => () => key;

export function entries(quick: boolean): Entry[] {
  const q = <T>(full: T, small: T) => (quick ? small : full);
  const list: Entry[] = [
    {
      id: 'pingpong',
      workload: 'pingpong',
      params: { rounds: q(40_000, 10_000), split: 0 },
      modes: STANDARD,
      baseline: same('plain-pingpong'),
    },
    {
      id: 'pingpong steady',
      workload: 'pingpong',
      params: { rounds: q(1_000_000, 50_000), split: 0 },
      modes: LOOSE,
      baseline: same('plain-pingpong'),
    },
    {
      id: 'pingpong split',
      workload: 'pingpong',
      params: { rounds: q(40_000, 5_000), split: 1 },
      modes: [WORKERS],
      baseline: same('plain-pingpong'),
    },
    {
      id: 'counting',
      workload: 'counting',
      params: { count: q(1_000_000, 200_000), batch: 10_000 },
      modes: STANDARD,
      baseline: same('plain-counting'),
    },
    {
      id: 'threadring',
      workload: 'threadring',
      params: { actors: 100, passes: q(100_000, 10_000) },
      modes: STANDARD,
      baseline: same('plain-threadring'),
    },
    {
      id: 'threadring steady',
      workload: 'threadring',
      params: { actors: 100, passes: q(10_000_000, 200_000) },
      modes: LOOSE,
      baseline: same('plain-threadring'),
    },
    {
      id: 'fj-throughput',
      workload: 'fj-throughput',
      params: { actors: 60, messages: q(10_000, 1_000) },
      modes: STANDARD,
      baseline: same('plain-threadring'),
    },
    {
      id: 'fj-creation',
      workload: 'fj-creation',
      params: { actors: q(40_000, 5_000) },
      modes: STANDARD,
      baseline: same('plain-tree'),
    },
    {
      id: 'big',
      workload: 'big',
      params: { actors: 120, pings: q(20_000, 1_000) },
      modes: STANDARD,
      baseline: same('plain-threadring'),
    },
    {
      id: 'chameneos',
      workload: 'chameneos',
      params: { chameneos: 100, meetings: q(200_000, 20_000) },
      modes: STANDARD,
      baseline: same('plain-threadring'),
    },
    {
      id: 'actortree',
      workload: 'actortree',
      params: { levels: q(17, 12) },
      modes: STANDARD,
      baseline: same('plain-tree'),
    },
    {
      id: 'maxthroughput local',
      workload: 'maxthroughput',
      params: { pairs: 100, window: 4, trips: q(10_000, 500), cross: 0 },
      modes: [EMBEDDED, WORKERS],
      baseline: same('plain-pingpong'),
    },
    {
      id: 'maxthroughput cross',
      workload: 'maxthroughput',
      params: { pairs: 100, window: 4, trips: q(10_000, 500), cross: 1 },
      modes: [WORKERS],
      baseline: same('ring'),
    },
    {
      id: 'step',
      workload: 'step',
      params: { steps: q(20_000, 1_000) },
      modes: [0, 1, 2, 4].map((workers) => ({ workers, strict: true })),
      baseline: (mode) => `barrier${Math.max(1, mode.workers)}`,
    },
    {
      id: 'scaling',
      workload: 'scaling',
      params: q(
        { cells: 64, tokens: 64, hops: 2_000, work: 2_000 },
        { cells: 32, tokens: 16, hops: 50, work: 2_000 },
      ),
      modes: [0, 1, 2].map((workers) => ({ workers, strict: false })),
      baseline: (mode) => `threads${Math.max(1, mode.workers)}`,
    },
    {
      id: 'memory',
      workload: 'memory',
      params: q(
        { from: 500_000, to: 1_000_000 },
        { from: 50_000, to: 100_000 },
      ),
      modes: LOOSE,
      baseline: same('plain-objects'),
    },
    ...placementEntries(quick),
  ];
  return list;
}

/**
 * Infoton optimization off and on. The quick run keeps to 2 workers and
 * small sizes (a few seconds in all): enough to check results, not to see
 * convergence.
 */
function placementEntries(quick: boolean): Entry[] {
  const q = <T>(full: T, small: T) => (quick ? small : full);
  const loose = q([2, 4], [2]).map((workers) => ({ workers, strict: false }));
  const strict = loose.map((mode) => ({ ...mode, strict: true }));
  const none = () => undefined;
  // Off and on side by side for each mode, so that a noisy neighbour
  // hurts both alike.
  const twice = (id: string, workload: string, params: Params, modes: Mode[]) =>
    modes.flatMap((mode) =>
      [0, 1].map((optimize) => ({
        id: `${id} ${optimize ? 'on' : 'off'}`,
        workload,
        params: { ...params, optimize },
        modes: [mode],
        baseline: none,
      })),
    );
  return [
    ...twice(
      'list',
      'list',
      { length: 4_000, sums: q(5_000, 1_000), inFlight: 200, seed: 1 },
      loose,
    ),
    ...twice(
      'grid',
      'grid',
      { side: 100, generations: q(600, 15), seed: 1 },
      strict,
    ),
    ...twice(
      'treeview',
      'treeview',
      { levels: q(16, 11), censuses: q(40, 4) },
      loose,
    ),
    {
      id: 'pairs cost',
      workload: 'pairs',
      params: { pairs: 100, window: 4, trips: q(60_000, 3_000), reps: q(5, 1) },
      modes: [{ workers: 2, strict: false }],
      baseline: none,
    },
  ];
}

export function baselines(quick: boolean): BaselineSpec[] {
  const seconds = quick ? 0.3 : 1;
  const threaded = quick ? 0.5 : 2;
  return [
    {
      key: 'plain-pingpong',
      name: 'plain-pingpong',
      params: { rounds: 1_000_000, seconds },
      serves: ['pingpong', 'maxthroughput'],
    },
    {
      key: 'plain-counting',
      name: 'plain-counting',
      params: { count: 1_000_000, seconds },
      serves: ['counting'],
    },
    {
      key: 'plain-threadring',
      name: 'plain-threadring',
      params: { passes: 10_000_000, seconds },
      serves: ['threadring', 'big', 'chameneos', 'fj-throughput'],
    },
    {
      key: 'plain-tree',
      name: 'plain-tree',
      params: { levels: 17, seconds },
      serves: ['actortree', 'fj-creation'],
    },
    {
      key: 'plain-objects',
      name: 'plain-objects',
      params: quick
        ? { from: 50_000, to: 100_000 }
        : { from: 500_000, to: 1_000_000 },
      serves: ['memory'],
    },
    {
      key: 'ring',
      name: 'ring',
      params: { seconds: threaded },
      serves: ['maxthroughput'],
    },
    {
      key: 'postmessage',
      name: 'postmessage',
      params: { seconds: threaded },
      serves: ['maxthroughput'],
    },
    ...[1, 2, 4].map((parties) => ({
      key: `barrier${parties}`,
      name: 'barrier',
      params: { parties, seconds: quick ? 0.3 : 1.5 },
      serves: ['step'],
    })),
    {
      // The engine's own setting when workers >= cores: no spinning.
      key: 'barrier2-nospin',
      name: 'barrier',
      params: { parties: 2, spin: 0, seconds: quick ? 0.3 : 1.5 },
      serves: ['step'],
    },
    {
      key: 'micro',
      name: 'micro',
      params: { ms: quick ? 100 : 400 },
      serves: ['micro'],
    },
  ];
}

/** Scaling runs interleaved: this many rounds of every configuration. */
export function scalingRounds(quick: boolean): number {
  return quick ? 1 : 3;
}

export { CORES };
