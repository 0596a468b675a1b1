// The services' records as they leave one worker and arrive on another,
// seen from the Services of two workers wired to each other by hand.
import { describe, expect, it } from 'vitest';
import { type Address, makeAddress } from '../../src/address.js';
import { defineMessage } from '../../src/message/message.js';
import { t } from '../../src/message/schema.js';
import type { Op } from '../../src/scheduler/ops.js';
import { Services } from '../../src/scheduler/services.js';

const Ping = defineMessage('servicesTest.Ping', { n: t.u32 });

const A = makeAddress(0, 16); // lives on worker 1, moves to worker 2
const B = makeAddress(0, 17); // on worker 1: watches A, A watches it
const C = makeAddress(0, 18); // on worker 2: subscribes to A

/** Services for worker `here` of three; `where` says who lives where. */
function worker(here: number, where: Map<Address, number>) {
  const calls: [number, Op][] = [];
  const posted: [Address, string, unknown][] = [];
  const services = new Services({
    here,
    workerOf: (address) => where.get(address) ?? 0,
    isAlive: (address) => where.get(address) === here,
    call: (to, op) => calls.push([to, op]),
    postSystem: (target, type, body) => posted.push([target, type.name, body]),
  });
  return { services, calls, posted };
}

describe('service records that travel with a component', () => {
  it('leave its old worker and work the same on its new one', () => {
    const where = new Map<Address, number>([
      [A, 1],
      [B, 1],
      [C, 2],
    ]);
    const one = worker(1, where);
    const two = worker(2, where);
    one.services.register(A, 'a');
    one.services.watch(B, A);
    one.services.watch(A, B);
    one.services.subscribe(A, C, Ping, undefined, undefined, 101);
    // C subscribes to A: the operation runs where A lives.
    one.services.perform({
      op: 'subscribe',
      token: 7,
      source: A,
      subscriber: C,
      type: Ping.id,
      topic: 'x',
    });
    expect(one.services.staysBecause(A)).toBeUndefined();

    const records = structuredClone(one.services.emigrate(A));
    expect(records).toEqual({
      named: true,
      watchers: [B],
      watching: [B],
      subscribers: [{ token: 7, subscriber: C, type: Ping.id, topic: 'x' }],
      subscriptions: [{ token: 101, source: C }],
    });
    // Nothing of A is left on worker 1 but B's side of their watches.
    expect(one.services.census()).toEqual({
      names: 0,
      subscriptions: 0,
      watches: 1,
    });
    expect(one.services.audience(A, Ping, 'x')).toEqual([]);

    where.set(A, 2);
    two.services.immigrate(A, records);
    expect(two.services.census()).toEqual({
      names: 0,
      subscriptions: 1,
      watches: 1,
    });
    expect(two.services.audience(A, Ping, 'x')).toMatchObject([
      { token: 7, subscriber: C },
    ]);
    expect(two.services.filterFor(101, A)).toBeNull();
    // A dies on worker 2: B is told, its name is forgotten at the
    // registry, its watch of B and its subscription to C are undone.
    two.services.died(A);
    expect(two.posted).toEqual([[B, 'circo.Terminated', { who: A }]]);
    // (C's side of token 101 lives here, on worker 2: no call for it.)
    expect(two.calls).toEqual([
      [0, { op: 'forget', holder: A }],
      [1, { op: 'unwatch', watcher: A, target: B }],
    ]);
  });

  it('refuse to travel with an event filter, a function', () => {
    const where = new Map<Address, number>([
      [A, 1],
      [C, 2],
    ]);
    const one = worker(1, where);
    one.services.subscribe(A, C, Ping, undefined, () => true, 5);
    expect(one.services.staysBecause(A)).toContain('event filter');
  });

  it('follow a subscriber that moved when its source was found gone', () => {
    // Worker 1 learns that the source of token 9 is gone just as C, the
    // subscriber, leaves it for worker 2: the notice follows C.
    const where = new Map<Address, number>([[C, 2]]);
    const one = worker(1, where);
    one.services.perform({ op: 'ended', subscriber: C, tokens: [9] });
    expect(one.calls).toEqual([
      [2, { op: 'ended', subscriber: C, tokens: [9] }],
    ]);
  });
});
