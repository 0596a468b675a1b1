/**
 * A scheduler's side of Circo's 3D space: the positions of its components
 * (kept in the component table, see table.ts), the pulls that messages
 * make on them, and the force of the scheduler's own worker. The
 * decisions to migrate are taken by the engine at barrier rounds
 * (src/engine/migration.ts); on one thread positions are kept and read
 * but nothing pulls them.
 */
import { type Address, SERIAL_LIMIT } from '../address.js';
import {
  type ResolvedPlacement,
  type WorkerForceLaw,
  workerForceLaw,
} from '../placement/options.js';
import {
  distance,
  jitter,
  moveToward,
  workerGrid,
} from '../placement/space.js';
import type { Infoton } from '../wire/frame.js';
import type { ComponentTable } from './table.js';

/**
 * How far from its parent (or its worker) a spawned component starts, in
 * each coordinate: near a point, not on it, so that a push has a
 * direction to push it in, but within the default target distance (5) of
 * its parent (2 * sqrt(3) < 5), so that a parent and child that talk
 * start at rest. At 10, the nodes of a large tree kept pulling each other
 * into place through dozens of counts, and those pulls cost a tenth of
 * the tree's rate.
 */
const SPAWN_RADIUS = 2;
/**
 * One message in PULL_SAMPLE, on average, pulls its target, with
 * PULL_SAMPLE times its energy: the same drift in expectation, at a
 * fraction of the cost (two table look-ups and a square root per pull
 * were a fifth of a local message's cost). The gaps between pulls are
 * drawn at random, so that no pattern of traffic (a ping-pong, a ring of
 * the sample's length) can hide one direction from the sample.
 */
export const PULL_SAMPLE = 8;
/**
 * After CALM_AFTER pulls in a row that found their targets already at
 * rest (within `targetDistance` of the sender), pulls are sampled one in
 * PULL_SAMPLE_CALM, as hard; the first pull that moves a target brings
 * back PULL_SAMPLE. Where components already sit with their partners
 * (pairs on one worker), most pulls found nothing to do and still cost
 * about a tenth of a local message's rate.
 */
const CALM_AFTER = 64;
const PULL_SAMPLE_CALM = 64;

export type Position = readonly [x: number, y: number, z: number];

export class Space {
  /** Whether messages pull their targets (placement on, workers > 1). */
  readonly enabled: boolean;
  readonly grid: Float64Array;
  private readonly strength: number;
  private readonly stopAt: number;
  private readonly law: WorkerForceLaw;
  /** Reused for every infoton handed to the wire: never kept. */
  private readonly scratch: Infoton = { x: 0, y: 0, z: 0, energy: 0 };
  /**
   * Messages until the next sampled pull: Dispatcher.post counts it down
   * itself (a call per message was a measurable share of a local send),
   * and calls `draw` when it reaches 0. Then the xorshift32 state.
   */
  gap = 1;
  private random: number;
  /** Mean gap between pulls now, and pulls in a row that moved nothing. */
  private every = PULL_SAMPLE;
  private restful = 0;

  constructor(
    private readonly table: ComponentTable,
    readonly options: ResolvedPlacement,
    readonly here: number,
    workers: number,
  ) {
    this.enabled = options.enabled;
    this.grid = workerGrid(Math.max(1, workers));
    this.strength = options.strength;
    this.stopAt = options.targetDistance;
    this.law = workerForceLaw(options.workerForce);
    this.random = (0x9e3779b9 ^ Math.imul(here + 1, 0x85ebca6b)) | 1;
  }

  /**
   * The energy with which a message sent with `energy` pulls its target:
   * 0 for most messages, PULL_SAMPLE * energy for one in PULL_SAMPLE on
   * average (PULL_SAMPLE_CALM while pulls find nothing to do). One
   * decrement per message when not sampled. Dispatcher.post does the
   * same by hand, on the send path; keep the two alike.
   */
  sample(energy: number): number {
    return --this.gap > 0 ? 0 : this.draw(energy);
  }

  /** The sampled message's energy, and the gap to the next one. */
  draw(energy: number): number {
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x;
    // A gap uniform in 1 .. 2 * every - 1: mean `every`.
    const every = this.every;
    this.gap = 1 + ((x >>> 0) % (2 * every - 1));
    return energy * every;
  }

  /** Keeps count of pulls that moved nothing (see CALM_AFTER). */
  private pulled(moved: boolean): void {
    if (moved) {
      this.restful = 0;
      this.every = PULL_SAMPLE;
    } else if (++this.restful === CALM_AFTER) {
      this.every = PULL_SAMPLE_CALM;
    }
  }

  /**
   * Sets the position of a component that just started here: `given`, or
   * near its parent when the parent lives here, or else near this worker.
   */
  place(address: Address, parent: Address, given?: Position): void {
    const coords = this.table.coords(address)!;
    const i = this.table.coordIndex(address);
    if (given !== undefined) {
      coords[i] = given[0];
      coords[i + 1] = given[1];
      coords[i + 2] = given[2];
      return;
    }
    const near = this.table.coords(parent);
    const serial = address % SERIAL_LIMIT;
    for (let k = 0; k < 3; k++) {
      const centre =
        near === undefined
          ? this.grid[3 * this.here + k]!
          : near[this.table.coordIndex(parent) + k]!;
      coords[i + k] = centre + jitter(serial, k, SPAWN_RADIUS);
    }
  }

  /** The position of a component here, or undefined. */
  position(address: Address): Position | undefined {
    const coords = this.table.coords(address);
    if (coords === undefined) return undefined;
    const i = this.table.coordIndex(address);
    return [coords[i]!, coords[i + 1]!, coords[i + 2]!];
  }

  /** Sets the position of a component here (one that just arrived). */
  setPosition(address: Address, at: Position): void {
    const coords = this.table.coords(address);
    if (coords === undefined) return;
    const i = this.table.coordIndex(address);
    coords[i] = at[0];
    coords[i + 1] = at[1];
    coords[i + 2] = at[2];
  }

  /**
   * The infoton of a message from `sender` (a component here) with
   * `energy`, for the wire; valid until the next call.
   */
  infoton(sender: Address, energy: number): Infoton | undefined {
    const coords = this.table.coords(sender);
    if (coords === undefined) return undefined;
    const i = this.table.coordIndex(sender);
    const s = this.scratch;
    s.x = coords[i]!;
    s.y = coords[i + 1]!;
    s.z = coords[i + 2]!;
    s.energy = energy;
    return s;
  }

  /** A message from `sender` (here) pulls `target` (here). */
  pull(target: Address, sender: Address, energy: number): void {
    const from = this.table.coords(sender);
    const to = this.table.coords(target);
    if (from === undefined || to === undefined) return;
    const f = this.table.coordIndex(sender);
    this.pulled(
      moveToward(
        to,
        this.table.coordIndex(target),
        from[f]!,
        from[f + 1]!,
        from[f + 2]!,
        energy * this.strength,
        this.stopAt,
      ),
    );
  }

  /** A message that came with `infoton` pulls `target` (here). */
  pullToward(target: Address, infoton: Infoton): void {
    const to = this.table.coords(target);
    if (to === undefined) return;
    const { x, y, z, energy } = infoton;
    const i = this.table.coordIndex(target);
    this.pulled(
      moveToward(to, i, x, y, z, energy * this.strength, this.stopAt),
    );
  }

  /**
   * Applies this worker's force to `address` given the worker's load (its
   * share of the mean), then returns the worker the component is now
   * nearest to, if that one is nearer than this worker by more than the
   * tolerance; otherwise this worker.
   */
  settle(address: Address, load: number): number {
    const coords = this.table.coords(address);
    if (coords === undefined) return this.here;
    const i = this.table.coordIndex(address);
    const g = this.grid;
    const h = 3 * this.here;
    const own = distance(coords, i, g[h]!, g[h + 1]!, g[h + 2]!);
    const energy = this.law(own, load);
    if (energy !== 0 && Number.isFinite(energy)) {
      moveToward(
        coords,
        i,
        g[h]!,
        g[h + 1]!,
        g[h + 2]!,
        energy * this.strength,
        0,
      );
    }
    const mine = distance(coords, i, g[h]!, g[h + 1]!, g[h + 2]!);
    let best = this.here;
    let bestDistance = mine - this.options.tolerance;
    for (let w = 0; w < g.length / 3; w++) {
      if (w === this.here) continue;
      const d = distance(coords, i, g[3 * w]!, g[3 * w + 1]!, g[3 * w + 2]!);
      if (d < bestDistance) {
        best = w;
        bestDistance = d;
      }
    }
    return best;
  }
}
