/**
 * Plain functions the workloads and the baselines share: a seeded
 * generator, and the Scaling workload's arithmetic, so that the bare
 * threads compute exactly what the components compute.
 */

/** xorshift32 step; never returns 0 for a non-zero state. */
export function xorshift(state: number): number {
  let x = state | 0;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/** A non-zero seed from two integers. */
export function seedOf(a: number, b: number): number {
  const s =
    Math.imul(a + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 1, 0xc2b2ae35);
  return (s >>> 0) | 1;
}

/** Savina's fork-join computation. */
export function fjCompute(theta: number): number {
  const sint = Math.sin(theta);
  return sint * sint;
}

/** The Scaling workload's handler body: `work` rounds of arithmetic. */
export function crunch(value: number, work: number): number {
  let x = value;
  for (let i = 0; i < work; i++) {
    x = Math.sqrt(x * x + i) * 0.75 + 1;
  }
  return x;
}

/** The cell a Scaling token visits after `cell`. */
export function nextCell(cell: number, token: number, cells: number): number {
  return (cell + 1 + (token % 5)) % cells;
}

/** The value a Scaling token starts with. */
export function tokenStart(token: number): number {
  return 1 + (token % 97) / 7;
}

/** What a finished token adds to the checksum, mod CHECK_MOD. */
export const CHECK_MOD = 1_000_000_007;
export function checkTerm(value: number): number {
  return Math.floor(value * 1e6) % CHECK_MOD;
}

/**
 * A token's whole journey without any runtime: `hops` handlings, each
 * one `crunch`. Returns its checksum term.
 */
export function journey(token: number, hops: number, work: number): number {
  let value = tokenStart(token);
  for (let h = 0; h < hops; h++) value = crunch(value, work);
  return checkTerm(value);
}

/** The checksum of tokens `from`, `from + stride`, ... below `tokens`. */
export function journeys(
  tokens: number,
  hops: number,
  work: number,
  from = 0,
  stride = 1,
): number {
  let sum = 0;
  for (let k = from; k < tokens; k += stride) {
    sum = (sum + journey(k, hops, work)) % CHECK_MOD;
  }
  return sum;
}
