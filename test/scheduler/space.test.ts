// A scheduler's side of the space: pulls by messages, a worker's force at a
// migration check and the worker it then picks, sampling, and where spawns
// start. Numbers worked out by hand; workers at (0,0,0) and (1000,0,0).
import { type Address, Component, makeAddress } from 'circo';
import { describe, expect, it } from 'vitest';
import {
  type PlacementOptions,
  registerWorkerForce,
  resolvePlacement,
} from '../../src/placement/options.js';
import { PULL_SAMPLE, Space } from '../../src/scheduler/space.js';
import { ComponentTable } from '../../src/scheduler/table.js';

class Dot extends Component {
  onmessage(): void {}
}

registerWorkerForce('space-test.still', () => 0);
registerWorkerForce('space-test.nan', () => Number.NaN);

/** A space of worker `here` of `workers`, with components at `at`. */
function spaceOf(
  options: PlacementOptions,
  at: readonly (readonly [number, number, number])[],
  here = 0,
  workers = 2,
) {
  const table = new ComponentTable(0);
  const space = new Space(
    table,
    resolvePlacement(options, workers),
    here,
    workers,
  );
  const addresses = at.map((position, i) => {
    const address = makeAddress(0, 16 + i);
    table.set(address, new Dot());
    space.setPosition(address, position);
    return address;
  });
  return { space, table, addresses };
}

describe('a pull by messages', () => {
  it('moves the target energy * strength toward the sender and settles at targetDistance', () => {
    const { space, addresses } = spaceOf({ strength: 4, targetDistance: 20 }, [
      [100, 0, 0],
      [0, 0, 0],
    ]);
    const [target, sender] = addresses as [Address, Address];
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      space.pull(target, sender, 6);
      seen.push(space.position(target)![0]);
    }
    // Steps of 24, the last one cut short at 20 from the sender.
    expect(seen).toEqual([76, 52, 28, 20, 20, 20]);
    expect(space.position(sender)).toEqual([0, 0, 0]);
  });

  it('from another worker comes as an infoton and pulls the same way', () => {
    const { space, addresses } = spaceOf({ strength: 2, targetDistance: 0 }, [
      [0, 30, 40],
    ]);
    space.pullToward(addresses[0]!, { x: 0, y: 0, z: 0, energy: 5 });
    expect(space.position(addresses[0]!)).toEqual([0, 24, 32]);
  });

  it('is sampled: one message in PULL_SAMPLE on average pulls, PULL_SAMPLE times as hard', () => {
    const { space } = spaceOf({}, []);
    const n = 80_000;
    let pulls = 0;
    let energy = 0;
    for (let i = 0; i < n; i++) {
      const e = space.sample(1);
      if (e !== 0) {
        expect(e).toBe(PULL_SAMPLE);
        pulls++;
        energy += e;
      }
    }
    // The gaps are uniform in 1 .. 2 * PULL_SAMPLE - 1, mean PULL_SAMPLE.
    expect(pulls / n).toBeCloseTo(1 / PULL_SAMPLE, 2);
    expect(energy / n).toBeCloseTo(1, 1);
  });
});

describe("a worker's force at a migration check", () => {
  it('brings a straggler back to 100 from its worker, on a worker of average load', () => {
    // balance(300, 1) = 2, and strength 100 makes it a step of 200.
    const { space, addresses } = spaceOf({ strength: 100 }, [[300, 0, 0]]);
    expect(space.settle(addresses[0]!, 1)).toBe(0);
    expect(space.position(addresses[0]!)).toEqual([100, 0, 0]);
    // Within 100 nothing pulls any more.
    expect(space.settle(addresses[0]!, 1)).toBe(0);
    expect(space.position(addresses[0]!)).toEqual([100, 0, 0]);
  });

  it('pushes a crowd out of an overloaded worker until one is nearer the other worker', () => {
    // Load 1.25: balance gives -2, times strength 100: 200 out per check.
    const { space, addresses } = spaceOf({ strength: 100 }, [
      [10, 0, 0],
      [-10, 0, 0],
      [0, 10, 0],
    ]);
    const [east, west, north] = addresses as [Address, Address, Address];
    expect(space.settle(east, 1.25)).toBe(0);
    expect(space.position(east)).toEqual([210, 0, 0]);
    expect(space.settle(east, 1.25)).toBe(0);
    // At 610 it is 390 from worker 1: nearer by more than the tolerance.
    expect(space.settle(east, 1.25)).toBe(1);
    expect(space.position(east)).toEqual([610, 0, 0]);
    // Pushed the other way, or sideways, it stays on worker 0.
    for (let i = 0; i < 3; i++) {
      expect(space.settle(west, 1.25)).toBe(0);
      expect(space.settle(north, 1.25)).toBe(0);
    }
    expect(space.position(west)).toEqual([-610, 0, 0]);
    expect(space.position(north)).toEqual([0, 610, 0]);
  });

  it('leaves a component of a balanced worker near it alone', () => {
    const { space, addresses } = spaceOf({}, [[5, -5, 5]]);
    expect(space.settle(addresses[0]!, 1.05)).toBe(0);
    expect(space.position(addresses[0]!)).toEqual([5, -5, 5]);
  });

  it('moves a component only when another worker is nearer by more than the tolerance', () => {
    // A law that never moves anything: only the distances decide.
    const options = { workerForce: 'space-test.still', tolerance: 50 };
    const { space, addresses } = spaceOf(options, [
      [520, 0, 0],
      [530, 0, 0],
      [2000, 0, 0],
    ]);
    // 480 from worker 1 against 520 from worker 0: nearer by only 40.
    expect(space.settle(addresses[0]!, 1)).toBe(0);
    expect(space.settle(addresses[1]!, 1)).toBe(1);
    expect(space.settle(addresses[2]!, 1)).toBe(1);
    // Seen from worker 1, the one at 520 is nearer worker 1: it stays.
    const there = spaceOf(options, [[520, 0, 0]], 1);
    expect(there.space.settle(there.addresses[0]!, 1)).toBe(1);
  });

  it('picks the nearest of four workers', () => {
    const options = { workerForce: 'space-test.still', tolerance: 0 };
    const { space, addresses } = spaceOf(
      options,
      [
        [900, 100, 0],
        [100, 900, 0],
        [900, 900, 0],
        [400, 400, 0],
      ],
      0,
      4,
    );
    expect(addresses.map((a) => space.settle(a, 1))).toEqual([1, 2, 3, 0]);
  });

  it('ignores a law that returns something other than a finite number', () => {
    const { space, addresses } = spaceOf({ workerForce: 'space-test.nan' }, [
      [300, 0, 0],
    ]);
    expect(space.settle(addresses[0]!, 1)).toBe(0);
    expect(space.position(addresses[0]!)).toEqual([300, 0, 0]);
  });
});

describe('where a spawned component starts', () => {
  it('at the position given, next to its parent here, or else next to its worker', () => {
    const { space, table, addresses } = spaceOf({}, [[500, 500, 500]], 1);
    const parent = addresses[0]!;
    const given = makeAddress(0, 100);
    const child = makeAddress(0, 101);
    const orphan = makeAddress(0, 102);
    for (const a of [given, child, orphan]) table.set(a, new Dot());
    space.place(given, parent, [1, 2, 3]);
    space.place(child, parent);
    space.place(orphan, makeAddress(0, 9999));
    expect(space.position(given)).toEqual([1, 2, 3]);
    const near = (a: Address, centre: number[]) =>
      space.position(a)!.every((c, k) => Math.abs(c - centre[k]!) <= 10);
    expect(near(child, [500, 500, 500])).toBe(true);
    // Worker 1 of 2 sits at (1000, 0, 0).
    expect(near(orphan, [1000, 0, 0])).toBe(true);
  });
});
