/**
 * Memory: bytes per idle component, the slope of the heap (every
 * worker's heap added up) between `from` and `to` components. Each worker
 * spawns its share locally; heaps are read after a full collection.
 */
import { type Address, createMachine, type Machine } from 'circo';
import {
  check,
  type Measured,
  NO_TIMEOUT,
  parts,
  timed,
  type Workload,
  workloadUrl,
} from '../harness.js';
import { LOOSE } from './modes.js';

type Memory = typeof import('../workloads/memory.js');

export const memory: Workload = {
  name: 'memory',
  unit: 'actors',
  params: ['from', 'to'],
  sizes: {
    tiny: { from: 20_000, to: 40_000 },
    quick: { from: 100_000, to: 200_000 },
    full: { from: 500_000, to: 1_000_000 },
  },
  placement: 'each worker spawns its share of idle components locally',
  modes: LOOSE,
  async run(params, mode): Promise<Measured> {
    const url = workloadUrl('memory');
    const m = (await import(url.href)) as Memory;
    const { from, to } = params as { from: number; to: number };
    const workers = parts(mode);
    const start = await timed(() =>
      createMachine({
        module: url,
        component: m.DRIVER,
        workers: mode.workers,
      }),
    );
    const machine: Machine = start.value;
    try {
      const ready = await machine.ask(
        machine.root,
        m.Setup,
        { workers },
        NO_TIMEOUT,
      );
      const { probes } = ready.body as { probes: Address[] };
      let collected = true;
      const heap = async () => {
        let bytes = 0;
        for (const probe of probes) {
          const reply = await machine.ask(probe, m.Heap, {}, NO_TIMEOUT);
          const used = reply.body as { bytes: number; collected: boolean };
          bytes += used.bytes;
          collected &&= used.collected;
        }
        return bytes;
      };
      const grow = (count: number) =>
        machine.ask(
          machine.root,
          m.Grow,
          { each: Math.ceil(count / workers), chunk: 10_000 },
          NO_TIMEOUT,
        );
      await grow(from);
      const heap1 = await heap();
      const run = await timed(() => grow(to - from));
      const heap2 = await heap();
      const made = Math.ceil(from / workers) + Math.ceil((to - from) / workers);
      const figures = await machine.figures();
      check(
        'memory',
        figures.components === made * workers + 1 + 2 * workers,
        `${figures.components} components, expected ` +
          `${made * workers + 1 + 2 * workers}`,
      );
      const count = Math.ceil((to - from) / workers) * workers;
      return {
        items: count,
        seconds: run.seconds,
        cpuWall: run.cpuWall,
        startupSeconds: start.seconds,
        extra: {
          bytesPerComponent: (heap2 - heap1) / count,
          heapBefore: heap1,
          heapAfter: heap2,
          collected: collected ? 1 : 0,
        },
      };
    } finally {
      await machine.stop();
    }
  },
};
