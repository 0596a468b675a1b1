/** The baselines by name, each measured in a process of its own. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runBarrierBench } from '../barrier.js';
import { runDuplexBench } from '../duplex.js';
import { type Params, timed } from '../harness.js';
import { runMicro } from './micro.js';
import {
  plainCounting,
  plainPingPong,
  plainThreadRing,
  plainTree,
} from './plain.js';
import { runPostMessageBench } from './postmessage.js';
import { runThreadsBench } from './threads.js';

export interface BaselineResult {
  readonly name: string;
  readonly params: Params;
  readonly unit: string;
  readonly items: number;
  readonly seconds: number;
  readonly rate: number;
  readonly cpuWall: number;
  readonly extra?: Readonly<Record<string, number>>;
}

export const BASELINES = [
  'plain-pingpong',
  'plain-counting',
  'plain-threadring',
  'plain-tree',
  'plain-objects',
  'ring',
  'postmessage',
  'barrier',
  'threads',
  'micro',
] as const;

/**
 * A plain-loop case: one warm-up, then repeated until `seconds` passed,
 * the rate taken over all repetitions.
 */
async function plain(
  name: string,
  params: Params,
  unit: string,
  once: () => number,
  seconds: number,
): Promise<BaselineResult> {
  once();
  const run = await timed(() => {
    let items = 0;
    const end = performance.now() + seconds * 1000;
    do items += once();
    while (performance.now() < end);
    return items;
  });
  return result(name, params, unit, run.value, run.seconds, run.cpuWall);
}

function result(
  name: string,
  params: Params,
  unit: string,
  items: number,
  seconds: number,
  cpuWall: number,
  extra?: Record<string, number>,
): BaselineResult {
  const rate = items / seconds;
  return { name, params, unit, items, seconds, rate, cpuWall, extra };
}

export async function runBaseline(
  name: string,
  p: Params,
): Promise<BaselineResult[]> {
  const s = p.seconds ?? 1;
  switch (name) {
    case 'plain-pingpong': {
      const rounds = p.rounds ?? 1_000_000;
      const once = () => plainPingPong(rounds);
      return [await plain(name, { rounds }, 'msg', once, s)];
    }
    case 'plain-counting': {
      const count = p.count ?? 1_000_000;
      const once = () => plainCounting(count, 10_000) + 1;
      return [await plain(name, { count }, 'msg', once, s)];
    }
    case 'plain-threadring': {
      const passes = p.passes ?? 10_000_000;
      const once = () => plainThreadRing(100, passes);
      return [await plain(name, { actors: 100, passes }, 'msg', once, s)];
    }
    case 'plain-tree': {
      const levels = p.levels ?? 17;
      const once = () => plainTree(levels);
      return [await plain(name, { levels }, 'actors', once, s)];
    }
    case 'plain-objects': {
      const from = p.from ?? 500_000;
      const to = p.to ?? 1_000_000;
      const r = plainObjects(from, to);
      const params = { from, to };
      return [
        result(name, params, 'objects', to - from, r.seconds, r.cpuWall, {
          bytesPerComponent: r.bytes,
        }),
      ];
    }
    case 'ring': {
      // Both ways at once, frames the size of the engine's: the pattern
      // of cross-worker traffic (see duplex.ts).
      const r = await runDuplexBench({ seconds: s });
      const params = { frame: r.frameBytes, seconds: s };
      return [result(name, params, 'frames', r.frames, r.seconds, r.cpuWall)];
    }
    case 'postmessage': {
      const r = await runPostMessageBench(s);
      const params = { seconds: s };
      return [result(name, params, 'msg', r.messages, r.seconds, r.cpuWall)];
    }
    case 'barrier': {
      const parties = p.parties ?? 2;
      const spin = p.spin;
      const r = await runBarrierBench({
        parties,
        seconds: s,
        ...(spin === undefined ? {} : { spin }),
      });
      const params = { parties, ...(spin === undefined ? {} : { spin }) };
      return [result(name, params, 'rounds', r.rounds, r.seconds, r.cpuWall)];
    }
    case 'threads': {
      const { threads = 2, tokens = 64, hops = 2_000, work = 2_000 } = p;
      const r = await runThreadsBench(threads, tokens, hops, work);
      const params = { threads, tokens, hops, work };
      const extra = { checksum: r.checksum };
      return [
        result(name, params, 'msg', r.handlings, r.seconds, r.cpuWall, extra),
      ];
    }
    case 'micro': {
      const timeMs = p.ms ?? 400;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const cases = await runMicro(timeMs);
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const cpuWall = (cpu.user + cpu.system) / 1e6 / wall;
      return cases.map((c) => ({
        name: c.name,
        params: { ms: timeMs },
        unit: 'msg',
        items: c.samples,
        seconds: wall,
        rate: c.opsPerSecond,
        cpuWall,
        extra: { rme: c.rme },
      }));
    }
    default:
      throw new Error(
        `unknown baseline ${name}; known: ${BASELINES.join(', ')}`,
      );
  }
}

class Empty {}

/**
 * The memory floor: empty class instances held in an array, the heap
 * slope between `from` and `to` of them after full collections.
 */
function plainObjects(
  from: number,
  to: number,
): { bytes: number; seconds: number; cpuWall: number } {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const held: Empty[] = [];
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  for (let i = 0; i < from; i++) held.push(new Empty());
  const before = heap();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = from; i < to; i++) held.push(new Empty());
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const after = heap();
  if (held.length !== to) throw new Error('plain objects: lost some');
  return {
    bytes: (after - before) / (to - from),
    seconds,
    cpuWall: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}
