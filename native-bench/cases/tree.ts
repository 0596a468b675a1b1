/**
 * ActorTree: the tutorial's tree (src/examples/tree.ts) grown level by
 * level; components created per second. The tree cannot be grown twice,
 * so there is no warm-up go: the first levels warm the JIT.
 */
import { createMachine } from 'circo';
import {
  check,
  distUrl,
  type Measured,
  timed,
  type Workload,
} from '../harness.js';
import { STANDARD } from './modes.js';

type Tree = typeof import('../../src/examples/tree.js');

export const actortree: Workload = {
  name: 'actortree',
  unit: 'actors',
  params: ['levels'],
  sizes: {
    tiny: { levels: 10 },
    quick: { levels: 14 },
    full: { levels: 17 },
  },
  placement: 'children of the top 3 levels spread, the rest local',
  modes: STANDARD,
  async run(params, mode): Promise<Measured> {
    const url = distUrl('src/examples/tree.js');
    const tree = (await import(url.href)) as Tree;
    const levels = params.levels!;
    const start = await timed(() =>
      createMachine({
        module: url,
        component: 'TreeCreator',
        workers: mode.workers,
        steps: mode.strict ? 'strict' : 'loose',
      }),
    );
    const machine = start.value;
    try {
      const run = await timed(async () => {
        for (let level = 1; level <= levels; level++) {
          await machine.send(machine.root, tree.Start, {});
          await machine.run();
        }
      });
      const nodes = 2 ** (levels + 1) - 1;
      const { nodeCount } = (await machine.state(machine.root)) as {
        nodeCount: number;
      };
      const figures = await machine.figures();
      check(
        'actortree',
        nodeCount === nodes && figures.components === nodes + 1,
        `${nodeCount} nodes counted, ${figures.components} components, ` +
          `expected ${nodes}`,
      );
      return {
        items: nodes,
        seconds: run.seconds,
        cpuWall: run.cpuWall,
        startupSeconds: start.seconds,
        extra: { delivered: figures.delivered },
      };
    } finally {
      await machine.stop();
    }
  },
};
