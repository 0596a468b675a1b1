/** Every macro workload, by name. */
import type { Workload } from '../harness.js';
import { fjCreation, fjThroughput } from './forkjoin.js';
import { maxthroughput } from './maxthroughput.js';
import { memory } from './memory.js';
import { grid, list, pairs, treeview } from './placement.js';
import { big, chameneos, counting, pingpong, threadring } from './savina.js';
import { scaling } from './scaling.js';
import { step } from './step.js';
import { actortree } from './tree.js';

export const WORKLOADS: readonly Workload[] = [
  pingpong,
  counting,
  threadring,
  fjThroughput,
  fjCreation,
  big,
  chameneos,
  actortree,
  maxthroughput,
  step,
  scaling,
  memory,
  list,
  grid,
  treeview,
  pairs,
];

export function workload(name: string): Workload {
  const found = WORKLOADS.find((w) => w.name === name);
  if (found === undefined) {
    throw new Error(
      `unknown workload ${name}; known: ` +
        WORKLOADS.map((w) => w.name).join(', '),
    );
  }
  return found;
}
