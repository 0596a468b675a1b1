// The geometry of Circo's space and the default worker force law, checked
// against numbers worked out by hand.
import { describe, expect, it } from 'vitest';
import { balance } from '../../src/placement/options.js';
import {
  distance,
  jitter,
  moveToward,
  workerGrid,
} from '../../src/placement/space.js';

/** Worker w's point of `grid`. */
function point(grid: Float64Array, w: number): number[] {
  return [grid[3 * w]!, grid[3 * w + 1]!, grid[3 * w + 2]!];
}

describe('workerGrid', () => {
  it('puts one worker at the origin, two on a line, four on a square, eight on a cube', () => {
    expect(point(workerGrid(1), 0)).toEqual([0, 0, 0]);
    const two = workerGrid(2);
    expect([point(two, 0), point(two, 1)]).toEqual([
      [0, 0, 0],
      [1000, 0, 0],
    ]);
    const four = workerGrid(4);
    expect([0, 1, 2, 3].map((w) => point(four, w))).toEqual([
      [0, 0, 0],
      [1000, 0, 0],
      [0, 1000, 0],
      [1000, 1000, 0],
    ]);
    const eight = workerGrid(8);
    expect(point(eight, 4)).toEqual([0, 0, 1000]);
    expect(point(eight, 7)).toEqual([1000, 1000, 1000]);
  });

  it('makes the cube three wide from nine workers, and exactly three wide for 27', () => {
    const nine = workerGrid(9);
    expect(point(nine, 2)).toEqual([2000, 0, 0]);
    expect(point(nine, 3)).toEqual([0, 1000, 0]);
    expect(point(nine, 8)).toEqual([2000, 2000, 0]);
    const cube = workerGrid(27);
    expect(point(cube, 26)).toEqual([2000, 2000, 2000]);
    expect(point(cube, 9)).toEqual([0, 0, 1000]);
  });
});

describe('moveToward', () => {
  it('moves a triple by the step along the line to the point', () => {
    // A 3-4-5 triangle: half of the way to the origin.
    const pos = new Float32Array([9, 3, 4, 0]);
    moveToward(pos, 1, 0, 0, 0, 2.5, 0);
    expect([...pos]).toEqual([9, 1.5, 2, 0]);
  });

  it('stops a pull at stopAt from the point, so that repeated pulls settle there', () => {
    const pos = new Float32Array([100, 0, 0]);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      moveToward(pos, 0, 0, 0, 0, 30, 20);
      seen.push(pos[0]!);
    }
    // 100 -> 70 -> 40, then only 20 more, then not at all.
    expect(seen).toEqual([70, 40, 20, 20, 20]);
  });

  it('pushes away with a negative step, past any stopAt', () => {
    const pos = new Float32Array([3, 4, 0]);
    moveToward(pos, 0, 0, 0, 0, -5, 20);
    expect([...pos]).toEqual([6, 8, 0]);
  });

  it('leaves a triple at the point itself where it is', () => {
    const pos = new Float32Array([7, 7, 7]);
    moveToward(pos, 0, 7, 7, 7, 10, 0);
    moveToward(pos, 0, 7, 7, 7, -10, 0);
    expect([...pos]).toEqual([7, 7, 7]);
  });

  it('measures with distance', () => {
    expect(distance(new Float32Array([0, 3, 4]), 0, 0, 0, 0)).toBe(5);
    expect(distance([1, 1, 1, 4, 5, 1], 3, 1, 1, 1)).toBe(5);
  });
});

describe('jitter', () => {
  it('gives each serial and axis a fixed offset within the radius', () => {
    const seen = new Set<number>();
    for (let serial = 16; serial < 1016; serial++) {
      for (let k = 0; k < 3; k++) {
        const offset = jitter(serial, k, 10);
        expect(offset).toBeGreaterThanOrEqual(-10);
        expect(offset).toBeLessThan(10);
        expect(jitter(serial, k, 10)).toBe(offset);
        seen.add(Math.floor(offset));
      }
    }
    // Spread over the whole range, not a few values.
    expect(seen.size).toBe(20);
  });
});

describe('the balance law', () => {
  it('leaves alone a component near its worker on a worker of average load', () => {
    expect(balance(0, 1)).toBe(0);
    expect(balance(100, 1)).toBe(0);
    expect(balance(50, 1.05)).toBe(0);
  });

  it('pushes all out of a worker past 1.05 of the mean load, harder with more, up to 4', () => {
    expect(balance(10, 1.25)).toBe(-2);
    expect(balance(500, 1.25)).toBe(-2);
    expect(balance(10, 1.5)).toBe(-4);
    expect(balance(10, 3)).toBe(-4);
  });

  it('pulls back a straggler past 100, harder the farther and the less loaded its worker', () => {
    // One message's energy for every 100 past 100, times 2 - load.
    expect(balance(150, 1)).toBe(0.5);
    expect(balance(250, 1)).toBe(1.5);
    expect(balance(250, 0.5)).toBe(2.25);
    // At most two messages' energy from the distance, times 2 - load.
    expect(balance(2100, 0.5)).toBe(3);
    expect(balance(5000, 0)).toBe(4);
  });
});
