/**
 * Circo's 3D space: where workers sit, and how a component's position
 * moves when a message pulls it (an infoton).
 *
 * Positions are float32 triples kept in the component table's pages
 * (table.ts), never an object per component: a page of 1024 slots has a
 * Float32Array of 3072 coordinates, and a component's position is the
 * triple at its slot. The functions here work on such an array and the
 * index of the triple's first coordinate.
 */

/** Distance between two neighbouring workers of the grid. */
export const WORKER_SPACING = 1000;

/**
 * The workers' positions: worker w at the w-th point of a cube grid of
 * side ceil(cbrt(workers)) with WORKER_SPACING between neighbours, filled
 * x first, then y, then z. Two workers sit on a line, four on a square,
 * eight on a cube. Returns x, y, z of worker w at [3w, 3w + 2].
 */
export function workerGrid(workers: number): Float64Array {
  const side = Math.max(1, Math.ceil(Math.cbrt(workers) - 1e-9));
  const grid = new Float64Array(3 * workers);
  for (let w = 0; w < workers; w++) {
    grid[3 * w] = (w % side) * WORKER_SPACING;
    grid[3 * w + 1] = (Math.floor(w / side) % side) * WORKER_SPACING;
    grid[3 * w + 2] = Math.floor(w / (side * side)) * WORKER_SPACING;
  }
  return grid;
}

/** Distance from the triple at `pos[i]` to (x, y, z). */
export function distance(
  pos: ArrayLike<number>,
  i: number,
  x: number,
  y: number,
  z: number,
): number {
  const dx = x - pos[i]!;
  const dy = y - pos[i + 1]!;
  const dz = z - pos[i + 2]!;
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

/** How far past its stop distance a pulled target still counts as there. */
const AT_REST = 0.01;

/**
 * Moves the triple at `pos[i]` toward (x, y, z) by `step` (away from it
 * when `step` is negative). A pull never goes past `stopAt` from the
 * source, so a target settles at that distance instead of jittering
 * around it; a push is not limited. Returns whether it moved anything.
 * Allocation-free: it runs on every delivered message.
 */
export function moveToward(
  pos: Float32Array,
  i: number,
  x: number,
  y: number,
  z: number,
  step: number,
  stopAt: number,
): boolean {
  const dx = x - pos[i]!;
  const dy = y - pos[i + 1]!;
  const dz = z - pos[i + 2]!;
  const d = Math.sqrt(dx * dx + dy * dy + dz * dz);
  if (d === 0) return false; // no direction to move in
  let s = step;
  if (s > 0) {
    // At rest: float32 coordinates land a pulled target a hair beyond
    // `stopAt`, and the next pull would move it by that hair.
    if (d <= stopAt + AT_REST) return false;
    if (s > d - stopAt) s = d - stopAt;
  }
  const f = s / d;
  pos[i] = pos[i]! + dx * f;
  pos[i + 1] = pos[i + 1]! + dy * f;
  pos[i + 2] = pos[i + 2]! + dz * f;
  return true;
}

/**
 * A small deterministic offset in [-radius, radius) for coordinate `k` of
 * the component with serial `serial`: spawned components start near a
 * point, not on it, so that a push has a direction to push them in.
 */
export function jitter(serial: number, k: number, radius: number): number {
  let h = Math.imul((serial >>> 0) ^ Math.imul(k + 1, 0x9e3779b9), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) / 2 ** 32) * 2 * radius - radius;
}
