/**
 * Drivers of the Savina message workloads: PingPong, Counting,
 * ThreadRing, Big, Chameneos. Each checks its result and throws if wrong.
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
import { STANDARD } from './modes.js';

type PingPong = typeof import('../workloads/pingpong.js');
type Counting = typeof import('../workloads/counting.js');
type ThreadRing = typeof import('../workloads/threadring.js');
type Big = typeof import('../workloads/big.js');
type Chameneos = typeof import('../workloads/chameneos.js');

async function module<M>(name: string): Promise<M> {
  return (await import(workloadUrl(name).href)) as M;
}

/**
 * Warm-up parameters: `params` with `field` capped at `most`, the Savina
 * size: a run of the Savina size follows one of the same size on the
 * same machine, as Savina's own runner discards its first iterations,
 * and the longer steady runs follow one of the Savina size.
 */
function capped(params: Params, field: string, most: number): Params {
  return { ...params, [field]: Math.min(params[field]!, most) };
}

export const pingpong: Workload = {
  name: 'pingpong',
  unit: 'msg',
  params: ['rounds', 'split'],
  sizes: {
    tiny: { rounds: 2_000, split: 0 },
    quick: { rounds: 10_000, split: 0 },
    full: { rounds: 40_000, split: 0 },
    steady: { rounds: 1_000_000, split: 0 },
  },
  placement: 'both on one worker (split=1: ponger on the next)',
  modes: STANDARD,
  async run(params, mode) {
    const m = await module<PingPong>('pingpong');
    const split = Math.min(params.split ?? 0, parts(mode) - 1);
    const spec = { module: workloadUrl('pingpong'), component: m.PINGER };
    const go = async (machine: Machine, p: Params) => {
      const rounds = p.rounds!;
      const done = await ask(machine, m.Go, { rounds, split }, m.Done);
      check(
        'pingpong',
        done.pongs === rounds && done.seen === rounds,
        `${done.pongs} pongs and ${done.seen} pings for ${rounds} rounds`,
      );
      return { items: 2 * rounds };
    };
    return measure(spec, mode, go, params, capped(params, 'rounds', 40_000));
  },
};

export const counting: Workload = {
  name: 'counting',
  unit: 'msg',
  params: ['count', 'batch'],
  sizes: {
    tiny: { count: 20_000, batch: 1_000 },
    quick: { count: 200_000, batch: 10_000 },
    full: { count: 1_000_000, batch: 10_000 },
  },
  placement: 'producer and counter on one worker',
  modes: STANDARD,
  async run(params, mode) {
    const m = await module<Counting>('counting');
    const spec = { module: workloadUrl('counting'), component: m.PRODUCER };
    const go = async (machine: Machine, p: Params) => {
      const count = p.count!;
      const body = { count, batch: p.batch!, split: 0 };
      const done = await ask(machine, m.Go, body, m.Done);
      check('counting', done.total === count, `total ${done.total}`);
      return { items: count + 1 };
    };
    return measure(spec, mode, go, params, capped(params, 'count', 1_000_000));
  },
};

export const threadring: Workload = {
  name: 'threadring',
  unit: 'msg',
  params: ['actors', 'passes'],
  sizes: {
    tiny: { actors: 100, passes: 20_000 },
    quick: { actors: 100, passes: 100_000 },
    full: { actors: 100, passes: 100_000 },
    steady: { actors: 100, passes: 10_000_000 },
  },
  placement: 'one contiguous arc of the ring per worker',
  modes: STANDARD,
  async run(params, mode) {
    const m = await module<ThreadRing>('threadring');
    const spec = { module: workloadUrl('threadring'), component: m.DRIVER };
    const go = async (machine: Machine, p: Params) => {
      const { actors, passes } = p as { actors: number; passes: number };
      const body = { actors, passes, workers: parts(mode) };
      const done = await ask(machine, m.Go, body, m.Done);
      // The token is handled passes + 1 times; the last holder is known.
      const laps = Math.floor(passes / actors);
      const last = passes % actors;
      check(
        'threadring',
        done.index === last && done.handled === laps + 1,
        `ended at node ${done.index} after ${done.handled} handlings, ` +
          `expected node ${last} after ${laps + 1}`,
      );
      return { items: passes };
    };
    return measure(spec, mode, go, params, capped(params, 'passes', 100_000));
  },
};

export const big: Workload = {
  name: 'big',
  unit: 'msg',
  params: ['actors', 'pings'],
  sizes: {
    tiny: { actors: 20, pings: 500 },
    quick: { actors: 120, pings: 2_000 },
    full: { actors: 120, pings: 20_000 },
  },
  placement: 'actors spread round-robin; peers drawn at random',
  modes: STANDARD,
  async run(params, mode) {
    const m = await module<Big>('big');
    const spec = { module: workloadUrl('big'), component: m.DRIVER };
    const go = async (machine: Machine, p: Params) => {
      const { actors, pings } = p as { actors: number; pings: number };
      const done = await ask(machine, m.Go, { actors, pings, seed: 7 }, m.Done);
      const total = actors * pings;
      check(
        'big',
        done.sent === total && done.received === total,
        `${done.sent} pings sent, ${done.received} received, ` +
          `expected ${total}`,
      );
      return { items: 2 * total };
    };
    return measure(spec, mode, go, params, capped(params, 'pings', 20_000));
  },
};

export const chameneos: Workload = {
  name: 'chameneos',
  unit: 'msg',
  params: ['chameneos', 'meetings'],
  sizes: {
    tiny: { chameneos: 20, meetings: 5_000 },
    quick: { chameneos: 100, meetings: 50_000 },
    full: { chameneos: 100, meetings: 200_000 },
  },
  placement: 'mall on worker 0, chameneos spread round-robin',
  modes: STANDARD,
  async run(params, mode) {
    const m = await module<Chameneos>('chameneos');
    const spec = { module: workloadUrl('chameneos'), component: m.MALL };
    const go = async (machine: Machine, p: Params) => {
      const { chameneos, meetings } = p as Record<string, number>;
      const body = { chameneos: chameneos!, meetings: meetings! };
      const done = await ask(machine, m.Go, body, m.Done);
      check(
        'chameneos',
        done.meetings === meetings &&
          done.met === 2 * meetings! &&
          done.stopped === chameneos,
        `${done.meetings} meetings, ${done.met} met, ${done.stopped} stopped`,
      );
      return { items: 4 * meetings! + 3 * chameneos! };
    };
    return measure(spec, mode, go, params, capped(params, 'meetings', 200_000));
  },
};
