import {
  type Address,
  createMachine,
  type Machine,
  type PlacementOptions,
  Terminate,
} from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import { Setup, Value } from '#fixtures/sim.js';
import { fixture, testSeed } from '../helpers/machine.js';

const SEED = testSeed();
const NODES = 48;
const STEPS = 30;

interface NodeState {
  hash: number;
  value: number;
  received: number;
  fewest: number;
}

describe(`the strict mode (seed ${SEED})`, () => {
  let machine: Machine | undefined;
  /** Components moved in the last simulation. */
  let migrations = 0;
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  /** Runs the simulation and returns every node's final state. */
  async function simulate(
    workers: number,
    reverseInbox = false,
    placement?: PlacementOptions,
  ): Promise<NodeState[]> {
    machine = await createMachine({
      module: fixture('sim'),
      component: 'Sim',
      workers,
      steps: 'strict',
      spread: 'scatter',
      seed: SEED,
      debug: { reverseInbox },
      ...(placement === undefined ? {} : { placement }),
    });
    await machine.send(machine.root, Setup, {
      workers,
      nodes: NODES,
      degree: 5,
      seed: SEED >>> 0,
    });
    const figures = await machine.steps(STEPS);
    expect(figures.step).toBe(STEPS);
    migrations = figures.migrations;
    const { nodes } = (await machine.state(machine.root)) as {
      nodes: Address[];
    };
    // Addresses depend on placement; everything computed must not.
    const states: NodeState[] = [];
    for (const node of nodes) {
      const { hash, value, received, fewest } = (await machine.state(
        node,
      )) as NodeState;
      states.push({ hash, value, received, fewest });
    }
    await machine.stop();
    machine = undefined;
    return states;
  }

  it('gives the same hashes on 0, 1, 2 and 4 workers', async () => {
    const embedded = await simulate(0);
    // Every inbox got at least two messages in every step.
    for (const node of embedded) expect(node.fewest).toBeGreaterThanOrEqual(2);
    for (const workers of [1, 2, 4]) {
      const threaded = await simulate(workers);
      expect(threaded, `${workers} workers, seed ${SEED}`).toEqual(embedded);
    }
  });

  it('gives the same hashes with placement off or moving components every round', async () => {
    const embedded = await simulate(0);
    for (const workers of [1, 2, 4]) {
      const where = `${workers} workers, seed ${SEED}`;
      const still = await simulate(workers, false, { enabled: false });
      expect(migrations, where).toBe(0);
      expect(still, where).toEqual(embedded);
      // Checks at every round that move whatever is nearer another
      // worker at all, pushed hard off loaded workers.
      const restless = { every: 1, tolerance: 0, strength: 50 };
      const moving = await simulate(workers, false, restless);
      if (workers > 1) expect(migrations, where).toBeGreaterThan(NODES);
      expect(moving, where).toEqual(embedded);
    }
  });

  it('gives other hashes when each inbox is reversed (so it can fail)', async () => {
    const straight = await simulate(2);
    const reversed = await simulate(2, true);
    expect(reversed.map((n) => n.hash)).not.toEqual(
      straight.map((n) => n.hash),
    );
  });
});

describe('strict-only verbs in the loose mode', () => {
  it('fail the handler with ERR_CIRCO_STRICT_ONLY', async () => {
    const machine = await createMachine({
      module: fixture('sim'),
      component: 'Sim',
      workers: 0,
    });
    try {
      await machine.send(machine.root, Setup, {
        workers: 0,
        nodes: 2,
        degree: 2,
        seed: 1,
      });
      const error = (await machine.run().catch((e: unknown) => e)) as Error & {
        code: string;
        cause: { code: string; message: string };
      };
      expect(error.code).toBe('ERR_CIRCO_HANDLER_FAILED');
      expect(error.cause.code).toBe('ERR_CIRCO_STRICT_ONLY');
      expect(error.cause.message).toContain('wakeEveryStep');
    } finally {
      await machine.stop();
    }
  });
});

describe('the strict mode on worker threads, like on one thread', () => {
  let machine: Machine | undefined;
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  for (const workers of [0, 2]) {
    it(`counts a message to a dead component as a dead letter (${workers} workers)`, async () => {
      machine = await createMachine({
        module: fixture('sim'),
        component: 'Sim',
        workers,
        steps: 'strict',
      });
      await machine.send(machine.root, Terminate, {});
      const died = await machine.run();
      expect(died.died).toBe(1);
      await machine.send(machine.root, Terminate, {});
      // A few steps at most: a letter that is never counted would keep a
      // run going for ever.
      const figures = await machine.steps(10);
      expect(figures.deadLetters).toBe(1);
      expect(figures.deadLettersByType).toEqual({ 'circo.Terminate': 1 });
      expect(figures.step).toBe(died.step + 1);
    });
  }

  it("handles the outside's messages sent before a run in its first step", async () => {
    /** What node 1 has received after each of 60 one-step runs. */
    async function counts(workers: number): Promise<number[]> {
      machine = await createMachine({
        module: fixture('sim'),
        component: 'Sim',
        workers,
        steps: 'strict',
      });
      const m = machine;
      await m.send(m.root, Setup, { workers, nodes: 4, degree: 2, seed: 1 });
      await m.steps(2);
      const { nodes } = (await m.state(m.root)) as { nodes: Address[] };
      const seen: number[] = [];
      // A parked worker may or may not have read the message when the
      // run begins; many tries make a late one show.
      for (let i = 1; i <= 60; i++) {
        await m.send(nodes[1]!, Value, { v: i });
        await m.steps(1);
        seen.push(((await m.state(nodes[1]!)) as NodeState).received);
      }
      await m.stop();
      machine = undefined;
      return seen;
    }
    expect(await counts(2)).toEqual(await counts(0));
  });
});
