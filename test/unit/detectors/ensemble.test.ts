/** Ensemble: the original's vote rule (votes >= models / 2), combined score, explain, progress. */
import { describe, expect, it } from 'vitest';
import { Ensemble, isMajority, type Matrix, type ModelName } from '../../../src/main/detectors';
import { syntheticFeatures } from '../../../bench/ml';

describe('vote rule', () => {
  it('needs 2 of 3, 1 of 2, 1 of 1', () => {
    expect([0, 1, 2, 3].map((v) => isMajority(v, 3))).toEqual([false, false, true, true]);
    expect([0, 1, 2].map((v) => isMajority(v, 2))).toEqual([false, true, true]);
    expect([0, 1].map((v) => isMajority(v, 1))).toEqual([false, true]);
  });
});

// Production-shaped features: 5,000 rows of (requests, 4xx, 5xx) with injected outliers.
const { X: train } = syntheticFeatures(5000, 11);
const { X: fresh } = syntheticFeatures(3000, 12);

const SETS: ModelName[][] = [['iforest', 'lof', 'knn'], ['lof', 'knn'], ['iforest', 'knn'], ['knn'], ['iforest']];

describe.each(SETS.map((s) => [s.join('+'), s] as const))('ensemble of %s', (_label, models) => {
  const ens = new Ensemble({ models, seed: 1 }).fit(train);
  const out = ens.score(fresh);

  it('counts votes per model (score > threshold) and flags at votes >= models / 2', () => {
    expect(out.models.map((m) => m.model)).toEqual(models);
    let flagged = 0;
    for (let i = 0; i < fresh.rows; i++) {
      let votes = 0;
      for (const m of out.models) {
        const vote = m.scores[i] > ens.detector(m.model).threshold ? 1 : 0;
        expect(m.votes[i]).toBe(vote);
        votes += vote;
      }
      expect(out.votes[i]).toBe(votes);
      const expected = votes >= models.length / 2 ? 1 : 0;
      expect(out.isAnomaly[i]).toBe(expected);
      flagged += expected;
    }
    // Sanity: some rows are flagged, most are not.
    expect(flagged).toBeGreaterThan(0);
    expect(flagged).toBeLessThan(fresh.rows / 2);
  });

  it('combined score is the mean over models of the fraction of training scores below', () => {
    const sorted = models.map((m) => Array.from(ens.detector(m).trainingScores).sort((a, b) => a - b));
    for (let i = 0; i < fresh.rows; i += 97) {
      const expected =
        out.models.reduce((s, m, j) => s + sorted[j].filter((t) => t < m.scores[i]).length / sorted[j].length, 0) /
        models.length;
      expect(out.combined[i]).toBeCloseTo(expected, 12);
      expect(out.combined[i]).toBeGreaterThanOrEqual(0);
      expect(out.combined[i]).toBeLessThanOrEqual(1);
    }
  });
});

describe('ensemble behaviour', () => {
  const ens = new Ensemble({ seed: 2 }).fit(train);

  it('explains a row: model scores against thresholds and feature percentiles', () => {
    const row = [400, 300, 90];
    const e = ens.explain(row);
    const s = ens.score({ rows: 1, cols: 3, data: Float64Array.from(row) });
    expect(e.models.map((m) => m.score)).toEqual(s.models.map((m) => m.scores[0]));
    expect(e.models.map((m) => m.threshold)).toEqual(s.models.map((m) => m.threshold));
    expect(e.votes).toBe(s.votes[0]);
    expect(e.isAnomaly).toBe(true);
    expect(e.combined).toBe(s.combined[0]);
    for (const f of e.features) {
      let below = 0;
      for (let r = 0; r < train.rows; r++) if (train.data[r * 3 + f.index] < f.value) below++;
      expect(f.percentile).toBeCloseTo((100 * below) / train.rows, 12);
    }
    const typical = ens.explain([50, 10, 1]);
    expect(typical.isAnomaly).toBe(false);
    expect(typical.features[0].percentile).toBeGreaterThan(20);
    expect(typical.features[0].percentile).toBeLessThan(80);
    expect(() => ens.explain([1, 2])).toThrow();
  });

  it('reports progress from 0 to 1 in order', () => {
    const seen: Array<[number, string]> = [];
    new Ensemble({ models: ['iforest', 'knn'] }).fit(train, (f, stage) => seen.push([f, stage]));
    expect(seen.map((s) => s[0])).toEqual([0, 0.5, 1]);
    expect(seen.map((s) => s[1])).toEqual(['fitting iforest', 'fitting knn', 'done']);
  });

  it('passes standardize to LOF and KNN only', () => {
    const std = new Ensemble({ standardize: true, models: ['lof', 'knn'] }).fit(train);
    const lof = std.detector('lof');
    expect('scaling' in lof && lof.scaling).toBeTruthy();
    expect(() => std.detector('iforest')).toThrow(/not enabled/);
  });

  it('refuses bad options and unfitted use', () => {
    expect(() => new Ensemble({ models: [] })).toThrow();
    expect(() => new Ensemble({ models: ['lof', 'lof'] })).toThrow();
    expect(() => new Ensemble({ contamination: 0.7 })).toThrow();
    expect(() => new Ensemble().score(fresh)).toThrow(/not fitted/);
    const bad: Matrix = { rows: 1, cols: 2, data: new Float64Array(2) };
    expect(() => ens.score(bad)).toThrow(/columns/);
  });
});
