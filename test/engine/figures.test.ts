import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createMachine, type Figures, type Machine } from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import { Census, Start } from '#fixtures/tree.js';
import { fixture } from '../helpers/machine.js';

describe('the figures of a threaded machine', () => {
  let machine: Machine | undefined;
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  it('are kept per worker, add up, and are published every round', async () => {
    const published: Figures[] = [];
    const listener = (figures: unknown) => published.push(figures as Figures);
    subscribe('circo:figures', listener);
    try {
      machine = await createMachine({
        module: fixture('tree'),
        component: 'TreeCreator',
        workers: 2,
      });
      for (let i = 0; i < 8; i++) {
        await machine.send(machine.root, Start, {});
        await machine.run();
      }
      const reply = await machine.ask(machine.root, Census, {});
      expect(reply.body).toEqual({ nodes: 2 ** 9 - 1 });
      const figures = await machine.figures();
      expect(figures.workers).toHaveLength(2);
      const sum = (key: 'delivered' | 'deadLetters' | 'queued') =>
        figures.workers.reduce((n, w) => n + w[key], 0);
      expect(sum('delivered')).toBe(figures.delivered);
      expect(sum('deadLetters')).toBe(figures.deadLetters);
      expect(sum('queued')).toBe(0);
      // The top of the tree is spread, so both workers handled messages
      // and some crossed between them.
      for (const w of figures.workers) {
        expect(w.delivered).toBeGreaterThan(0);
        expect(w.overflow).toBe(0);
      }
      expect(figures.workers.some((w) => w.sentAcross > 0)).toBe(true);
      // One publication per run at least, the last equal to the figures.
      expect(published.length).toBeGreaterThanOrEqual(9);
      expect(published.at(-1)).toEqual(figures);
    } finally {
      unsubscribe('circo:figures', listener);
    }
  });
});
