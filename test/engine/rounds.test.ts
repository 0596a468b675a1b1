// Per-round figures: the records a machine makes of its barrier rounds
// (steps in the strict mode), on workers and embedded.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  createMachine,
  type Figures,
  InvalidArgumentError,
  type Machine,
  type RoundFigures,
} from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import { Start } from '#fixtures/tree.js';
import { fixture } from '../helpers/machine.js';

/** Adds up a field over records. */
function total(records: readonly RoundFigures[], key: keyof RoundFigures) {
  return records.reduce((n, r) => n + (r[key] as number), 0);
}

/** What every record must satisfy, whatever the workload. */
function expectConsistent(record: RoundFigures): void {
  expect(record.rounds).toBeGreaterThanOrEqual(1);
  const handled = record.workers.reduce((n, w) => n + w.delivered, 0);
  expect(handled).toBe(record.delivered);
  expect(record.crossShare).toBeCloseTo(
    record.sent === 0 ? 0 : record.sentAcross / record.sent,
    12,
  );
  const loads = record.workers.map((w) => w.load);
  expect(record.busiest).toBe(Math.max(0, ...loads));
  if (record.delivered > 0) {
    const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
    expect(mean).toBeCloseTo(1, 9);
  } else {
    expect(loads.every((l) => l === 0)).toBe(true);
  }
}

/** Each record begins right after the one before: no round is lost. */
function expectContiguous(records: readonly RoundFigures[], from = -1) {
  let previous = from;
  for (const record of records) {
    expect(record.round - record.rounds).toBe(previous);
    previous = record.round;
  }
}

describe('per-round figures on workers', () => {
  let machine: Machine | undefined;
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  it('add up to the cumulative figures and reach listeners and the channel', async () => {
    const heard: RoundFigures[] = [];
    const published: RoundFigures[] = [];
    const listener = (r: unknown) => published.push(r as RoundFigures);
    subscribe('circo:round', listener);
    try {
      machine = await createMachine({
        module: fixture('tree'),
        component: 'TreeCreator',
        workers: 2,
      });
      const stopListening = machine.onRound((r) => heard.push(r));
      for (let i = 0; i < 8; i++) {
        await machine.send(machine.root, Start, {});
        await machine.run();
      }
      stopListening();
      const figures = await machine.figures();
      // At least one a run; more when a run outlasts the watch's wake-up.
      expect(heard.length).toBeGreaterThanOrEqual(8);
      expect(published).toEqual(heard);
      expect(figures.round).toEqual(heard.at(-1));
      expectContiguous(heard);
      for (const record of heard) {
        expectConsistent(record);
        expect(record.workers).toHaveLength(2);
      }
      expect(total(heard, 'delivered')).toBe(figures.delivered);
      expect(total(heard, 'sent')).toBe(figures.sent);
      expect(total(heard, 'migrations')).toBe(figures.migrations);
      expect(total(heard, 'forwards')).toBe(figures.forwards);
      const across = figures.workers.reduce((n, w) => n + w.sentAcross, 0);
      expect(total(heard, 'sentAcross')).toBe(across);
      // The tree's top is spread over both workers: some messages cross.
      expect(across).toBeGreaterThan(0);
      // Unsubscribed: the next run is recorded once, at its end.
      const before = heard.length;
      await machine.send(machine.root, Start, {});
      await machine.run();
      expect(heard).toHaveLength(before);
    } finally {
      unsubscribe('circo:round', listener);
    }
  });

  it('say how many rounds they cover when nobody watched them', async () => {
    machine = await createMachine({
      module: fixture('tree'),
      component: 'TreeCreator',
      workers: 2,
      steps: 'strict',
    });
    for (let i = 0; i < 6; i++) await machine.send(machine.root, Start, {});
    const first = await machine.run();
    // One record for the whole run, covering each of its rounds: at
    // least one a step.
    expect(first.round.rounds).toBeGreaterThanOrEqual(first.step);
    expect(first.round.round + 1).toBe(first.round.rounds);
    expect(first.round.delivered).toBe(first.delivered);
    expectConsistent(first.round);
    await machine.send(machine.root, Start, {});
    const second = await machine.run();
    expect(second.round.round - second.round.rounds).toBe(first.round.round);
    expect(second.round.rounds).toBeGreaterThan(1);
    expect(first.round.delivered + second.round.delivered).toBe(
      second.delivered,
    );
    const state = (await machine.state(machine.root)) as { nodeCount: number };
    expect(state.nodeCount).toBe(2 ** 8 - 1);
  });

  it('are read every round by a runUntil predicate', async () => {
    machine = await createMachine({
      module: fixture('tree'),
      component: 'TreeCreator',
      workers: 2,
      steps: 'strict',
    });
    const seen: RoundFigures[] = [];
    for (let i = 0; i < 4; i++) await machine.send(machine.root, Start, {});
    const last = await machine.runUntil((f: Figures) => {
      seen.push(f.round);
      return false;
    });
    expect(seen.length).toBeGreaterThan(1);
    // The predicate may see one record twice (a round without news).
    const distinct = seen.filter((r, i) => i === 0 || r !== seen[i - 1]);
    expectContiguous(distinct.slice(1), distinct[0]!.round);
    expect(last.round.round).toBeGreaterThanOrEqual(distinct.at(-1)!.round);
  });

  it('end the machine when a listener throws', async () => {
    machine = await createMachine({
      module: fixture('tree'),
      component: 'TreeCreator',
      workers: 2,
    });
    const oops = new Error('listener broke');
    machine.onRound(() => {
      throw oops;
    });
    await machine.send(machine.root, Start, {});
    await expect(machine.run()).rejects.toBe(oops);
  });
});

describe('per-round figures on the embedded machine', () => {
  let machine: Machine | undefined;
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  it('record one partition, nothing crossing, a round per strict step', async () => {
    machine = await createMachine({
      module: fixture('tree'),
      component: 'TreeCreator',
      workers: 0,
      steps: 'strict',
    });
    const heard: RoundFigures[] = [];
    machine.onRound((r) => heard.push(r));
    for (let i = 0; i < 3; i++) await machine.send(machine.root, Start, {});
    const figures = await machine.steps(20);
    expect(figures.step).toBeGreaterThan(3);
    expect(heard).toHaveLength(figures.step);
    expectContiguous(heard);
    for (const record of heard) {
      expectConsistent(record);
      expect(record.rounds).toBe(1);
      expect(record.workers).toHaveLength(1);
      expect(record.sentAcross).toBe(0);
      expect(record.crossShare).toBe(0);
      expect(record.migrations).toBe(0);
    }
    expect(heard.map((r) => r.step)).toEqual(heard.map((_, i) => i + 1));
    expect(total(heard, 'delivered')).toBe(figures.delivered);
    expect(figures.round).toEqual(heard.at(-1));
  });

  it('cover the whole run in one record when nobody watched', async () => {
    machine = await createMachine({
      module: fixture('tree'),
      component: 'TreeCreator',
      workers: 0,
      steps: 'strict',
    });
    for (let i = 0; i < 3; i++) await machine.send(machine.root, Start, {});
    const figures = await machine.run();
    expect(figures.step).toBeGreaterThan(3);
    expect(figures.round.rounds).toBe(figures.step);
    expect(figures.round.delivered).toBe(figures.delivered);
    expect(figures.round.workers).toEqual([
      { delivered: figures.delivered, load: 1 },
    ]);
  });

  it('refuse a listener that is not a function', async () => {
    machine = await createMachine({
      module: fixture('tree'),
      component: 'TreeCreator',
      workers: 0,
    });
    const bad = 'nope' as unknown as () => void;
    expect(() => machine!.onRound(bad)).toThrow(InvalidArgumentError);
  });
});
