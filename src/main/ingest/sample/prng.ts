/**
 * Small seeded PRNG for the sample generator: a Weyl sequence (step = 2^32 / golden ratio) put
 * through a 32-bit avalanche mix. Same seed, same stream on every platform; plenty for synthetic
 * logs, not for cryptography.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    // Fold any finite number (also above 2^32 or fractional) into 32 bits.
    const s = Number.isFinite(seed) ? Math.floor(seed) : 0;
    this.state = (s ^ Math.floor(s / 4294967296)) | 0;
  }

  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}
