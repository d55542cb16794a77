/** Isolation Forest: ROC-AUC against scikit-learn's over 10 seeds, and the model's invariants. */
import { describe, expect, it } from 'vitest';
import { IsolationForest, averagePathLength, matrixFromRows, rocAuc, type Matrix } from '../../../src/main/detectors';
import { Rng } from '../../../src/main/detectors/rng';
import { DATASETS, loadDataset, loadReference } from './fixtures';

describe.each(DATASETS)('Isolation Forest on %s', (name) => {
  it("mean ROC-AUC over seeds 0-9 is within 0.01 of scikit-learn's", () => {
    const ds = loadDataset(name);
    const ref = loadReference(name);
    let sum = 0;
    for (let seed = 0; seed < 10; seed++) {
      const forest = new IsolationForest({ seed }).fit(ds.X);
      sum += rocAuc(forest.trainingScores, ds.labels);
    }
    expect(Math.abs(sum / 10 - ref.iforest_auc.mean)).toBeLessThan(0.01);
  });
});

function gaussianBlob(rows: number, cols: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    // Box-Muller
    data[i] = Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
  }
  return { rows, cols, data };
}

describe('Isolation Forest invariants', () => {
  it('uses the standard c(n)', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(256)).toBeCloseTo(2 * (Math.log(255) + 0.5772156649015329) - (2 * 255) / 256, 14);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const X = gaussianBlob(500, 3, 1);
    const a = new IsolationForest({ seed: 7 }).fit(X);
    const b = new IsolationForest({ seed: 7 }).fit(X);
    const c = new IsolationForest({ seed: 8 }).fit(X);
    expect(a.trainingScores).toEqual(b.trainingScores);
    expect(a.trainingScores).not.toEqual(c.trainingScores);
    expect(a.threshold).toBe(b.threshold);
  });

  it('scores an isolated point highest and keeps scores in (0, 1]', () => {
    const X = gaussianBlob(400, 2, 2);
    X.data[0] = 12;
    X.data[1] = -12;
    const forest = new IsolationForest({ seed: 1 }).fit(X);
    const s = forest.trainingScores;
    expect(s.every((v) => v > 0 && v <= 1)).toBe(true);
    expect(Math.max(...s)).toBe(s[0]);
    expect(forest.predict({ rows: 1, cols: 2, data: Float64Array.from([12, -12]) })[0]).toBe(1);
    expect(forest.predict({ rows: 1, cols: 2, data: Float64Array.from([0, 0]) })[0]).toBe(0);
  });

  it('scores 0.5 everywhere when all rows are identical (one leaf of max_samples rows)', () => {
    const X = matrixFromRows(Array.from({ length: 50 }, () => [3, 3, 3]));
    const forest = new IsolationForest().fit(X);
    expect(forest.maxSamples).toBe(50);
    for (const v of forest.trainingScores) expect(v).toBeCloseTo(0.5, 15);
  });

  it('draws min(256, n) rows per tree and scores new data of the same width only', () => {
    const forest = new IsolationForest({ nEstimators: 10 }).fit(gaussianBlob(1000, 4, 3));
    expect(forest.maxSamples).toBe(256);
    expect(new IsolationForest({ maxSamples: 64 }).fit(gaussianBlob(100, 2, 1)).maxSamples).toBe(64);
    expect(() => forest.score(gaussianBlob(3, 2, 1))).toThrow(/columns/);
    expect(forest.score({ rows: 0, cols: 4, data: new Float64Array(0) }).length).toBe(0);
  });

  it('refuses bad options and non-finite input', () => {
    expect(() => new IsolationForest({ nEstimators: 0 })).toThrow();
    expect(() => new IsolationForest({ contamination: 0 })).toThrow();
    expect(() => new IsolationForest({ maxSamples: 1.5 })).toThrow();
    expect(() => new IsolationForest().fit({ rows: 1, cols: 1, data: Float64Array.from([Number.NaN]) })).toThrow(
      /non-finite/,
    );
    expect(() => new IsolationForest().score(gaussianBlob(2, 2, 1))).toThrow(/not fitted/);
  });
});
