/**
 * KNN ("largest", k = 5) against scikit-learn's NearestNeighbors on the ADBench datasets:
 * every row, training scores (fit on all rows, self excluded) and novelty scores (fit on the
 * first 80 %, scoring the rest), raw and z-scored, plus the 95th-percentile thresholds.
 */
import { describe, expect, it } from 'vitest';
import { KNearestNeighbors, fitScaler, sliceRows } from '../../../src/main/detectors';
import { DATASETS, describeMismatch, firstMismatch, loadDataset, loadReference } from './fixtures';

function expectClose(actual: Float64Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  const i = firstMismatch(actual, expected, 1e-6, 1e-9);
  expect(i, describeMismatch(actual, expected, i)).toBe(-1);
}

function countAbove(scores: Float64Array, t: number): number {
  let n = 0;
  for (const s of scores) if (s > t) n++;
  return n;
}

describe.each(DATASETS)('KNN on %s', (name) => {
  const ds = loadDataset(name);
  const ref = loadReference(name);
  const train = sliceRows(ds.X, 0, ds.nTrain);
  const test = sliceRows(ds.X, ds.nTrain, ds.X.rows);

  it('training scores and threshold match knn_train', () => {
    const knn = new KNearestNeighbors().fit(ds.X);
    expectClose(knn.trainingScores, ref.knn_train);
    expect(knn.threshold).toBeCloseTo(ref.thresholds.knn_train.threshold, 12);
    expect(countAbove(knn.trainingScores, knn.threshold)).toBe(ref.thresholds.knn_train.n_above);
  });

  it('novelty scores match knn_test', () => {
    const knn = new KNearestNeighbors().fit(train);
    expectClose(knn.score(test), ref.knn_test);
  });

  it('z-scored (reference scaler) training scores and threshold match knn_train_std', () => {
    const knn = new KNearestNeighbors({ scaler: ref.standard_scaler.all_rows }).fit(ds.X);
    expectClose(knn.trainingScores, ref.knn_train_std);
    expect(knn.threshold).toBeCloseTo(ref.thresholds.knn_train_std.threshold, 12);
    expect(countAbove(knn.trainingScores, knn.threshold)).toBe(ref.thresholds.knn_train_std.n_above);
  });

  it('z-scored (reference scaler) novelty scores match knn_test_std', () => {
    const knn = new KNearestNeighbors({ scaler: ref.standard_scaler.train_rows }).fit(train);
    expectClose(knn.score(test), ref.knn_test_std);
  });

  it('standardize: true fits its own scaler and gives the same distances', () => {
    // KNN distances do not depend on tie-breaking, so last-bit scaler differences stay tiny.
    const knn = new KNearestNeighbors({ standardize: true }).fit(ds.X);
    const own = knn.scaling;
    expect(own).not.toBeNull();
    const { mean, scale } = ref.standard_scaler.all_rows;
    for (let c = 0; c < ds.X.cols; c++) {
      expect(Math.abs(own!.mean[c] - mean[c])).toBeLessThan(1e-12 * Math.max(1, Math.abs(mean[c])));
      expect(Math.abs(own!.scale[c] / scale[c] - 1)).toBeLessThan(1e-12);
    }
    expectClose(knn.trainingScores, ref.knn_train_std);
    const novelty = new KNearestNeighbors({ standardize: true }).fit(train);
    expectClose(novelty.score(test), ref.knn_test_std);
    expect(fitScaler(train)).toEqual(novelty.scaling);
  });
});
