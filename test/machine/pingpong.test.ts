import type { Address } from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import { Play } from '#fixtures/pingpong.js';
import { type Machine, startMachine } from '../helpers/machine.js';

describe('ping-pong', () => {
  let machine: Machine;
  afterEach(() => machine?.stop());

  it('exchanges 1,000,000 numbered messages, each once and in order', async () => {
    machine = await startMachine('pingpong', 'Pinger');
    await machine.send(machine.root, Play, { pings: 500_000, window: 64 });
    const figures = await machine.run();
    const pinger = (await machine.state(machine.root)) as {
      ponger: Address;
      expected: number;
      outOfOrder: number;
    };
    const ponger = (await machine.state(pinger.ponger)) as {
      received: number;
      expected: number;
      outOfOrder: number;
    };
    expect(ponger).toEqual({
      received: 500_000,
      expected: 500_000,
      outOfOrder: 0,
    });
    expect(pinger.expected).toBe(500_000);
    expect(pinger.outOfOrder).toBe(0);
    // Two Spawned, Play, and the million.
    expect(figures.delivered).toBe(1_000_003);
    expect(figures.deadLetters).toBe(0);
  });
});
