/**
 * MaxThroughput: pinger/ponger pairs on every worker, each pinger keeping
 * a window of pings in flight. `cross` 0: each pair on one worker;
 * `cross` 1: the ponger on the next worker, every message crossing.
 */
import type { Machine } from 'circo';
import {
  ask,
  check,
  measure,
  type Params,
  parts,
  type Workload,
  workloadUrl,
} from '../harness.js';
import { EMBEDDED, WORKERS } from './modes.js';

type MaxThroughput = typeof import('../workloads/maxthroughput.js');

export const maxthroughput: Workload = {
  name: 'maxthroughput',
  unit: 'msg',
  params: ['pairs', 'window', 'trips', 'cross'],
  sizes: {
    tiny: { pairs: 4, window: 4, trips: 500, cross: 0 },
    quick: { pairs: 100, window: 4, trips: 500, cross: 0 },
    full: { pairs: 100, window: 4, trips: 10_000, cross: 0 },
  },
  placement: 'pairs per worker; cross=1: ponger on the next worker',
  modes: [EMBEDDED, WORKERS],
  async run(params, mode) {
    const url = workloadUrl('maxthroughput');
    const m = (await import(url.href)) as MaxThroughput;
    const workers = parts(mode);
    const cross = workers > 1 ? (params.cross ?? 0) : 0;
    const go = async (machine: Machine, p: Params) => {
      const { pairs, window, trips } = p as Record<string, number>;
      const body = {
        pairs: pairs!,
        window: window!,
        trips: trips!,
        cross,
        workers,
        // Placement would bring the two sides of a pair together, and
        // this workload measures the crossing.
        pinned: 1,
      };
      const done = await ask(machine, m.Go, body, m.Done);
      const all = pairs! * workers;
      check(
        'maxthroughput',
        done.pairs === all && done.trips === all * trips!,
        `${done.pairs} pairs did ${done.trips} round trips`,
      );
      return { items: 2 * all * trips! };
    };
    const warm = { ...params, trips: Math.min(params.trips!, 500) };
    return measure(
      { module: url, component: m.DRIVER },
      mode,
      go,
      params,
      warm,
    );
  },
};
