/**
 * The showcase behind `circo start`: grows the actor tree from one spawn,
 * then makes it count itself over and over, a message-heavy workload.
 */

import { Census, Start } from '../examples/tree.js';
import { createMachine } from '../machine/machine.js';

export interface ShowcaseOptions {
  /** Tree depth: the tree ends with 2^(levels+1) - 1 nodes. */
  readonly levels: number;
  /** Census rounds after growing; each is 2 messages per node. */
  readonly rounds: number;
  readonly print: (line: string) => void;
  /** Worker threads; by default one per core. */
  readonly workers?: number;
}

export async function showcase(options: ShowcaseOptions): Promise<void> {
  const { levels, rounds, print } = options;
  const machine = await createMachine({
    module: new URL('../examples/tree.js', import.meta.url),
    component: 'TreeCreator',
    ...(options.workers === undefined ? {} : { workers: options.workers }),
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const where =
    options.workers === 0 ? 'the embedded machine' : 'worker threads';
  print(`growing the actor tree to ${levels} levels on ${where}`);
  for (let level = 1; level <= levels; level++) {
    await machine.send(machine.root, Start, {});
    const figures = await machine.run();
    if (level % 4 === 0 || level === levels) {
      print(
        `  level ${String(level).padStart(2)}: ` +
          `${String(figures.components - 1).padStart(7)} components, ` +
          `${ms(performance.now() - t0)}`,
      );
    }
  }
  const grown = performance.now();
  print(`counting the tree ${rounds} times, two messages per node each`);
  let nodes = 0;
  for (let round = 1; round <= rounds; round++) {
    const reply = await machine.ask(machine.root, Census, {});
    nodes = (reply.body as { nodes: number }).nodes;
    if (round % 5 === 0 || round === rounds) {
      print(`  round ${round}/${rounds}: ${nodes} nodes counted`);
    }
  }
  if (nodes !== 2 ** (levels + 1) - 1) {
    throw new Error(
      `the census counted ${nodes} nodes, expected ` +
        `${2 ** (levels + 1) - 1}`,
    );
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const figures = await machine.figures();
  await machine.stop();
  const rate = figures.delivered / (wall / 1000);
  print('');
  print(`components   ${figures.components}`);
  print(`messages     ${figures.delivered}`);
  print(`grow time    ${ms(grown - t0)}`);
  print(`wall time    ${ms(wall)}`);
  print(`messages/s   ${(rate / 1e6).toFixed(2)} M`);
  print(`cpu/wall     ${((cpu.user + cpu.system) / 1000 / wall).toFixed(2)}`);
}

function ms(value: number): string {
  return value < 1000
    ? `${value.toFixed(0)} ms`
    : `${(value / 1000).toFixed(2)} s`;
}
