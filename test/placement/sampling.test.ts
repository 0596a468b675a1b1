// How often messages pull their targets: one in PULL_SAMPLE, and more
// sparsely while pulls keep finding their targets already at rest.
import { describe, expect, it } from 'vitest';
import type { Address } from '../../src/address.js';
import { Component } from '../../src/component.js';
import { resolvePlacement } from '../../src/placement/options.js';
import { PULL_SAMPLE, Space } from '../../src/scheduler/space.js';
import { ComponentTable } from '../../src/scheduler/table.js';

const A = 1 as Address;
const B = 2 as Address;

class Still extends Component {
  onmessage(): void {}
}

function pair() {
  const table = new ComponentTable(0);
  table.set(A, new Still());
  table.set(B, new Still());
  const space = new Space(table, resolvePlacement({}, 2), 0, 2);
  space.setPosition(A, [0, 0, 0]);
  space.setPosition(B, [300, 0, 0]);
  return space;
}

/** The energies `sample(1)` gives over `n` messages that are sampled. */
function sampledEnergies(space: Space, n: number): number[] {
  const energies: number[] = [];
  for (let i = 0; energies.length < n && i < 1e7; i++) {
    const e = space.sample(1);
    if (e !== 0) energies.push(e);
  }
  return energies;
}

describe('sampled pulls', () => {
  it('pull one message in PULL_SAMPLE while pulls move their targets', () => {
    const space = pair();
    // Far apart: each pull moves the target.
    for (let i = 0; i < 3; i++) space.pull(B, A, 1);
    expect(sampledEnergies(space, 20)).toEqual(Array(20).fill(PULL_SAMPLE));
  });

  it('pull more sparsely, as hard in all, while targets are at rest', () => {
    const space = pair();
    // Pulled together, then pulls find nothing to do.
    for (let i = 0; i < 200; i++) space.pull(B, A, 100);
    const calm = sampledEnergies(space, 20);
    expect(calm[1]!).toBeGreaterThan(PULL_SAMPLE);
    // Each sampled pull carries the mean gap as energy: the drift per
    // message stays one message's energy. Count the gaps to check.
    let messages = 0;
    let energy = 0;
    for (let i = 0; i < 200_000; i++) {
      messages++;
      energy += space.sample(1);
    }
    expect(energy / messages).toBeCloseTo(1, 1);
    // A target that moves away brings back the usual sampling.
    space.setPosition(B, [900, 0, 0]);
    space.pull(B, A, 1);
    expect(sampledEnergies(space, 3).slice(1)).toEqual([
      PULL_SAMPLE,
      PULL_SAMPLE,
    ]);
  });
});
