import { afterEach, describe, expect, it } from 'vitest';
import { Go } from '#fixtures/request.js';
import type { Machine, StartOptions } from '../helpers/machine.js';
import { startMachine } from '../helpers/machine.js';

interface RequesterState {
  asked: Record<number, number>;
  answers: number;
  failures: number;
  timeouts: number;
  mismatches: number;
  wrongTimeouts: number;
}

describe('request/response', () => {
  let machine: Machine;
  afterEach(() => machine?.stop());

  async function ask201(options: StartOptions, timeout: number) {
    machine = await startMachine('request', 'Requester', options);
    await machine.send(machine.root, Go, {
      count: 201,
      timeout,
      replyDelay: 0,
    });
    await machine.run();
    const state = (await machine.state(machine.root)) as RequesterState;
    expect(state).toMatchObject({
      answers: 67,
      failures: 67,
      timeouts: 67,
      mismatches: 0,
      wrongTimeouts: 0,
    });
    expect(state.asked).toEqual({});
    const figures = await machine.figures();
    expect(figures.pendingRequests).toBe(0);
    expect(figures.timers).toBe(0);
    expect(figures.timeouts).toBe(67);
    expect(figures.lateReplies).toBe(0);
  }

  it('matches 67 replies, 67 failures and 67 timeouts to their tokens', () =>
    ask201({}, 1_000));

  // The timeout is short in wall time yet long enough for a reply to cross
  // workers on a loaded two-core machine.
  it('does the same on the real-time clock with short timeouts', () =>
    ask201({ clock: 'real' }, 400));

  async function lateReply(options: StartOptions, timeout: number) {
    machine = await startMachine('request', 'Requester', options);
    await machine.send(machine.root, Go, {
      count: 1,
      timeout,
      replyDelay: timeout * 2,
    });
    await machine.run();
    const state = (await machine.state(machine.root)) as RequesterState;
    expect(state).toMatchObject({ answers: 0, timeouts: 1, mismatches: 0 });
    const figures = await machine.figures();
    expect(figures.timeouts).toBe(1);
    expect(figures.lateReplies).toBe(1);
    expect(figures.pendingRequests).toBe(0);
  }

  it('drops and counts a reply that comes after its timeout', () =>
    lateReply({}, 1_000));

  it('drops and counts a late reply on the real-time clock too', () =>
    lateReply({ clock: 'real' }, 20));
});
