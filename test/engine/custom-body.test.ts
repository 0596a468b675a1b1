import { type Address, createMachine } from 'circo';
import { describe, expect, it } from 'vitest';
import { Place, Point } from '#fixtures/custom.js';
import { fixture } from '../helpers/machine.js';

describe('a body with FlatBuffers code of its own', () => {
  it('crosses between workers both ways and comes back intact', async () => {
    const machine = await createMachine({
      module: fixture('custom'),
      component: 'CustomRoot',
      workers: 2,
    });
    try {
      await machine.send(machine.root, Place, { worker: 1 });
      await machine.run();
      const { echo } = (await machine.state(machine.root)) as {
        echo: Address;
      };
      const reply = await machine.ask(echo, Point, {
        x: 1.5,
        y: -2.25,
        label: 'héllo',
      });
      expect(reply.body).toEqual({ x: -1.5, y: 2.25, label: 'héllo!' });
      expect((await machine.figures()).workers[1]!.delivered).toBeGreaterThan(
        0,
      );
    } finally {
      await machine.stop();
    }
  });
});
