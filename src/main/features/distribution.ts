/** One histogram bar over whole numbers: values from `from` to `to`, both inclusive. */
export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** Summary of one feature's values (all zero with an empty histogram when there are none). */
export interface FeatureStats {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  histogram: HistogramBin[];
}

/**
 * Frequency table of non-negative integers. Feature counts are small integers, so counting
 * beats sorting: O(n + max) time, O(max) memory, exact percentiles.
 */
export class IntFrequencies {
  private freq = new Float64Array(64);
  private n = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = -Infinity;

  add(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a count: ${value}`);
    if (value >= this.freq.length) {
      let size = this.freq.length * 2;
      while (size <= value) size *= 2;
      const next = new Float64Array(size);
      next.set(this.freq);
      this.freq = next;
    }
    this.freq[value]++;
    this.n++;
    this.sum += value;
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
  }

  /** The k-th smallest value, 0-based. */
  private nth(k: number): number {
    let seen = 0;
    for (let v = this.lo; v <= this.hi; v++) {
      seen += this.freq[v];
      if (seen > k) return v;
    }
    return this.hi;
  }

  /** numpy.percentile's default (linear interpolation between closest ranks), q in [0, 100]. */
  percentile(q: number): number {
    if (this.n === 0) return 0;
    const h = ((this.n - 1) * q) / 100;
    const below = Math.floor(h);
    const a = this.nth(below);
    if (h === below) return a;
    return a + (h - below) * (this.nth(below + 1) - a);
  }

  /** Up to `bins` equal-width bars of whole numbers covering min..max. */
  histogram(bins: number): HistogramBin[] {
    if (this.n === 0) return [];
    const range = this.hi - this.lo + 1;
    const width = Math.ceil(range / Math.max(1, Math.floor(bins)));
    const out: HistogramBin[] = [];
    for (let from = this.lo; from <= this.hi; from += width) {
      const to = Math.min(this.hi, from + width - 1);
      let count = 0;
      for (let v = from; v <= to; v++) count += this.freq[v];
      out.push({ from, to, count });
    }
    return out;
  }

  stats(bins = 20): FeatureStats {
    return {
      count: this.n,
      mean: this.n === 0 ? 0 : this.sum / this.n,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      max: this.n === 0 ? 0 : this.hi,
      histogram: this.histogram(bins),
    };
  }
}
