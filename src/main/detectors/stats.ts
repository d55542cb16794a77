/** Small statistics helpers with numpy-compatible semantics (thresholds must match the reference). */

/** Ascending sorted copy. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  out.sort();
  return out;
}

/**
 * q-th quantile (0 ≤ p ≤ 1) of already ascending values with numpy's default 'linear' method,
 * reproducing numpy's arithmetic (index = (n-1)·p, lerp from the nearer end) so thresholds come
 * out bit-identical to `numpy.percentile`.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('quantile of an empty array');
  if (!(p >= 0 && p <= 1)) throw new Error(`quantile must be in [0, 1], got ${p}`);
  const virtualIndex = (n - 1) * p;
  if (virtualIndex >= n - 1) return sorted[n - 1];
  const lower = Math.floor(virtualIndex);
  const gamma = virtualIndex - lower;
  const a = sorted[lower];
  const b = sorted[lower + 1];
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** numpy.percentile(values, q) with linear interpolation, q in [0, 100]; input may be unsorted. */
export function percentile(values: ArrayLike<number>, q: number, alreadySorted = false): number {
  if (!(q >= 0 && q <= 100)) throw new Error(`percentile must be in [0, 100], got ${q}`);
  return quantileSorted(alreadySorted ? values : sortedCopy(values), q / 100);
}

/** Threshold of a detector: the (1 − contamination) quantile of its training scores. */
export function thresholdFor(trainingScores: ArrayLike<number>, contamination: number): number {
  return quantileSorted(sortedCopy(trainingScores), 1 - contamination);
}

/** Number of sorted values < x (binary search). */
export function countBelow(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * ROC-AUC of scores against 0/1 labels (Mann-Whitney U with tied scores given their average
 * rank, which equals the trapezoidal ROC area and scikit-learn's roc_auc_score).
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new Error('scores and labels differ in length');
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => scores[x] - scores[y]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && scores[order[j]] === scores[order[i]]) j++;
    const avgRank = (i + 1 + j) / 2; // ranks are 1-based: i+1 .. j
    for (let t = i; t < j; t++) {
      if (labels[order[t]] === 1) {
        positives++;
        rankSum += avgRank;
      }
    }
    i = j;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) throw new Error('rocAuc needs both classes');
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** 1 where the score is strictly above the threshold: every detector's `predict`. */
export function above(scores: Float64Array, threshold: number): Uint8Array {
  const out = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = scores[i] > threshold ? 1 : 0;
  return out;
}
