import { describe, expect, it } from 'vitest';
import { IntFrequencies } from '../../../src/main/features/distribution';
import { rng } from './oracle';

/** numpy.percentile(values, q) with the default linear method, by sorting. */
function npPercentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = ((s.length - 1) * q) / 100;
  const lo = Math.floor(h);
  return lo + 1 < s.length ? s[lo] + (h - lo) * (s[lo + 1] - s[lo]) : s[lo];
}

describe('IntFrequencies', () => {
  it('percentiles equal numpy linear interpolation on random counts', () => {
    const next = rng(3);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(next() * 500);
      const spread = [1, 5, 100, 5000][trial % 4];
      const values = Array.from({ length: n }, () => Math.floor(next() ** 3 * spread));
      const f = new IntFrequencies();
      for (const v of values) f.add(v);
      for (const q of [0, 50, 90, 99, 100]) expect(f.percentile(q)).toBeCloseTo(npPercentile(values, q), 9);
      const s = f.stats(20);
      expect(s.max).toBe(Math.max(...values));
      expect(s.count).toBe(n);
      expect(s.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / n, 9);
      expect(s.histogram.length).toBeLessThanOrEqual(20);
      expect(s.histogram.reduce((a, b) => a + b.count, 0)).toBe(n);
      expect(s.histogram[0].from).toBe(Math.min(...values));
      expect(s.histogram.at(-1)?.to).toBe(s.max);
      for (let k = 1; k < s.histogram.length; k++) expect(s.histogram[k].from).toBe(s.histogram[k - 1].to + 1);
    }
  });

  it('small ranges get one bar per value; no values give zeros and no bars', () => {
    const f = new IntFrequencies();
    for (const v of [1, 1, 2, 4]) f.add(v);
    expect(f.histogram(20)).toEqual([
      { from: 1, to: 1, count: 2 },
      { from: 2, to: 2, count: 1 },
      { from: 3, to: 3, count: 0 },
      { from: 4, to: 4, count: 1 },
    ]);
    expect(new IntFrequencies().stats()).toEqual({ count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0, histogram: [] });
    expect(() => f.add(-1)).toThrow(RangeError);
  });
});
