/**
 * Scaling: tokens walking over cells whose handlers do tens of
 * microseconds of arithmetic; run on 0, 1 and 2 workers. The expected
 * checksum is computed beforehand, outside the timed part.
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
import { journeys } from '../kernels.js';

type Scaling = typeof import('../workloads/scaling.js');

const expected = new Map<string, number>();

function checksum(tokens: number, hops: number, work: number): number {
  const key = `${tokens}/${hops}/${work}`;
  let sum = expected.get(key);
  if (sum === undefined) {
    sum = journeys(tokens, hops, work);
    expected.set(key, sum);
  }
  return sum;
}

export const scaling: Workload = {
  name: 'scaling',
  unit: 'msg',
  params: ['cells', 'tokens', 'hops', 'work'],
  sizes: {
    tiny: { cells: 16, tokens: 8, hops: 20, work: 2_000 },
    quick: { cells: 32, tokens: 16, hops: 50, work: 2_000 },
    full: { cells: 64, tokens: 64, hops: 2_000, work: 2_000 },
  },
  placement: 'cells dealt over the workers in turn',
  modes: [0, 1, 2].map((workers) => ({ workers, strict: false })),
  async run(params, mode) {
    const url = workloadUrl('scaling');
    const m = (await import(url.href)) as Scaling;
    const workers = parts(mode);
    const sums = (p: Params) => checksum(p.tokens!, p.hops!, p.work!);
    // Long enough for every worker's JIT to optimize the handler.
    const warm = { ...params, tokens: 16, hops: 100 };
    sums(params);
    sums(warm);
    const go = async (machine: Machine, p: Params) => {
      const { cells, tokens, hops, work } = p as Record<string, number>;
      const body = {
        cells: cells!,
        tokens: tokens!,
        hops: hops!,
        work: work!,
        workers,
      };
      const done = await ask(machine, m.Go, body, m.Done);
      check(
        'scaling',
        done.tokens === tokens && done.checksum === sums(p),
        `${done.tokens} tokens arrived, checksum ${done.checksum}, ` +
          `expected ${sums(p)}`,
      );
      return { items: tokens! * hops!, extra: { checksum: done.checksum } };
    };
    return measure(
      { module: url, component: m.DRIVER },
      mode,
      go,
      params,
      warm,
    );
  },
};
