import type { Address, Machine } from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Numbered,
  Report,
  Setup,
  type SinkState,
  Tally,
} from '#fixtures/ordering.js';
import { startMachine, testSeed } from '../helpers/machine.js';

interface TallyBody {
  total: number;
  outOfOrder: number;
  senders: Address[];
  switches: number;
}

describe('message order', () => {
  let machine: Machine | undefined;
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  async function sink(): Promise<Machine> {
    machine = await startMachine('ordering', 'OrderingSink');
    await machine.run();
    return machine;
  }

  async function tally(m: Machine): Promise<TallyBody> {
    const reply = await m.ask(m.root, Report, {});
    expect(reply.type).toBe(Tally);
    return reply.body as TallyBody;
  }

  it('keeps the order of each sender when many senders interleave, delivering every message once', async () => {
    const m = await sink();
    const seed = testSeed() % 2 ** 31;
    const senders = 8;
    const count = 500;
    await m.send(m.root, Setup, { senders, count, seed });
    const figures = await m.run();
    expect(figures.deadLetters).toBe(0);
    expect(figures.queued).toBe(0);

    const state = (await m.state(m.root)) as SinkState;
    expect(state.firstProblem, `seed ${seed}`).toBe('');
    expect(state.outOfOrder, `seed ${seed}`).toBe(0);
    expect(state.total).toBe(senders * count);
    expect(state.sources).toHaveLength(senders);
    for (const source of state.sources) {
      expect(state.expected[String(source)], `from ${source}`).toBe(count);
    }
    // The senders really were interleaved, not handled one after another.
    expect(state.switches).toBeGreaterThan(senders * 10);

    const report = await tally(m);
    expect(report.total).toBe(senders * count);
    expect(report.outOfOrder).toBe(0);
    expect([...report.senders].sort((a, b) => a - b)).toEqual(
      [...state.sources].sort((a, b) => a - b),
    );
  });

  it('keeps the order of messages from outside mixed with those of components', async () => {
    const m = await sink();
    const seed = testSeed() % 2 ** 31;
    await m.send(m.root, Setup, { senders: 4, count: 300, seed });
    const fromOutside = 200;
    for (let i = 0; i < fromOutside; i++) {
      await m.send(m.root, Numbered, { seq: i });
      if (i % 3 === 2) await m.steps(1);
    }
    await m.run();

    const state = (await m.state(m.root)) as SinkState;
    expect(state.firstProblem, `seed ${seed}`).toBe('');
    expect(state.outOfOrder).toBe(0);
    expect(state.total).toBe(4 * 300 + fromOutside);
    const keys = Object.keys(state.expected);
    expect(keys).toHaveLength(5);
    const outside = keys.filter(
      (key) => !state.sources.map(String).includes(key),
    );
    expect(outside).toHaveLength(1);
    expect(state.expected[outside[0]!]).toBe(fromOutside);
    for (const source of state.sources) {
      expect(state.expected[String(source)]).toBe(300);
    }
    expect(state.switches).toBeGreaterThan(40);
  });

  it('keeps the order when the run is cut into single steps', async () => {
    const m = await sink();
    await m.send(m.root, Setup, { senders: 3, count: 100, seed: 12345 });
    let figures = await m.steps(1);
    while (figures.queued > 0) figures = await m.steps(1);
    const report = await tally(m);
    expect(report).toMatchObject({ total: 300, outOfOrder: 0 });
    expect(report.senders).toHaveLength(3);
  });
});
