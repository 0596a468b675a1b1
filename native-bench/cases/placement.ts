/**
 * Placement workloads: what infoton optimization does to where components
 * run, each with the optimization off (`optimize=0`) and on (1). The
 * machine's per-round records are collected over the measured part and
 * summed up by ../placement.ts: cross-worker share over rounds,
 * migrations, the busiest worker's load over the mean, messages/s.
 */
import { createMachine, type Machine } from 'circo';
import {
  ask,
  check,
  distUrl,
  type Measured,
  type Mode,
  type Params,
  parts,
  timed,
  type Workload,
  workloadUrl,
} from '../harness.js';
import { collectRounds, summarize } from '../placement.js';

type List = typeof import('../workloads/list.js');
type Grid = typeof import('../workloads/grid.js');
type MaxThroughput = typeof import('../workloads/maxthroughput.js');
type Tree = typeof import('../../src/examples/tree.js');

const LOOSE2_4: readonly Mode[] = [
  { workers: 2, strict: false },
  { workers: 4, strict: false },
];
const STRICT2_4: readonly Mode[] = [
  { workers: 2, strict: true },
  { workers: 4, strict: true },
];

/**
 * Starts a machine with the optimization on or off, sets the workload up
 * (not timed), then times `go` while collecting the rounds' records.
 */
async function observed(
  module: URL,
  component: string,
  mode: Mode,
  optimize: boolean,
  setup: (machine: Machine) => Promise<void>,
  go: (machine: Machine) => Promise<number>,
): Promise<Measured> {
  const start = await timed(() =>
    createMachine({
      module,
      component,
      workers: mode.workers,
      steps: mode.strict ? 'strict' : 'loose',
      placement: { enabled: optimize },
    }),
  );
  const machine = start.value;
  try {
    await setup(machine);
    const before = (await machine.figures()).delivered;
    const rounds = collectRounds(machine);
    const run = await timed(() => go(machine));
    rounds.stop();
    const figures = await machine.figures();
    const { extra, series } = summarize(rounds.samples, run.seconds);
    return {
      items: run.value,
      seconds: run.seconds,
      cpuWall: run.cpuWall,
      startupSeconds: start.seconds,
      extra: { delivered: figures.delivered - before, ...extra },
      series,
    };
  } finally {
    await machine.stop();
  }
}

export const list: Workload = {
  name: 'list',
  unit: 'msg',
  params: ['length', 'sums', 'inFlight', 'optimize', 'seed', 'fault'],
  sizes: {
    tiny: { length: 200, sums: 20, inFlight: 10, optimize: 1, seed: 1 },
    quick: { length: 4_000, sums: 1_000, inFlight: 200, optimize: 1, seed: 1 },
    full: { length: 4_000, sums: 5_000, inFlight: 200, optimize: 1, seed: 1 },
  },
  placement: 'nodes dealt to workers at random (seeded)',
  modes: LOOSE2_4,
  async run(params, mode) {
    const url = workloadUrl('list');
    const m = (await import(url.href)) as List;
    const { length, sums, inFlight, seed } = params as Record<string, number>;
    let expected = 0;
    return observed(
      url,
      m.DRIVER,
      mode,
      params.optimize === 1,
      async (machine) => {
        const body = { length: length!, workers: parts(mode), seed: seed! };
        const built = await ask(machine, m.Build, body, m.Built);
        expected = built.expected;
        if (params.fault === 1) await machine.send(machine.root, m.Skew, {});
      },
      async (machine) => {
        const body = { sums: sums!, inFlight: inFlight! };
        const walked = await ask(machine, m.Walk, body, m.Walked);
        check(
          'list',
          walked.sums === sums && walked.wrong === 0,
          `${walked.sums} sums of ${sums}, ${walked.wrong} not ${expected}`,
        );
        return sums! * (length! + 1);
      },
    );
  },
};

export const grid: Workload = {
  name: 'grid',
  unit: 'msg',
  params: ['side', 'generations', 'optimize', 'seed', 'fault'],
  sizes: {
    tiny: { side: 8, generations: 10, optimize: 1, seed: 1 },
    quick: { side: 100, generations: 60, optimize: 1, seed: 1 },
    full: { side: 100, generations: 600, optimize: 1, seed: 1 },
  },
  placement: 'cells dealt to workers at random (seeded)',
  modes: STRICT2_4,
  async run(params, mode) {
    const url = workloadUrl('grid');
    const m = (await import(url.href)) as Grid;
    const { side, generations, seed } = params as Record<string, number>;
    const workers = parts(mode);
    return observed(
      url,
      m.DRIVER,
      mode,
      params.optimize === 1,
      async (machine) => {
        const body = { side: side!, workers, seed: seed! };
        await ask(machine, m.Build, body, m.Built);
        if (params.fault === 1) await machine.send(machine.root, m.Skew, {});
      },
      async (machine) => {
        const body = { generations: generations! };
        const ran = await ask(machine, m.Run, body, m.Ran);
        const first = m.firstValues(side!, workers, seed!);
        const sum = m.expectedChecksum(first, side!, generations!);
        check(
          'grid',
          ran.cells === side! * side! &&
            ran.wrong === 0 &&
            ran.checksum === sum,
          `${ran.cells} cells, ${ran.wrong} off their generation, ` +
            `checksum ${ran.checksum}, expected ${sum}`,
        );
        return 4 * side! * side! * generations!;
      },
    );
  },
};

export const treeview: Workload = {
  name: 'treeview',
  unit: 'msg',
  params: ['levels', 'censuses', 'optimize'],
  sizes: {
    tiny: { levels: 8, censuses: 4, optimize: 1 },
    quick: { levels: 14, censuses: 10, optimize: 1 },
    full: { levels: 16, censuses: 40, optimize: 1 },
  },
  placement: "the tutorial's tree: top 3 levels spread, the rest local",
  modes: LOOSE2_4,
  async run(params, mode) {
    const url = distUrl('src/examples/tree.js');
    const tree = (await import(url.href)) as Tree;
    const { levels, censuses } = params as Record<string, number>;
    const nodes = 2 ** (levels! + 1) - 1;
    return observed(
      url,
      'TreeCreator',
      mode,
      params.optimize === 1,
      async (machine) => {
        for (let level = 1; level <= levels!; level++) {
          await machine.send(machine.root, tree.Start, {});
          await machine.run();
        }
      },
      async (machine) => {
        for (let i = 0; i < censuses!; i++) {
          const counted = await ask(
            machine,
            tree.Census,
            {},
            tree.CensusResult,
          );
          check(
            'treeview',
            counted.nodes === nodes,
            `census ${i} counted ${counted.nodes}, expected ${nodes}`,
          );
        }
        // Count and Counted for every node; Census and its reply.
        return censuses! * 2 * (nodes + 1);
      },
    );
  },
};

/**
 * What the optimization costs where it has nothing to win: pairs already
 * together, on fresh machines with it off and on in turn, `reps` times
 * each (interleaved, so that a noisy neighbour hurts both alike). The
 * rate is the median with it on; the extras hold the median off, their
 * ratio, and the ratio's spread over the repetitions.
 */
export const pairs: Workload = {
  name: 'pairs',
  unit: 'msg',
  params: ['pairs', 'window', 'trips', 'reps'],
  sizes: {
    tiny: { pairs: 4, window: 4, trips: 200, reps: 1 },
    quick: { pairs: 100, window: 4, trips: 5_000, reps: 2 },
    full: { pairs: 100, window: 4, trips: 60_000, reps: 5 },
  },
  placement: 'both sides of each pair on one worker, near each other',
  modes: [{ workers: 2, strict: false }],
  async run(params: Params, mode) {
    // MaxThroughput's pairs, each on one worker and not pinned.
    const url = workloadUrl('maxthroughput');
    const m = (await import(url.href)) as MaxThroughput;
    const { pairs: count, window, trips } = params as Record<string, number>;
    const workers = parts(mode);
    const go = async (machine: Machine, t: number) => {
      const body = {
        pairs: count!,
        window: window!,
        trips: t,
        cross: 0,
        workers,
        pinned: 0,
      };
      const done = await ask(machine, m.Go, body, m.Done);
      const all = count! * workers;
      check(
        'pairs',
        done.pairs === all && done.trips === all * t,
        `${done.pairs} pairs did ${done.trips} round trips`,
      );
      return 2 * all * t;
    };
    const runs: { off: Measured[]; on: Measured[] } = { off: [], on: [] };
    for (let rep = 0; rep < Math.max(1, params.reps ?? 1); rep++) {
      for (const optimize of [false, true]) {
        const measured = await observed(
          url,
          m.DRIVER,
          mode,
          optimize,
          async (machine) => {
            // A warm-up long enough for the JIT to settle: the first
            // milliseconds of a run measure what it inlined, not placement.
            await go(machine, Math.min(trips!, 5_000));
          },
          (machine) => go(machine, trips!),
        );
        runs[optimize ? 'on' : 'off'].push(measured);
      }
    }
    const rates = (list: Measured[]) => list.map((r) => r.items / r.seconds);
    const ratios = runs.on.map(
      (on, i) =>
        on.items / on.seconds / (runs.off[i]!.items / runs.off[i]!.seconds),
    );
    const on = median(runs.on, (r) => r.items / r.seconds);
    return {
      ...on,
      extra: {
        ...on.extra,
        offRate: medianOf(rates(runs.off)),
        onRate: medianOf(rates(runs.on)),
        onOverOff: medianOf(ratios),
        ratioMin: Math.min(...ratios),
        ratioMax: Math.max(...ratios),
        offCpuWall: medianOf(runs.off.map((r) => r.cpuWall)),
      },
    };
  },
};

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The run whose `key` is the median (the lower one of an even count). */
function median<T>(runs: readonly T[], key: (run: T) => number): T {
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[(sorted.length - 1) >> 1]!;
}
