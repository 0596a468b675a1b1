import {
  type Address,
  formatAddress,
  HandlerError,
  type Machine,
  NOBODY,
  Terminate,
} from 'circo';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Claim,
  type Found,
  Lookup,
  NewHolder,
  Quit,
  Register,
  type Taken,
  Unregister,
} from '#fixtures/names.js';
import { startMachine } from '../helpers/machine.js';

interface HolderState {
  lookups: { name: string; token: number }[];
  found: Found[];
  taken: Taken[];
}

describe('names', () => {
  let machine: Machine;
  /** figures().names once the board has started. */
  let namesAtStart: number;

  beforeEach(async () => {
    machine = await startMachine('names', 'NameBoard');
    namesAtStart = (await machine.run()).names;
  });
  afterEach(() => machine.stop());

  async function holder(): Promise<Address> {
    const reply = await machine.ask(machine.root, NewHolder, {});
    return (reply.body as { holder: Address }).holder;
  }

  async function stateOf(address: Address): Promise<HolderState> {
    return (await machine.state(address)) as HolderState;
  }

  it('start with none registered', async () => {
    expect(namesAtStart).toBe(0);
    expect(await machine.lookup('alpha')).toBeUndefined();
  });

  it('a component registers a name and machine.lookup finds it', async () => {
    const a = await holder();
    await machine.send(a, Register, { name: 'alpha' });
    const figures = await machine.run();
    expect(figures.names).toBe(namesAtStart + 1);
    expect(await machine.lookup('alpha')).toBe(a);
    expect(await machine.lookup('Alpha')).toBeUndefined();
    expect((await stateOf(a)).taken).toEqual([]);
  });

  it('registering a name one already holds changes nothing', async () => {
    const a = await holder();
    await machine.send(a, Register, { name: 'alpha' });
    await machine.send(a, Register, { name: 'alpha' });
    const figures = await machine.run();
    expect(figures.names).toBe(namesAtStart + 1);
    expect((await stateOf(a)).taken).toEqual([]);
    expect(await machine.lookup('alpha')).toBe(a);
  });

  it('a name held by another sends NameTaken naming the holder', async () => {
    const a = await holder();
    const b = await holder();
    await machine.send(a, Register, { name: 'alpha' });
    await machine.run();
    await machine.send(b, Register, { name: 'alpha' });
    const figures = await machine.run();
    expect((await stateOf(b)).taken).toEqual([
      { name: 'alpha', holder: a, sender: NOBODY },
    ]);
    expect((await stateOf(a)).taken).toEqual([]);
    expect(await machine.lookup('alpha')).toBe(a);
    expect(figures.names).toBe(namesAtStart + 1);
  });

  it('two claims in one step: the first wins, the second is told', async () => {
    const a = await holder();
    const b = await holder();
    await machine.send(b, Register, { name: 'race' });
    await machine.send(a, Register, { name: 'race' });
    await machine.run();
    expect(await machine.lookup('race')).toBe(b);
    expect((await stateOf(a)).taken).toEqual([
      { name: 'race', holder: b, sender: NOBODY },
    ]);
  });

  it('a lookup from a handler answers with NameFound carrying its token', async () => {
    const a = await holder();
    const b = await holder();
    await machine.send(a, Register, { name: 'alpha' });
    await machine.run();
    await machine.send(b, Lookup, { name: 'alpha' });
    await machine.send(b, Lookup, { name: 'nobody-here' });
    await machine.send(b, Lookup, { name: 'alpha' });
    await machine.run();
    const state = await stateOf(b);
    expect(state.lookups.map((l) => l.name)).toEqual([
      'alpha',
      'nobody-here',
      'alpha',
    ]);
    const tokens = state.lookups.map((l) => l.token);
    expect(new Set(tokens).size).toBe(3);
    for (const token of tokens) expect(token).toBeGreaterThan(0);
    expect(state.found).toEqual([
      { name: 'alpha', address: a, token: tokens[0], sender: NOBODY },
      {
        name: 'nobody-here',
        address: NOBODY,
        token: tokens[1],
        sender: NOBODY,
      },
      { name: 'alpha', address: a, token: tokens[2], sender: NOBODY },
    ]);
  });

  it('a component that registers and looks up in one turn finds itself', async () => {
    const a = await holder();
    await machine.send(a, Claim, { name: 'me' });
    await machine.run();
    const state = await stateOf(a);
    expect(state.found).toEqual([
      {
        name: 'me',
        address: a,
        token: state.lookups[0]!.token,
        sender: NOBODY,
      },
    ]);
  });

  it('unregister frees the name for another component', async () => {
    const a = await holder();
    const b = await holder();
    await machine.send(a, Register, { name: 'alpha' });
    await machine.run();
    await machine.send(a, Unregister, { name: 'alpha' });
    const freed = await machine.run();
    expect(freed.names).toBe(namesAtStart);
    expect(await machine.lookup('alpha')).toBeUndefined();
    await machine.send(b, Register, { name: 'alpha' });
    await machine.run();
    expect(await machine.lookup('alpha')).toBe(b);
    expect((await stateOf(b)).taken).toEqual([]);
  });

  it('unregister by a component that does not hold the name does nothing', async () => {
    const a = await holder();
    const b = await holder();
    await machine.send(a, Register, { name: 'alpha' });
    await machine.send(b, Unregister, { name: 'alpha' });
    await machine.send(b, Unregister, { name: 'never-bound' });
    const figures = await machine.run();
    expect(await machine.lookup('alpha')).toBe(a);
    expect(figures.names).toBe(namesAtStart + 1);
  });

  it('the names of a component go away when it dies', async () => {
    const a = await holder();
    const b = await holder();
    for (const name of ['one', 'two', 'three']) {
      await machine.send(a, Register, { name });
    }
    await machine.send(b, Register, { name: 'four' });
    const bound = await machine.run();
    expect(bound.names).toBe(namesAtStart + 4);

    await machine.send(a, Quit, {});
    const afterA = await machine.run();
    expect(afterA.names).toBe(namesAtStart + 1);
    for (const name of ['one', 'two', 'three']) {
      expect(await machine.lookup(name)).toBeUndefined();
    }
    expect(await machine.lookup('four')).toBe(b);

    // Terminate from outside ends the component the same way.
    await machine.send(b, Terminate, {});
    const afterB = await machine.run();
    expect(afterB.names).toBe(namesAtStart);
    expect(afterB.died).toBe(2);
    expect(await machine.lookup('four')).toBeUndefined();
  });

  it('a name freed by a death can be taken by another', async () => {
    const a = await holder();
    const b = await holder();
    await machine.send(a, Register, { name: 'crown' });
    await machine.send(a, Quit, {});
    await machine.send(b, Register, { name: 'crown' });
    await machine.run();
    expect(await machine.lookup('crown')).toBe(b);
    expect((await stateOf(b)).taken).toEqual([]);
  });

  it('figures().names returns to where it started', async () => {
    const holders = [await holder(), await holder(), await holder()];
    for (const [i, h] of holders.entries()) {
      await machine.send(h, Register, { name: 'shared' });
      await machine.send(h, Register, { name: `own-${i}` });
    }
    const peak = await machine.run();
    expect(peak.names).toBe(namesAtStart + 4);
    await machine.send(holders[0]!, Unregister, { name: 'shared' });
    await machine.send(holders[1]!, Quit, {});
    await machine.send(holders[2]!, Unregister, { name: 'own-2' });
    const low = await machine.run();
    expect(low.names).toBe(namesAtStart + 1);
    await machine.send(holders[0]!, Unregister, { name: 'own-0' });
    const end = await machine.run();
    expect(end.names).toBe(namesAtStart);
    for (const name of ['shared', 'own-0', 'own-1', 'own-2']) {
      expect(await machine.lookup(name)).toBeUndefined();
    }
  });

  it('registering an empty name fails the handler with ERR_CIRCO_INVALID_ARGUMENT', async () => {
    const a = await holder();
    await machine.send(a, Register, { name: '' });
    const error = await machine.run().then(
      () => undefined,
      (e: unknown) => e as HandlerError,
    );
    if (error === undefined) throw new Error('expected the run to fail');
    expect(error).toBeInstanceOf(HandlerError);
    expect(error.code).toBe('ERR_CIRCO_HANDLER_FAILED');
    expect(error.messageType).toBe('names.Register');
    expect(error.address).toBe(formatAddress(a));
    expect((error.cause as { code: string }).code).toBe(
      'ERR_CIRCO_INVALID_ARGUMENT',
    );
  });
});
