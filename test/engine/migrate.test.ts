// ctx.migrate, and what keeps a component where it is: a component moves
// with its state, timers and position, is told where it landed and stays
// reachable; pinned components and states that cannot travel stay put.
import {
  type Address,
  createMachine,
  type Machine,
  type MachineOptions,
} from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Added,
  AddSender,
  Ballast,
  BigSelf,
  Hello,
  Here,
  Hop,
  HopAndDie,
  MoveTo,
  SendMany,
  Setup,
  SpawnChild,
  SpawnKeeper,
  SpawnTwins,
  Spin,
  Twins,
  Where,
} from '#fixtures/migration.js';
import { fixture } from '../helpers/machine.js';

interface NomadState {
  received: number;
  errors: number;
  problems: string[];
  last: Record<string, number>;
  hash: number;
  moves: number;
  path: number[];
  rang: number;
  rangOn: number;
  random: { s: number };
  child: Address;
  ballast: number[];
  payloads: number[];
  payloadsIntact: boolean;
}

interface Lab {
  machine: Machine;
  nomad: Address;
  /** senders[w] lives on worker w. */
  senders: Address[];
}

type Options = Omit<MachineOptions, 'module' | 'component'>;

/** The Nomad's hash after Hellos `from` numbered `first` to `last`. */
function hashOf(hash: number, from: number, first: number, last: number) {
  let h = hash;
  for (let seq = first; seq <= last; seq++) {
    h = (Math.imul(h, 31) + from * 65_537 + seq) | 0;
  }
  return h;
}

function distance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
}

describe('ctx.migrate', () => {
  let machine: Machine | undefined;
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  /** A lab on `workers` workers: a Nomad on worker 0, a Sender on each. */
  async function lab(options: Options = {}, workers = 2): Promise<Lab> {
    machine = await createMachine({
      module: fixture('migration'),
      component: 'MigrationLab',
      workers,
      ...options,
    });
    const places = Math.max(1, workers);
    await machine.send(machine.root, Setup, {
      workers,
      senders: places,
      messages: 0,
      hop: 0,
      seed: 1,
      pace: 0,
    });
    await machine.run();
    const { nomad, senders } = (await machine.state(machine.root)) as {
      nomad: Address;
      senders: Address[];
    };
    return { machine, nomad, senders };
  }

  async function where(m: Machine, address: Address) {
    const reply = await m.ask(address, Where, {});
    expect(reply.type).toBe(Here);
    return reply.body as { worker: number; x: number; y: number; z: number };
  }

  async function nomadState(m: Machine, nomad: Address) {
    return (await m.state(nomad)) as NomadState;
  }

  for (const steps of ['loose', 'strict'] as const) {
    it(`moves with its state and timers, is told, stays reachable (${steps} steps)`, async () => {
      // Without placement, so that nothing else moves its position.
      const placement = { enabled: false };
      const { machine: m, nomad } = await lab({ steps, placement });
      for (let seq = 1; seq <= 20; seq++) {
        await m.send(nomad, Hello, { seq, from: 99 });
      }
      await m.run();
      const before = await nomadState(m, nomad);
      expect(before.received).toBe(20);
      expect((await where(m, nomad)).worker).toBe(0);

      // MoveTo sets a timer of 1 s, then migrates; the outside keeps
      // sending meanwhile, through the Nomad's home worker.
      await m.send(nomad, MoveTo, { worker: 1 });
      for (let seq = 21; seq <= 40; seq++) {
        await m.send(nomad, Hello, { seq, from: 99 });
      }
      const figures = await m.run();
      const after = await nomadState(m, nomad);
      expect(after.problems).toEqual([]);
      expect(after.errors).toBe(0);
      // Told once, on the worker it moved to; the timer fired there.
      expect(after.moves).toBe(1);
      expect(after.path).toEqual([1]);
      expect(after.rang).toBe(1);
      expect(after.rangOn).toBe(1);
      // Its state came along: the hash goes on from where it was.
      expect(after.received).toBe(40);
      expect(after.last['99']).toBe(40);
      expect(after.hash).toBe(hashOf(before.hash, 99, 21, 40));
      expect(after.random).toEqual(before.random);
      expect(figures.migrations).toBe(1);
      expect(figures.workers.map((w) => w.migrations)).toEqual([1, 0]);
      expect(figures.timers).toBe(0);
      // Found where it is, by the machine and by itself.
      const here = await where(m, nomad);
      expect(here.worker).toBe(1);
      expect(await m.position(nomad)).toEqual([here.x, here.y, here.z]);

      // The outside's messages still reach it, in order.
      for (let seq = 41; seq <= 60; seq++) {
        await m.send(nomad, Hello, { seq, from: 99 });
      }
      await m.run();
      const later = await nomadState(m, nomad);
      expect(later.problems).toEqual([]);
      expect(later.last['99']).toBe(60);
      expect(later.hash).toBe(hashOf(before.hash, 99, 21, 60));
    });
  }

  it('makes a move asked in the last turn of a run before the run ends', async () => {
    const { machine: m, nomad } = await lab();
    await m.send(nomad, Hop, { worker: 1 });
    const figures = await m.run();
    expect(figures.migrations).toBe(1);
    const state = await nomadState(m, nomad);
    expect(state.path).toEqual([1]);
    expect((await where(m, nomad)).worker).toBe(1);
  });

  it('puts the component near its new worker, so that placement keeps it there', async () => {
    const { machine: m, nomad } = await lab({ placement: { every: 1 } });
    await m.send(nomad, Hop, { worker: 1 });
    await m.run();
    // Rounds with placement checks: the Nomad is not taken back.
    await m.send(m.root, Spin, { left: 20 });
    const figures = await m.run();
    expect(figures.migrations).toBe(1);
    const here = await where(m, nomad);
    expect(here.worker).toBe(1);
    // Worker 1 of 2 sits at (1000, 0, 0).
    expect(distance([here.x, here.y, here.z], [1000, 0, 0])).toBeLessThan(50);
  });

  it('refuses a worker that does not exist with ERR_CIRCO_INVALID_ARGUMENT', async () => {
    for (const worker of [2, 7]) {
      const { machine: m, nomad } = await lab();
      await m.send(nomad, Hop, { worker });
      const error = (await m.run().catch((e: unknown) => e)) as Error & {
        code: string;
        cause: { code: string; message: string };
      };
      expect(error.code).toBe('ERR_CIRCO_HANDLER_FAILED');
      expect(error.cause.code).toBe('ERR_CIRCO_INVALID_ARGUMENT');
      expect(error.cause.message).toContain(
        `migrate needs a worker index in [0, 2), got ${worker}`,
      );
      await m.stop();
    }
  });

  it('lets a component that dies with a move pending die where it is', async () => {
    const { machine: m, nomad } = await lab();
    await m.send(nomad, HopAndDie, { worker: 1 });
    const figures = await m.run();
    expect(figures.died).toBe(1);
    expect(figures.migrations).toBe(0);
    expect(figures.deadLetters).toBe(0);
    await expect(m.state(nomad)).rejects.toMatchObject({
      code: 'ERR_CIRCO_NO_SUCH_COMPONENT',
    });
    // Nothing is left asked: the next runs are quiet.
    const next = await m.run();
    expect(next.migrations).toBe(0);
  });

  it('starts a child spawned after a move on the new worker, next to its parent', async () => {
    // Placement pulls hard but never moves anything on its own.
    const placement = { strength: 100, tolerance: 1e6 };
    const { machine: m, nomad, senders } = await lab({ placement });
    await m.send(nomad, Hop, { worker: 1 });
    await m.run();
    // The sender on worker 0 pulls the Nomad away from worker 1's point.
    await m.send(senders[0]!, SendMany, { to: nomad, count: 200 });
    await m.run();
    await m.send(nomad, SpawnChild, {});
    await m.run();
    const { child } = await nomadState(m, nomad);
    const parent = await where(m, nomad);
    const born = await where(m, child);
    expect(parent.worker).toBe(1);
    expect(born.worker).toBe(1);
    const from = [parent.x, parent.y, parent.z];
    // Worker 1 of 2 sits at (1000, 0, 0); spawns start within 10 of
    // their parent on each axis.
    expect(distance(from, [1000, 0, 0])).toBeGreaterThan(500);
    expect(distance(from, [born.x, born.y, born.z])).toBeLessThanOrEqual(
      10 * Math.sqrt(3),
    );
  });

  it('is reached without forwarding by a sender spawned after the move', async () => {
    const { machine: m, nomad } = await lab({ workers: 3 }, 3);
    await m.send(nomad, Hop, { worker: 2 });
    await m.run();
    for (const worker of [0, 1, 2]) {
      const reply = await m.ask(m.root, AddSender, { worker });
      expect(reply.type).toBe(Added);
      const { address } = reply.body as { address: Address };
      await m.send(address, SendMany, { to: nomad, count: 100 });
    }
    const figures = await m.run();
    const state = await nomadState(m, nomad);
    expect(state.problems).toEqual([]);
    // Senders 1 to 3 came with the lab, 4 to 6 after the move.
    for (const from of [4, 5, 6]) expect(state.last[String(from)]).toBe(100);
    expect(figures.forwards).toBe(0);
  });

  it('moves a component larger than a frame, and its state arrives whole', async () => {
    const { machine: m, nomad } = await lab({ ringBytes: 512 });
    // About 9 bytes a number: the state is some 4.5 KB, a frame 248 bytes.
    await m.send(nomad, Ballast, { count: 500 });
    await m.send(nomad, Hop, { worker: 1 });
    const figures = await m.run();
    expect(figures.migrations).toBe(1);
    const state = await nomadState(m, nomad);
    expect(state.path).toEqual([1]);
    expect(state.ballast).toEqual(
      Array.from({ length: 500 }, (_, i) => i * 1.5),
    );
  });

  it('waits for a local message too large for a frame to be handled, then moves', async () => {
    // Strict steps: the message is still queued at the round after the
    // step that sent it, when the move is due.
    const { machine: m, nomad } = await lab({
      ringBytes: 512,
      steps: 'strict',
    });
    await m.send(nomad, BigSelf, { bytes: 2000, worker: 1 });
    const figures = await m.run();
    const state = await nomadState(m, nomad);
    expect(state.payloads).toEqual([2000]);
    expect(state.payloadsIntact).toBe(true);
    expect(state.path).toEqual([1]);
    expect(figures.migrations).toBe(1);
    expect((await where(m, nomad)).worker).toBe(1);
  });
});

describe('what stays put', () => {
  let machine: Machine | undefined;
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  async function start(options: Options = {}) {
    machine = await createMachine({
      module: fixture('migration'),
      component: 'MigrationLab',
      workers: 2,
      ...options,
    });
    return machine;
  }

  async function workerOf(m: Machine, address: Address) {
    return ((await m.ask(address, Where, {})).body as { worker: number })
      .worker;
  }

  it('a pinned component never moves, while its free twin placed with it does', async () => {
    const m = await start({ placement: { every: 1 } });
    // Both start on worker 0 at worker 1's point of the grid.
    const reply = await m.ask(m.root, SpawnTwins, { x: 1000, y: 0, z: 0 });
    expect(reply.type).toBe(Twins);
    const { pinned, free } = reply.body as { pinned: Address; free: Address };
    await m.send(m.root, Spin, { left: 10 });
    const figures = await m.run();
    expect(await workerOf(m, free)).toBe(1);
    expect(await workerOf(m, pinned)).toBe(0);
    expect(await m.position(pinned)).toEqual([1000, 0, 0]);
    expect(figures.migrations).toBeGreaterThanOrEqual(1);
  });

  it('a pinned component stays while a force law pushes its free twin away', async () => {
    // Every check pushes what it examines 250 * strength = 1000 away from
    // its worker: from (10, 0, 0) along x, past worker 1 at (1000, 0, 0).
    const m = await start({
      placement: { workerForce: 'migration.exile', every: 1 },
    });
    const reply = await m.ask(m.root, SpawnTwins, { x: 10, y: 0, z: 0 });
    const { pinned, free } = reply.body as { pinned: Address; free: Address };
    await m.send(m.root, Spin, { left: 10 });
    await m.run();
    expect(await workerOf(m, free)).toBe(1);
    expect(await workerOf(m, pinned)).toBe(0);
    expect(await m.position(pinned)).toEqual([10, 0, 0]);
    const [x, y, z] = await m.position(free);
    expect(x).toBeGreaterThan(1000);
    expect([y, z]).toEqual([0, 0]);
  });

  it('a pinned component refuses ctx.migrate with ERR_CIRCO_INVALID_ARGUMENT', async () => {
    const m = await start();
    const reply = await m.ask(m.root, SpawnTwins, { x: 0, y: 0, z: 0 });
    const { pinned } = reply.body as { pinned: Address };
    await m.send(pinned, MoveTo, { worker: 1 });
    const error = (await m.run().catch((e: unknown) => e)) as Error & {
      code: string;
      cause: { code: string; message: string };
    };
    expect(error.code).toBe('ERR_CIRCO_HANDLER_FAILED');
    expect(error.cause.code).toBe('ERR_CIRCO_INVALID_ARGUMENT');
    expect(error.cause.message).toContain('cannot migrate: it is pinned');
  });

  it('a component whose state holds a class instance stays, and refuses ctx.migrate', async () => {
    const m = await start({ placement: { every: 1 } });
    const twins = await m.ask(m.root, SpawnTwins, { x: 1000, y: 0, z: 0 });
    const { free } = twins.body as { free: Address };
    const reply = await m.ask(m.root, SpawnKeeper, { x: 1000, y: 0, z: 0 });
    const { address: keeper } = reply.body as { address: Address };
    await m.send(m.root, Spin, { left: 10 });
    await m.run();
    expect(await workerOf(m, free)).toBe(1);
    expect(await workerOf(m, keeper)).toBe(0);
    await m.send(keeper, MoveTo, { worker: 1 });
    const error = (await m.run().catch((e: unknown) => e)) as Error & {
      code: string;
      cause: { code: string; message: string };
    };
    expect(error.code).toBe('ERR_CIRCO_HANDLER_FAILED');
    expect(error.cause.code).toBe('ERR_CIRCO_INVALID_ARGUMENT');
    expect(error.cause.message).toContain(
      'Keeper cannot migrate: its fields hold objects',
    );
  });
});
