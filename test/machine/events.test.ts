import type { Address } from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Emit,
  eventOf,
  KillSource,
  type ListenerSpec,
  Setup,
  SPECS,
  Unsubscribe,
} from '#fixtures/events.js';
import { type Machine, startMachine } from '../helpers/machine.js';

/** The events of [first, first + count) that `spec` should receive. */
function meant(spec: ListenerSpec, first: number, count: number): number[] {
  const values: number[] = [];
  for (let i = first; i < first + count; i++) {
    const { type, topic } = eventOf(i);
    if (type !== spec.type) continue;
    if (spec.topic !== undefined && spec.topic !== topic) continue;
    if (spec.modulo !== undefined && i % spec.modulo !== 0) continue;
    values.push(i);
  }
  return values;
}

interface ListenerState {
  received: number[];
  topics: string[];
}

describe('events', () => {
  let machine: Machine;
  let listeners: Address[];
  afterEach(() => machine?.stop());

  async function setup() {
    machine = await startMachine('events', 'Hub');
    await machine.send(machine.root, Setup, {});
    await machine.run();
    listeners = (
      (await machine.state(machine.root)) as { listeners: Address[] }
    ).listeners;
    expect(listeners).toHaveLength(13);
  }

  const received = async (i: number) =>
    (await machine.state(listeners[i]!)) as ListenerState;

  it('delivers to 13 filtered subscribers exactly the events meant for them', async () => {
    await setup();
    await machine.send(machine.root, Emit, { first: 0, count: 133 });
    await machine.run();
    for (const [i, spec] of SPECS.entries()) {
      const state = await received(i);
      expect(state.received, `listener ${i}`).toEqual(meant(spec, 0, 133));
      expect(state.topics).toEqual(
        state.received.map((value) => eventOf(value).topic),
      );
    }
    // Listener 11 subscribed to a topic nobody fires under.
    expect((await received(11)).received).toEqual([]);
    const figures = await machine.figures();
    expect(figures.subscriptions).toBe(13);
    expect(figures.deadLetters).toBe(0);
  });

  it('stops delivering to a subscriber that unsubscribed', async () => {
    await setup();
    await machine.send(machine.root, Emit, { first: 0, count: 50 });
    await machine.run();
    await machine.send(machine.root, Unsubscribe, { listener: 0 });
    await machine.run();
    await machine.send(machine.root, Emit, { first: 50, count: 83 });
    await machine.run();
    expect((await received(0)).received).toEqual(meant(SPECS[0]!, 0, 50));
    expect((await received(1)).received).toEqual(meant(SPECS[1]!, 0, 133));
    expect((await machine.figures()).subscriptions).toBe(12);
  });

  it('removes the dispatcher and its subscriptions with the source', async () => {
    await setup();
    await machine.send(machine.root, KillSource, {});
    await machine.run();
    const figures = await machine.figures();
    expect(figures.subscriptions).toBe(0);
    expect(figures.components).toBe(1 + 13);
    // Emitting to the dead source is a dead letter, not a silent loss.
    await machine.send(machine.root, Emit, { first: 0, count: 1 });
    await machine.run();
    expect((await machine.figures()).deadLettersByType).toEqual({
      'events.Emit': 1,
    });
  });
});
