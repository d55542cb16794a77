/** percentile (numpy's linear rule, bit for bit), rocAuc (ties averaged) and the z-scaler. */
import { describe, expect, it } from 'vitest';
import {
  applyScaler,
  fitScaler,
  matrixFromRows,
  percentile,
  quantileSorted,
  rocAuc,
} from '../../../src/main/detectors';
import { DATASETS, loadDataset, loadReference } from './fixtures';

describe('percentile', () => {
  it('equals numpy.percentile bit for bit', () => {
    // Values printed by numpy.percentile (linear interpolation).
    const a = [3, 1, 4, 1, 5, 9, 2, 6];
    const expected: Array<[number, number]> = [
      [0, 1],
      [5, 1],
      [25, 1.75],
      [50, 3.5],
      [90, 6.8999999999999995],
      [95, 7.949999999999998],
      [99.9, 8.979000000000001],
      [100, 9],
    ];
    for (const [q, v] of expected) expect(percentile(a, q)).toBe(v);
    expect(percentile([0.1, 0.2, 0.30000000000000004, 0.7, 1e10], 95)).toBe(8000000000.139998);
    expect(percentile([0.1, 0.2, 0.30000000000000004, 0.7, 1e10], 37.5)).toBe(0.25);
    expect(percentile([42], 95)).toBe(42);
  });

  it.each(DATASETS)('reproduces the reference thresholds of %s', (name) => {
    const ref = loadReference(name) as unknown as Record<string, number[]> & {
      thresholds: Record<string, { threshold: number; n_above: number }>;
    };
    for (const key of ['lof_train', 'knn_train', 'lof_train_std', 'knn_train_std']) {
      const t = percentile(ref[key], 95);
      expect(t).toBe(ref.thresholds[key].threshold);
      expect(ref[key].filter((s) => s > t).length).toBe(ref.thresholds[key].n_above);
    }
  });

  it('does not modify its input and refuses bad arguments', () => {
    const a = [3, 1, 2];
    percentile(a, 50);
    expect(a).toEqual([3, 1, 2]);
    expect(() => percentile([], 50)).toThrow();
    expect(() => percentile([1], 101)).toThrow();
    expect(() => quantileSorted([1, 2], Number.NaN)).toThrow();
  });
});

describe('rocAuc', () => {
  it('gives tied scores half credit', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
    expect(rocAuc([0, 1, 1, 2], [0, 0, 1, 1])).toBe(0.875);
  });

  it.each(DATASETS)("matches scikit-learn's roc_auc_score on %s", (name) => {
    const ref = loadReference(name) as unknown as Record<string, number[]> & { lof_auc: number; knn_auc: number };
    const { labels } = loadDataset(name);
    expect(rocAuc(ref.lof_train, labels)).toBeCloseTo(ref.lof_auc, 12);
    expect(rocAuc(ref.knn_train, labels)).toBeCloseTo(ref.knn_auc, 12);
  });

  it('needs both classes', () => {
    expect(() => rocAuc([1, 2], [1, 1])).toThrow();
  });
});

describe('scaler', () => {
  it('uses the population std and scale 1 for constant columns', () => {
    // (The fit on real data is compared with scikit-learn's stored scaler in knn.reference.test.ts.)
    const X = matrixFromRows([
      [1, 10, 5],
      [2, 10, 7],
      [3, 10, 9],
      [4, 10, 11],
    ]);
    const p = fitScaler(X);
    expect(p.mean).toEqual([2.5, 10, 8]);
    // Population std; the constant column gets scale 1 as in scikit-learn.
    expect(p.scale[0]).toBeCloseTo(Math.sqrt(1.25), 15);
    expect(p.scale[1]).toBe(1);
    expect(p.scale[2]).toBeCloseTo(Math.sqrt(5), 15);
    const Z = applyScaler(X, p);
    expect(Array.from(Z.data.subarray(0, 3))).toEqual([(1 - 2.5) / p.scale[0], 0, (5 - 8) / p.scale[2]]);
  });
});
