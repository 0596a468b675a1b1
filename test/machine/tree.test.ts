import type { Machine } from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import { Census, Start } from '#fixtures/tree.js';
import { startMachine } from '../helpers/machine.js';

describe('the actor tree', () => {
  let machine: Machine | undefined;
  afterEach(() => machine?.stop());

  it('holds 2^(i+1)-1 components after the i-th Start, for i = 1..17', async () => {
    machine = await startMachine('tree', 'TreeCreator');
    for (let i = 1; i <= 17; i++) {
      await machine.send(machine.root, Start, {});
      await machine.run();
      const state = (await machine.state(machine.root)) as {
        nodeCount: number;
      };
      expect(state.nodeCount, `after Start ${i}`).toBe(2 ** (i + 1) - 1);
      // The creator itself is a component too.
      expect((await machine.figures()).components).toBe(2 ** (i + 1));
    }
    const census = await machine.ask(machine.root, Census, {});
    expect(census.body).toEqual({ nodes: 2 ** 18 - 1 });
    const figures = await machine.figures();
    expect(figures.deadLetters).toBe(0);
    expect(figures.queued).toBe(0);
  });
});
