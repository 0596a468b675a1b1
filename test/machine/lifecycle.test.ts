import type { Address, Figures, Machine } from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CHAIN_LENGTH,
  Kill,
  SpawnBusy,
  SpawnChain,
  Stubborn,
} from '#fixtures/lifecycle.js';
import { startMachine } from '../helpers/machine.js';

interface SupervisorState {
  chain: Address;
  busy: Address;
  stubborn: Address;
  reports: string[];
  selves: Address[];
  terminated: Address[];
}

/** The figures that must return to where they were after a death. */
function held(f: Figures) {
  return {
    components: f.components,
    names: f.names,
    timers: f.timers,
    pendingRequests: f.pendingRequests,
    subscriptions: f.subscriptions,
    watches: f.watches,
    deadLetters: f.deadLetters,
  };
}

describe('lifecycle', () => {
  let machine: Machine;
  afterEach(() => machine?.stop());

  const supervisor = async () =>
    (await machine.state(machine.root)) as SupervisorState;

  it('keeps one address through ten becomes and delivers the lifecycle in order', async () => {
    machine = await startMachine('lifecycle', 'Supervisor');
    await machine.send(machine.root, SpawnChain, {});
    await machine.run();
    const { chain } = await supervisor();
    const link = (await machine.state(chain)) as { n: number; log: string[] };
    expect(link.n).toBe(CHAIN_LENGTH);

    await machine.send(machine.root, Kill, { who: chain });
    await machine.run();
    const after = await supervisor();
    const expected = ['spawned'];
    for (let n = 1; n <= CHAIN_LENGTH; n++) {
      expected.push(`became ${n} from ${n % 2 === 1 ? 'StepA' : 'StepB'}`);
    }
    expected.push('died');
    expect(after.reports).toEqual([expected.join(';')]);
    // Spawned, ten Became and Died reached onmessage, all at one address
    // (Terminate went to the default onterminate).
    expect(after.selves).toHaveLength(CHAIN_LENGTH + 2);
    expect(new Set(after.selves)).toEqual(new Set([chain]));
    expect(after.terminated).toEqual([chain]);
  });

  it('returns every figure to where it started after a spawn and a kill', async () => {
    machine = await startMachine('lifecycle', 'Supervisor');
    await machine.run();
    const before = held(await machine.figures());

    await machine.send(machine.root, SpawnBusy, {});
    await machine.steps(3);
    const during = held(await machine.figures());
    expect(during.components).toBe(before.components + 1);
    expect(during.names).toBe(before.names + 1);
    // One timer of its own plus the timeout guarding its request.
    expect(during.timers).toBe(before.timers + 2);
    expect(during.pendingRequests).toBe(before.pendingRequests + 1);
    expect(during.subscriptions).toBe(before.subscriptions + 1);
    expect(during.watches).toBe(before.watches + 2);
    expect(await machine.lookup('busy')).toBe((await supervisor()).busy);

    await machine.send(machine.root, Kill, { who: (await supervisor()).busy });
    await machine.run();
    expect(held(await machine.figures())).toEqual(before);
    expect(await machine.lookup('busy')).toBeUndefined();
    expect((await supervisor()).terminated).toEqual([
      (await supervisor()).busy,
    ]);
  });

  it('lets a component override Terminate', async () => {
    machine = await startMachine('lifecycle', 'Supervisor');
    await machine.send(machine.root, Stubborn, {});
    await machine.run();
    const { stubborn } = await supervisor();
    await machine.send(machine.root, Kill, { who: stubborn });
    await machine.send(machine.root, Kill, { who: stubborn });
    await machine.run();
    expect(await machine.state(stubborn)).toEqual({ refused: 2 });
  });

  it('dies on Terminate by default and tells its watchers once', async () => {
    machine = await startMachine('lifecycle', 'Supervisor');
    await machine.send(machine.root, SpawnBusy, {});
    await machine.run();
    const { busy } = await supervisor();
    const spawned = (await machine.figures()).components;
    await machine.send(machine.root, Kill, { who: busy });
    await machine.run();
    expect((await machine.figures()).components).toBe(spawned - 1);
    expect((await supervisor()).terminated).toEqual([busy]);
  });
});
