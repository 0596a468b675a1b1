// Who finds a component that moved. Components route every message by a
// directory that all workers update at the migration round, so they never
// need forwarding. The outside sends to a component's home worker, which
// passes each message on as it reads it: once per message, in order.
import { type Address, createMachine, type Machine } from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import { Hello, Hop, SendMany, Setup, Where } from '#fixtures/migration.js';
import { fixture } from '../helpers/machine.js';

interface NomadState {
  received: number;
  problems: string[];
  last: Record<string, number>;
  path: number[];
}

describe('forwarding to a component that moved', () => {
  let machine: Machine | undefined;
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  /** A Nomad on worker 0 (its home) and a Sender on each worker. */
  async function lab(steps: 'loose' | 'strict', workers = 2) {
    machine = await createMachine({
      module: fixture('migration'),
      component: 'MigrationLab',
      workers,
      steps,
      placement: { enabled: false },
    });
    const m = machine;
    await m.send(m.root, Setup, {
      workers,
      senders: workers,
      messages: 0,
      hop: 0,
      seed: 1,
      pace: 0,
    });
    await m.run();
    const { nomad, senders } = (await m.state(m.root)) as {
      nomad: Address;
      senders: Address[];
    };
    const state = async () => (await m.state(nomad)) as NomadState;
    const worker = async () =>
      ((await m.ask(nomad, Where, {})).body as { worker: number }).worker;
    return { m, nomad, senders, state, worker };
  }

  async function hello(m: Machine, nomad: Address, from: number, to: number) {
    for (let seq = from; seq <= to; seq++) {
      await m.send(nomad, Hello, { seq, from: 99 });
    }
  }

  for (const steps of ['loose', 'strict'] as const) {
    it(`is never needed by component senders (${steps} steps)`, async () => {
      const { m, nomad, senders, state } = await lab(steps, 4);
      for (const worker of [1, 2, 3, 0]) {
        await m.send(nomad, Hop, { worker });
        for (const sender of senders) {
          await m.send(sender, SendMany, { to: nomad, count: 25 });
        }
        await m.run();
      }
      const figures = await m.run();
      const { problems, path, last } = await state();
      expect(problems).toEqual([]);
      expect(path).toEqual([1, 2, 3, 0]);
      for (const from of ['1', '2', '3', '4']) expect(last[from]).toBe(100);
      // The Hops came from the outside to the Nomad's home, worker 0:
      // those sent while it was away were passed on, nothing else.
      expect(figures.forwards).toBe(3);
    });
  }

  it("passes each of the outside's messages on once, from the target's home", async () => {
    const { m, nomad, state, worker } = await lab('loose');
    await m.send(nomad, Hop, { worker: 1 });
    await m.run();
    expect(await worker()).toBe(1);
    const before = (await m.figures()).forwards;
    await hello(m, nomad, 1, 50);
    await m.run();
    expect((await m.figures()).forwards).toBe(before + 50);
    await hello(m, nomad, 51, 100);
    await m.run();
    expect((await m.figures()).forwards).toBe(before + 100);
    const { problems, last } = await state();
    expect(problems).toEqual([]);
    expect(last['99']).toBe(100);
  });

  it("keeps the outside's order when the target moves back to its home worker", async () => {
    // Strict steps and runs of one step make the interleaving exact: the
    // home worker reads the outside's messages while the machine is
    // parked, so some are still there when the Nomad comes home with the
    // earlier ones in its queue.
    const { m, nomad, state, worker } = await lab('strict');
    await m.send(nomad, Hop, { worker: 1 });
    await m.run();
    expect(await worker()).toBe(1);
    await m.send(nomad, Hop, { worker: 0 });
    await m.steps(1);
    await hello(m, nomad, 1, 5);
    await m.steps(1); // the Nomad asks to go home; 1..5 reach it
    await hello(m, nomad, 6, 10);
    await m.run(); // it moves home, then handles what is queued
    const { problems, last, path } = await state();
    expect(path).toEqual([1, 0]);
    expect(problems).toEqual([]);
    expect(last['99']).toBe(10);
  });

  it("hands the outside's message on within its step, as on one thread (strict)", async () => {
    const { m, nomad, state, worker } = await lab('strict');
    await m.send(nomad, Hop, { worker: 1 });
    await m.run();
    expect(await worker()).toBe(1);
    await hello(m, nomad, 1, 1);
    await m.steps(1);
    expect((await state()).received).toBe(1);
  });
});
