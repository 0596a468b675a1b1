import type { Address, Machine } from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AlarmsMade,
  Arm,
  type ArmedRecord,
  Bounce,
  Cancel,
  Chain,
  type FiredRecord,
  MakeAlarms,
  Quit,
} from '#fixtures/clock.js';
import { startMachine, testSeed } from '../helpers/machine.js';

interface BoardState {
  chainStartedAt: number;
  links: number;
  lastLinkAt: number;
  bounces: number;
  fired: FiredRecord[];
}

interface AlarmState {
  armed: ArmedRecord[];
  rung: string[];
  cancels: boolean[];
}

/** A small deterministic generator (LCG) for timer plans. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('machine time', () => {
  const machines: Machine[] = [];
  afterEach(async () => {
    await Promise.all(machines.map((m) => m.stop()));
    machines.length = 0;
  });

  async function board(options: { clock?: 'real' } = {}): Promise<Machine> {
    const machine = await startMachine('clock', 'ClockBoard', options);
    machines.push(machine);
    await machine.run();
    return machine;
  }

  async function alarms(machine: Machine, count: number): Promise<Address[]> {
    const reply = await machine.ask(machine.root, MakeAlarms, { count });
    expect(reply.type).toBe(AlarmsMade);
    await machine.run();
    return [...(reply.body as { alarms: Address[] }).alarms];
  }

  async function boardState(machine: Machine): Promise<BoardState> {
    return (await machine.state(machine.root)) as BoardState;
  }

  async function alarmState(m: Machine, alarm: Address): Promise<AlarmState> {
    return (await m.state(alarm)) as AlarmState;
  }

  describe('virtual', () => {
    it('runs a chain of 1000 timers of 10 s at no cost in wall time', async () => {
      const machine = await board();
      const before = await machine.figures();
      expect(before.now).toBe(0);
      await machine.send(machine.root, Chain, { count: 1000, delay: 10_000 });
      const wall = performance.now();
      const after = await machine.run();
      expect(performance.now() - wall).toBeLessThan(1000);
      expect(after.now).toBe(1000 * 10_000);
      expect(after.step - before.step).toBe(1 + 1000);
      expect(after.timers).toBe(0);
      const state = await boardState(machine);
      expect(state.links).toBe(1000);
      expect(state.chainStartedAt).toBe(0);
      expect(state.lastLinkAt).toBe(10_000_000);
    });

    it('adds up timers of different lengths exactly', async () => {
      const machine = await board();
      let total = 0;
      for (const delay of [1500, 250, 0, 7, 60_000]) {
        await machine.send(machine.root, Chain, { count: 3, delay });
        const figures = await machine.run();
        total += 3 * delay;
        expect(figures.now, `after chains of ${delay}`).toBe(total);
      }
    });

    it('stands still while only messages are handled', async () => {
      const machine = await board();
      await machine.send(machine.root, Bounce, { left: 99 });
      const figures = await machine.run();
      expect((await boardState(machine)).bounces).toBe(100);
      expect(figures.now).toBe(0);
    });

    it('fires timers due at the same moment by (due, owner, creation)', async () => {
      const machine = await board();
      const [a, b, c] = (await alarms(machine, 3)) as [
        Address,
        Address,
        Address,
      ];
      expect(a < b && b < c).toBe(true);
      // Created in this order, in one step: c1 a1 b1 a2 c2 b2.
      await machine.send(c, Arm, { label: 'c1', delay: 100 });
      await machine.send(a, Arm, { label: 'a1', delay: 100 });
      await machine.send(b, Arm, { label: 'b1', delay: 50 });
      await machine.send(a, Arm, { label: 'a2', delay: 100 });
      await machine.send(c, Arm, { label: 'c2', delay: 100 });
      await machine.send(b, Arm, { label: 'b2', delay: 100 });
      await machine.run();
      const fired = (await boardState(machine)).fired;
      expect(fired.map((f) => f.label)).toEqual([
        'b1',
        'a1',
        'a2',
        'b2',
        'c1',
        'c2',
      ]);
      expect(fired.map((f) => f.at)).toEqual([50, 100, 100, 100, 100, 100]);
      expect(fired.map((f) => f.owner)).toEqual([b, a, a, b, c, c]);
    });

    it('fires a random plan in the same order in two machines, sorted by (due, owner, id)', async () => {
      const seed = testSeed();
      const plan = (() => {
        const random = lcg(seed);
        const delays = [10, 20, 20, 30, 45];
        return Array.from({ length: 40 }, (_, i) => ({
          alarm: Math.floor(random() * 6),
          label: `t${i}`,
          delay: delays[Math.floor(random() * delays.length)]!,
        }));
      })();

      async function play(): Promise<{
        fired: FiredRecord[];
        expected: string[];
      }> {
        const machine = await board();
        const owners = await alarms(machine, 6);
        for (const step of plan) {
          await machine.send(owners[step.alarm]!, Arm, {
            label: step.label,
            delay: step.delay,
          });
        }
        await machine.run();
        const timers: (ArmedRecord & { owner: Address })[] = [];
        for (const owner of owners) {
          const { armed } = await alarmState(machine, owner);
          for (const record of armed) timers.push({ ...record, owner });
        }
        expect(timers).toHaveLength(plan.length);
        timers.sort(
          (x, y) => x.due - y.due || x.owner - y.owner || x.id - y.id,
        );
        const fired = (await boardState(machine)).fired;
        const due = new Map(timers.map((x) => [x.label, x.due]));
        for (const f of fired) expect(f.at).toBe(due.get(f.label));
        return { fired, expected: timers.map((x) => x.label) };
      }

      const first = await play();
      const second = await play();
      const labels = first.fired.map((f) => f.label);
      expect(labels, `seed ${seed}`).toEqual(first.expected);
      expect(second.fired, `seed ${seed}`).toEqual(first.fired);
    });

    it('cancelTimer stops one of its own timers, once, and not those of others', async () => {
      const machine = await board();
      const [a, b] = (await alarms(machine, 2)) as [Address, Address];
      await machine.send(a, Arm, { label: 'keep', delay: 100 });
      await machine.send(a, Arm, { label: 'drop', delay: 200 });
      const armedStep = await machine.steps(1);
      expect(armedStep.timers).toBe(2);
      const armed = (await alarmState(machine, a)).armed;
      const keep = armed.find((x) => x.label === 'keep')!.id;
      const drop = armed.find((x) => x.label === 'drop')!.id;
      expect(keep).not.toBe(drop);

      await machine.send(a, Cancel, { id: drop });
      await machine.send(a, Cancel, { id: drop });
      await machine.send(b, Cancel, { id: keep });
      await machine.send(a, Cancel, { id: 987_654 });
      const figures = await machine.run();
      expect((await alarmState(machine, a)).cancels).toEqual([
        true,
        false,
        false,
      ]);
      expect((await alarmState(machine, b)).cancels).toEqual([false]);
      expect((await alarmState(machine, a)).rung).toEqual(['keep']);
      expect(figures.now).toBe(100);
      expect(figures.timers).toBe(0);

      // Too late: the timer has fired.
      await machine.send(a, Cancel, { id: keep });
      await machine.run();
      expect((await alarmState(machine, a)).cancels).toEqual([
        true,
        false,
        false,
        false,
      ]);
    });

    it('removes the timers of a component that dies', async () => {
      const machine = await board();
      const start = await machine.figures();
      const [a, b] = (await alarms(machine, 2)) as [Address, Address];
      for (const delay of [1000, 2000, 3000]) {
        await machine.send(a, Arm, { label: `a${delay}`, delay });
      }
      await machine.send(b, Arm, { label: 'b500', delay: 500 });
      const armed = await machine.steps(1);
      expect(armed.timers).toBe(start.timers + 4);
      await machine.send(a, Quit, {});
      const after = await machine.run();
      expect(after.timers).toBe(start.timers);
      expect(after.now).toBe(500);
      expect(after.deadLetters).toBe(0);
      expect((await boardState(machine)).fired.map((f) => f.label)).toEqual([
        'b500',
      ]);
    });
  });

  describe('real', () => {
    it('fires a 30 ms timer after at least 30 ms of wall time', async () => {
      const machine = await board({ clock: 'real' });
      const wall = performance.now();
      await machine.send(machine.root, Chain, { count: 1, delay: 30 });
      const figures = await machine.run();
      const elapsed = performance.now() - wall;
      expect(elapsed).toBeGreaterThanOrEqual(29.5);
      expect(elapsed).toBeLessThan(1000);
      const state = await boardState(machine);
      expect(state.links).toBe(1);
      expect(state.lastLinkAt - state.chainStartedAt).toBeGreaterThanOrEqual(
        30,
      );
      expect(figures.now).toBeGreaterThanOrEqual(state.lastLinkAt);
    });
  });

  describe('steps', () => {
    it('advance figures().step by n while work remains, and stop when quiet', async () => {
      const machine = await board();
      const s0 = (await machine.figures()).step;
      await machine.send(machine.root, Bounce, { left: 9 });

      const four = await machine.steps(4);
      expect(four.step).toBe(s0 + 4);
      expect((await boardState(machine)).bounces).toBe(4);

      const none = await machine.steps(0);
      expect(none.step).toBe(s0 + 4);
      expect((await boardState(machine)).bounces).toBe(4);

      const rest = await machine.steps(100);
      expect(rest.step).toBe(s0 + 10);
      expect(rest.queued).toBe(0);
      expect((await boardState(machine)).bounces).toBe(10);

      const quiet = await machine.steps(5);
      expect(quiet.step).toBe(s0 + 10);
    });

    it('count a step at each timer, moving the clock to it', async () => {
      const machine = await board();
      const s0 = (await machine.figures()).step;
      await machine.send(machine.root, Chain, { count: 3, delay: 1000 });
      const set = await machine.steps(1);
      expect(set.step).toBe(s0 + 1);
      expect(set.now).toBe(0);
      expect(set.timers).toBe(1);
      const first = await machine.steps(1);
      expect(first.now).toBe(1000);
      expect((await boardState(machine)).links).toBe(1);
      const rest = await machine.steps(10);
      expect(rest.step).toBe(s0 + 4);
      expect(rest.now).toBe(3000);
      expect((await boardState(machine)).links).toBe(3);
    });
  });
});
