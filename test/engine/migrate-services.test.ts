// Components that use the services (names, watches, events) move like any
// other, with their records: the registry still finds them, watches still
// end in Terminated, events still reach subscribers, whichever side moved.
// Only an event filter, a function, keeps its subscriber where it is.
import { type Address, createMachine, type Machine } from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Added,
  Claim,
  Emit,
  Find,
  Listen,
  MoveTo,
  Quit,
  Roam,
  SpawnWarden,
  Spin,
  UnwatchIt,
  WatchIt,
  Where,
} from '#fixtures/migration.js';
import { fixture } from '../helpers/machine.js';

interface WardenState {
  taken: string[];
  found: Record<string, Address>;
  terminated: Address[];
  beeps: number[];
  path: number[];
}

describe('a component that uses the services', () => {
  let machine: Machine | undefined;
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  async function start(workers = 3, placement = {}) {
    machine = await createMachine({
      module: fixture('migration'),
      component: 'MigrationLab',
      workers,
      placement: { enabled: false, ...placement },
    });
    const m = machine;
    const warden = async (worker: number, x = 0) => {
      const reply = await m.ask(m.root, SpawnWarden, { worker, x });
      expect(reply.type).toBe(Added);
      return (reply.body as { address: Address }).address;
    };
    const state = async (address: Address) =>
      (await m.state(address)) as WardenState;
    const workerOf = async (address: Address) =>
      ((await m.ask(address, Where, {})).body as { worker: number }).worker;
    /** Moves `address` to `worker` and checks it got there. */
    const move = async (address: Address, worker: number) => {
      await m.send(address, MoveTo, { worker });
      await m.run();
      expect(await workerOf(address)).toBe(worker);
    };
    return { m, warden, state, workerOf, move };
  }

  it('moves with its names: found, refused to others, freed at its death', async () => {
    const { m, warden, state, move } = await start();
    const alpha = await warden(1);
    const beta = await warden(0); // on the registry's worker
    await m.send(alpha, Claim, { name: 'alpha' });
    await m.send(beta, Claim, { name: 'beta' });
    await m.run();
    await move(alpha, 2);
    await move(beta, 1);
    expect(await m.lookup('alpha')).toBe(alpha);
    expect(await m.lookup('beta')).toBe(beta);
    const rival = await warden(2);
    await m.send(rival, Claim, { name: 'alpha' });
    await m.send(alpha, Find, { name: 'beta' });
    await m.run();
    expect((await state(rival)).taken).toEqual(['alpha']);
    expect((await state(alpha)).found).toEqual({ beta });
    await m.send(alpha, Quit, {});
    await m.send(beta, Quit, {});
    const figures = await m.run();
    expect(await m.lookup('alpha')).toBeUndefined();
    expect(await m.lookup('beta')).toBeUndefined();
    expect(figures.names).toBe(0);
  });

  it('moves with its watches, either side: the watcher is told when the watched dies', async () => {
    const { m, warden, state, move } = await start();
    const watcher = await warden(0);
    const quitter = await warden(0);
    const target = await warden(1);
    await m.send(watcher, WatchIt, { target });
    await m.send(quitter, WatchIt, { target });
    await m.run();
    expect((await m.figures()).watches).toBe(2);
    await move(watcher, 2);
    await move(target, 0);
    await move(quitter, 1);
    // One watch ends on request after both sides moved; the other holds.
    await m.send(quitter, UnwatchIt, { target });
    await m.run();
    expect((await m.figures()).watches).toBe(1);
    await move(target, 2);
    await m.send(target, Quit, {});
    const figures = await m.run();
    expect((await state(watcher)).terminated).toEqual([target]);
    expect((await state(quitter)).terminated).toEqual([]);
    expect(figures.watches).toBe(0);
  });

  it('moves with its subscriptions, either side: events still come, in order', async () => {
    const { m, warden, state, move } = await start();
    const source = await warden(1);
    const listener = await warden(0);
    await m.send(listener, Listen, { source, even: false });
    await m.run();
    await move(source, 2);
    await move(listener, 1);
    await m.send(source, Emit, { first: 1, count: 10 });
    await m.run();
    expect((await state(listener)).beeps).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    await move(source, 0);
    await move(listener, 2);
    await m.send(source, Emit, { first: 11, count: 5 });
    const figures = await m.run();
    expect((await state(listener)).beeps).toHaveLength(15);
    expect(figures.subscriptions).toBe(1);
    expect(figures.eventsDropped).toBe(0);
    // Its source dies: the subscription ends on both sides.
    await m.send(source, Quit, {});
    expect((await m.run()).subscriptions).toBe(0);
  });

  it('stays with an event filter (a function), and refuses ctx.migrate', async () => {
    const { m, warden, state } = await start(2);
    const source = await warden(1);
    const listener = await warden(0);
    await m.send(listener, Listen, { source, even: true });
    await m.run();
    await m.send(source, Emit, { first: 1, count: 6 });
    await m.run();
    expect((await state(listener)).beeps).toEqual([2, 4, 6]);
    await m.send(listener, MoveTo, { worker: 1 });
    const error = (await m.run().catch((e: unknown) => e)) as Error & {
      code: string;
      cause: { code: string; message: string };
    };
    expect(error.code).toBe('ERR_CIRCO_HANDLER_FAILED');
    expect(error.cause.code).toBe('ERR_CIRCO_INVALID_ARGUMENT');
    expect(error.cause.message).toContain(
      'cannot migrate: it subscribed with an event filter',
    );
  });

  it('is moved by placement like any other component', async () => {
    // Every check pushes what it examines away from its worker.
    const placement = {
      enabled: true,
      workerForce: 'migration.exile',
      every: 1,
    };
    const { m, warden, workerOf } = await start(2, placement);
    // At (10, 0, 0) the push is along x, toward worker 1 at (1000, 0, 0).
    const named = await warden(0, 10);
    const watched = await warden(0, 10);
    const watcher = await warden(1);
    await m.send(named, Claim, { name: 'moving' });
    await m.send(watcher, WatchIt, { target: watched });
    await m.send(m.root, Spin, { left: 20 });
    const figures = await m.run();
    expect(figures.migrations).toBeGreaterThan(0);
    expect(await workerOf(named)).toBe(1);
    expect(await workerOf(watched)).toBe(1);
    expect(await m.lookup('moving')).toBe(named);
    expect(figures.watches).toBe(1);
  });

  it('keeps watches and subscriptions as all move every round (strict, 4 workers)', async () => {
    // Strict steps make every step a round, and the wardens roam: each
    // moves on to the next worker at every round, so watch and subscribe
    // operations, their answers and events are in flight at every move.
    machine = await createMachine({
      module: fixture('migration'),
      component: 'MigrationLab',
      workers: 4,
      steps: 'strict',
      placement: { enabled: false },
    });
    const m = machine;
    const wardens: Address[] = [];
    for (let i = 0; i < 8; i++) {
      const reply = await m.ask(m.root, SpawnWarden, { worker: i % 4, x: 0 });
      wardens.push((reply.body as { address: Address }).address);
    }
    const roam = async () => {
      for (const warden of wardens) {
        await m.send(warden, Roam, { workers: 4, steps: 8 });
      }
    };
    await roam();
    for (const warden of wardens) {
      for (const other of wardens) {
        if (other === warden) continue;
        await m.send(warden, Listen, { source: other, even: false });
        await m.send(warden, WatchIt, { target: other });
      }
    }
    await m.run();
    const before = await m.figures();
    expect(before.subscriptions).toBe(56);
    expect(before.watches).toBe(56);
    // Beep i * 1000 + k is source i's k-th.
    for (const [i, warden] of wardens.entries()) {
      await m.send(warden, Emit, { first: i * 1000 + 1, count: 20 });
    }
    await roam();
    await m.run();
    await roam();
    for (const warden of wardens.slice(0, 4)) await m.send(warden, Quit, {});
    const figures = await m.run();
    // Every warden moved at 8 rounds in each of the first two runs.
    expect(figures.migrations).toBeGreaterThanOrEqual(16 * wardens.length);
    for (const [i, warden] of wardens.slice(4).entries()) {
      const { beeps, terminated } = (await m.state(warden)) as WardenState;
      const from = (j: number) =>
        beeps.filter((b) => Math.floor(b / 1000) === j);
      for (let j = 0; j < 8; j++) {
        const expected =
          j === i + 4
            ? []
            : Array.from({ length: 20 }, (_, k) => j * 1000 + k + 1);
        expect(from(j), `warden ${i + 4} from ${j}`).toEqual(expected);
      }
      expect([...terminated].sort()).toEqual([...wardens.slice(0, 4)].sort());
    }
    expect(figures.subscriptions).toBe(12);
    expect(figures.watches).toBe(12);
    expect(figures.eventsDropped).toBe(0);
    // The quitters watched each other: some were told of another's end
    // after their own. Nothing else went astray.
    expect(Object.keys(figures.deadLettersByType)).toEqual(
      figures.deadLetters === 0 ? [] : ['circo.Terminated'],
    );
    expect(figures.deadLetters).toBeLessThanOrEqual(12);
  });
});
