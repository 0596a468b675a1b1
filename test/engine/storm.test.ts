import { type Address, createMachine, type Machine } from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import { Go, Oversize } from '#fixtures/storm.js';
import { fixture, testSeed } from '../helpers/machine.js';

const SEED = testSeed();
/** Small rings, so that they fill, wrap and overflow all the time. */
const RING_BYTES = 512;

interface StormerState {
  due: Record<string, number>;
  received: number;
  errors: number;
  sentTo: number[];
}

describe(`a storm across workers (seed ${SEED}; CIRCO_SEED replays)`, () => {
  let machine: Machine | undefined;
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  const configurations = [
    { workers: 2, steps: 'loose' },
    { workers: 4, steps: 'loose' },
    // Strict steps exchange whole steps at once: rings fill and overflow
    // while workers wait for each other's frames at every round.
    { workers: 2, steps: 'strict' },
    { workers: 4, steps: 'strict' },
  ] as const;
  for (const { workers, steps } of configurations) {
    it(`delivers every message once and in order on ${workers} workers, ${steps} steps`, async () => {
      machine = await createMachine({
        module: fixture('storm'),
        component: 'StormRoot',
        workers,
        steps,
        ringBytes: RING_BYTES,
        seed: SEED,
      });
      const perWorker = 3;
      const messages = 400;
      await machine.send(machine.root, Go, {
        workers,
        perWorker,
        messages,
        payload: 120,
        seed: SEED >>> 0,
      });
      const figures = await machine.run();
      const { stormers } = (await machine.state(machine.root)) as {
        stormers: Address[];
      };
      const peersElsewhere = (workers - 1) * perWorker;
      for (const stormer of stormers) {
        const state = (await machine.state(stormer)) as StormerState;
        const where = `stormer ${stormer}, seed ${SEED}`;
        expect(state.errors, where).toBe(0);
        expect(state.received, where).toBe(peersElsewhere * messages);
        expect(Object.keys(state.due), where).toHaveLength(peersElsewhere);
        for (const due of Object.values(state.due)) {
          expect(due, where).toBe(messages);
        }
      }
      expect(figures.deadLetters).toBe(0);
    });
  }

  it('refuses at the send a message larger than half a ring', async () => {
    machine = await createMachine({
      module: fixture('storm'),
      component: 'StormRoot',
      workers: 2,
      ringBytes: RING_BYTES,
    });
    await machine.send(machine.root, Go, {
      workers: 2,
      perWorker: 1,
      messages: 0,
      payload: 0,
      seed: 1,
    });
    await machine.run();
    const { stormers } = (await machine.state(machine.root)) as {
      stormers: Address[];
    };
    await machine.send(machine.root, Oversize, {
      to: stormers[1]!,
      bytes: RING_BYTES,
    });
    const error = (await machine.run().catch((e: unknown) => e)) as Error & {
      code: string;
      cause: { code: string; message: string };
    };
    expect(error.code).toBe('ERR_CIRCO_HANDLER_FAILED');
    expect(error.cause.code).toBe('ERR_CIRCO_INVALID_ARGUMENT');
    expect(error.cause.message).toContain('over the limit of 248 bytes');
  });
});
