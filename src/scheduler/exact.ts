/**
 * Exact sums of doubles, so that a reduction gives the same bits however
 * its terms were split over workers and in whatever order they came.
 *
 * Every finite double is m * 2^e with an integer m < 2^53 and e >= -1074,
 * so x * 2^1074 is an integer: the sum is kept as two BigInts (positive
 * and negative terms) in units of 2^-1074, then rounded once, to nearest
 * even, at the end. Between threads a partial sum travels as LIMBS 32-bit
 * limbs per sign, each a double; limbs of up to 2^21 partial sums add up
 * without rounding, so a barrier can sum them column by column.
 */

/** 32-bit limbs per sign: enough for 2^(1024+1074) times 2^32 terms. */
export const LIMBS = 68;
const LIMB = 32n;
const LIMB_MASK = (1n << LIMB) - 1n;
const UNIT = 1074n;

const bits = new Float64Array(1);
const words = new BigUint64Array(bits.buffer);

/** The integer x * 2^1074 of a finite double x >= 0. */
function units(x: number): bigint {
  bits[0] = x;
  const raw = words[0]!;
  const exponent = (raw >> 52n) & 0x7ffn;
  const mantissa = raw & ((1n << 52n) - 1n);
  if (exponent === 0n) return mantissa; // subnormal: m * 2^-1074
  return (mantissa | (1n << 52n)) << (exponent - 1n);
}

export class ExactSum {
  private positive = 0n;
  private negative = 0n;

  /** Adds a finite double (NaN and infinities are the caller's to refuse). */
  add(x: number): void {
    if (x > 0) this.positive += units(x);
    else if (x < 0) this.negative += units(-x);
  }

  clear(): void {
    this.positive = 0n;
    this.negative = 0n;
  }

  /** The partial sum as 2 * LIMBS doubles: positive limbs, then negative. */
  limbs(into: number[] = []): number[] {
    let p = this.positive;
    let n = this.negative;
    for (let i = 0; i < LIMBS; i++) {
      into[i] = Number(p & LIMB_MASK);
      into[LIMBS + i] = Number(n & LIMB_MASK);
      p >>= LIMB;
      n >>= LIMB;
    }
    return into;
  }

  /** The sum of partial sums given as column-wise sums of their limbs. */
  static fromLimbSums(sums: (i: number) => number): number {
    let total = 0n;
    for (let i = LIMBS - 1; i >= 0; i--) {
      total <<= LIMB;
      total += BigInt(sums(i)) - BigInt(sums(LIMBS + i));
    }
    return toDouble(total);
  }

  /** The sum, rounded once to the nearest double (ties to even). */
  value(): number {
    return toDouble(this.positive - this.negative);
  }
}

/** t * 2^-1074 rounded to the nearest double, ties to even. */
function toDouble(t: bigint): number {
  if (t === 0n) return 0;
  const sign = t < 0n ? -1 : 1;
  let magnitude = t < 0n ? -t : t;
  const length = BigInt(magnitude.toString(2).length);
  // Keep 53 significant bits; below 2^53 units every bit is kept (the
  // result is then subnormal or exact).
  const shift = length > 53n ? length - 53n : 0n;
  if (shift > 0n) {
    const kept = magnitude >> shift;
    const rest = magnitude - (kept << shift);
    const half = 1n << (shift - 1n);
    magnitude =
      rest > half || (rest === half && (kept & 1n) === 1n) ? kept + 1n : kept;
  }
  return sign * scale(Number(magnitude), Number(shift - UNIT));
}

/** q * 2^k in steps that stay exact while the result is representable. */
function scale(q: number, k: number): number {
  let value = q;
  while (k > 0) {
    const step = Math.min(k, 1000);
    value *= 2 ** step;
    k -= step;
  }
  while (k < 0) {
    const step = Math.max(k, -1000);
    value *= 2 ** step;
    k -= step;
  }
  return value;
}
