// A Nomad hops between workers while Senders on every worker send it
// numbered messages in seeded bursts, through rings so small that frames
// wait in overflow: messages are in flight, in rings, in overflow and in
// queues at every move.
import {
  type Address,
  createMachine,
  type Machine,
  type MachineOptions,
} from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import { Setup } from '#fixtures/migration.js';
import { fixture, testSeed } from '../helpers/machine.js';

const SEED = testSeed();
/** Half a ring holds three Hello frames: most frames overflow. */
const RING_BYTES = 512;
const MESSAGES = 200;

interface NomadState {
  received: number;
  errors: number;
  problems: string[];
  last: Record<string, number>;
  hash: number;
  moves: number;
  path: number[];
}

describe(`migration under a storm (seed ${SEED}; CIRCO_SEED replays)`, () => {
  let machine: Machine | undefined;
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  /** Runs the storm and returns the Nomad's final state and figures. */
  async function storm(
    options: Omit<MachineOptions, 'module' | 'component'>,
    setup: { senders: number; hop: number; pace: number },
  ) {
    const workers = options.workers ?? 0;
    machine = await createMachine({
      module: fixture('migration'),
      component: 'MigrationLab',
      ringBytes: RING_BYTES,
      seed: SEED,
      ...options,
    });
    await machine.send(machine.root, Setup, {
      workers,
      messages: MESSAGES,
      seed: SEED >>> 0,
      ...setup,
    });
    const figures = await machine.run();
    const { nomad } = (await machine.state(machine.root)) as {
      nomad: Address;
    };
    const state = (await machine.state(nomad)) as NomadState;
    const where = `seed ${SEED}`;
    await machine.stop();
    machine = undefined;
    return { state, figures, where };
  }

  /** Every message came once and in per-sender order. */
  function expectEveryMessageOnce(
    state: NomadState,
    senders: number,
    where: string,
  ) {
    expect(state.problems, where).toEqual([]);
    expect(state.errors, where).toBe(0);
    expect(state.received, where).toBe(senders * MESSAGES);
    for (let i = 1; i <= senders; i++) {
      expect(state.last[String(i)], `sender ${i}, ${where}`).toBe(MESSAGES);
    }
  }

  for (const workers of [2, 4]) {
    it(`gets every message once, in per-sender order, on ${workers} workers (loose)`, async () => {
      const senders = 3 * workers;
      // Senders pace their bursts by 1 ms of real time: each worker's
      // slice then ends within a millisecond, so rounds keep coming
      // while the storm lasts (about 45 bursts), on any machine.
      const { state, figures, where } = await storm(
        { workers, clock: 'real', placement: { enabled: false } },
        { senders, hop: 10, pace: 1 },
      );
      expectEveryMessageOnce(state, senders, where);
      expect(figures.deadLetters, where).toBe(0);
      // It hopped many times, and was told each time.
      expect(state.moves, where).toBeGreaterThanOrEqual(10);
      expect(state.path, where).toHaveLength(state.moves);
      expect(figures.migrations, where).toBe(state.moves);
      // Senders route by the directory every worker updates at the round.
      expect(figures.forwards, where).toBe(0);
    });
  }

  it('handles messages in one order, moving or not, in steps that agree (strict)', async () => {
    const senders = 6;
    const still = await storm(
      { workers: 2, steps: 'strict', placement: { enabled: false } },
      { senders, hop: 0, pace: 0 },
    );
    expectEveryMessageOnce(still.state, senders, still.where);
    expect(still.figures.migrations).toBe(0);
    const embedded = await storm(
      { workers: 0, steps: 'strict' },
      { senders, hop: 10, pace: 0 },
    );
    expect(embedded.state.hash, embedded.where).toBe(still.state.hash);
    expect(embedded.figures.step, embedded.where).toBe(still.figures.step);
    let movingSteps: number | undefined;
    for (const workers of [2, 4]) {
      // The Nomad hops every 10 messages, and placement settings that
      // keep pushing components off their loaded workers move the
      // Senders too, at every round.
      const moving = await storm(
        {
          workers,
          steps: 'strict',
          placement: { every: 1, tolerance: 0, strength: 50 },
        },
        { senders, hop: 10, pace: 0 },
      );
      const where = `${workers} workers, ${moving.where}`;
      expectEveryMessageOnce(moving.state, senders, where);
      expect(moving.state.moves, where).toBeGreaterThanOrEqual(10);
      expect(moving.figures.migrations, where).toBeGreaterThan(
        moving.state.moves,
      );
      expect(moving.state.hash, where).toBe(still.state.hash);
      expect(moving.figures.forwards, where).toBe(0);
      // Its Migrated messages may make one more step than when it stays.
      movingSteps ??= moving.figures.step;
      expect(moving.figures.step, where).toBe(movingSteps);
    }
  });
});
