/**
 * Spread policies: where a spawn with `spread: true` goes. Round-robin
 * walks the workers starting after this one; scatter draws them from a
 * seeded generator (each worker seeds its own stream from the machine's
 * seed and its index, so a seeded run places the same way every time).
 */
export type SpreadPolicy =
  | { readonly policy: 'round-robin' }
  | { readonly policy: 'scatter'; readonly seed: number };

export class Spreader {
  private cursor: number;
  /** The scatter generator's state (mulberry32). */
  state: number;

  constructor(
    private readonly policy: SpreadPolicy,
    index: number,
    private readonly workers: number,
  ) {
    this.cursor = index;
    const seed = policy.policy === 'scatter' ? policy.seed : 0;
    this.state = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  }

  next(): number {
    if (this.policy.policy === 'round-robin') {
      this.cursor = (this.cursor + 1) % this.workers;
      return this.cursor;
    }
    return Math.floor(mulberry32(this) * this.workers);
  }
}

/** One step of mulberry32 over `holder.state`; a float in [0, 1). */
function mulberry32(holder: { state: number }): number {
  holder.state = (holder.state + 0x6d2b79f5) >>> 0;
  let t = holder.state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
