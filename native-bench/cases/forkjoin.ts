/** Drivers of the fork-join workloads: throughput and creation. */
import type { Machine } from 'circo';
import {
  ask,
  check,
  measure,
  type Params,
  type Workload,
  workloadUrl,
} from '../harness.js';
import { STANDARD } from './modes.js';

type ForkJoin = typeof import('../workloads/forkjoin.js');

async function forkjoin(): Promise<ForkJoin> {
  return (await import(workloadUrl('forkjoin').href)) as ForkJoin;
}

export const fjThroughput: Workload = {
  name: 'fj-throughput',
  unit: 'msg',
  params: ['actors', 'messages'],
  sizes: {
    tiny: { actors: 10, messages: 1_000 },
    quick: { actors: 60, messages: 2_000 },
    full: { actors: 60, messages: 10_000 },
  },
  placement: 'driver on worker 0, actors spread round-robin',
  modes: STANDARD,
  async run(params, mode) {
    const m = await forkjoin();
    const spec = { module: workloadUrl('forkjoin'), component: m.DRIVER };
    const go = async (machine: Machine, p: Params) => {
      const { actors, messages } = p as { actors: number; messages: number };
      const body = { actors, messages, chunk: 100 };
      const done = await ask(machine, m.Throughput, body, m.Done);
      check(
        'fj-throughput',
        done.finished === actors && done.handled === actors * messages,
        `${done.finished} actors finished, ${done.handled} handled`,
      );
      return { items: actors * messages };
    };
    // A warm-up of the Savina size (see savina.ts, `capped`).
    const warm = { ...params, messages: Math.min(params.messages!, 10_000) };
    return measure(spec, mode, go, params, warm);
  },
};

export const fjCreation: Workload = {
  name: 'fj-creation',
  unit: 'actors',
  params: ['actors'],
  sizes: {
    tiny: { actors: 2_000 },
    quick: { actors: 10_000 },
    full: { actors: 40_000 },
  },
  placement: 'created spread round-robin by a driver on worker 0',
  modes: STANDARD,
  async run(params, mode) {
    const m = await forkjoin();
    const spec = { module: workloadUrl('forkjoin'), component: m.DRIVER };
    const go = async (machine: Machine, p: Params) => {
      const actors = p.actors!;
      const body = { actors, chunk: 1_000 };
      const done = await ask(machine, m.Create, body, m.Done);
      check(
        'fj-creation',
        done.finished === actors && done.handled === actors,
        `${done.finished} of ${actors} components answered`,
      );
      const figures = await machine.figures();
      check(
        'fj-creation',
        figures.died >= actors,
        `${figures.died} died, ${actors} expected`,
      );
      return { items: actors };
    };
    const warm = { actors: Math.min(params.actors!, 40_000) };
    return measure(spec, mode, go, params, warm);
  },
};
