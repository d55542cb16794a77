import { describe, expect, it } from 'vitest';
import { createDetector, isMajority } from '../../../src/main/detectors/ensemble';
import type { IsolationForest } from '../../../src/main/detectors/iforest';
import type { FleetFeatureRow } from '../../../src/main/fleet/clickhouseSource';
import { forestOf, scoreCandidates, trainEnsemble, typicalValues } from '../../../src/main/fleet/candidates';
import { compileIsolationForest, forestTrees, pathTotal, scoreOfTotal } from '../../../src/main/fleet/iforestSql';
import { rng } from '../../helpers/rng';

/**
 * Duplicate-heavy window counts, as the `original` features are: many quiet IPs, a few busy ones,
 * and one crawler whose windows all look the same (150 requests, 20 × 4xx): far from the rest, so
 * the forest isolates it quickly, but dense, so its neighbours are at distance 0.
 */
function sampleRows(n: number, seed: number): FleetFeatureRow[] {
  const next = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    if (i % 100 === 0) return { ip: '10.9.9.9', tsMs: 1_700_000_000_000 + i * 1000, arrival: String(i), ...CRAWLER };
    const busy = next() < 0.03;
    return {
      ip: `10.0.${i % 250}.${i % 7}`,
      tsMs: 1_700_000_000_000 + i * 1000,
      arrival: String(i),
      request: Math.floor(next() * (busy ? 300 : 10)) + 1,
      client: Math.floor(next() * (busy ? 30 : 2)),
      server: next() < 0.02 ? Math.floor(next() * 6) : 0,
    };
  });
}

const CRAWLER = { request: 150, client: 20, server: 0 };

const matrix = (rows: readonly FleetFeatureRow[]) => ({
  rows: rows.length,
  cols: 3,
  data: Float64Array.from(rows.flatMap((r) => [r.request, r.client, r.server])),
});

/** Every combination of a few values: candidates of every kind, outliers and ordinary rows alike. */
function grid(): FleetFeatureRow[] {
  const out: FleetFeatureRow[] = [];
  for (const request of [1, 3, 8, 40, 150, 299, 2_000])
    for (const client of [0, 1, 12, 29, 400])
      for (const server of [0, 3, 50]) out.push({ ip: 'x', tsMs: 0, arrival: '', request, client, server });
  out.push({ ip: '10.9.9.9', tsMs: 0, arrival: '', ...CRAWLER });
  return out;
}

describe('fleet candidates: the desktop ensemble on the rows the server returns', () => {
  const sample = sampleRows(3_000, 11);
  const contamination = 0.05;
  const seed = 5;
  const ensemble = trainEnsemble(sample, contamination, seed);
  const candidates = grid();
  const verdicts = scoreCandidates(ensemble, candidates);

  it('LOF and KNN scores and votes are the desktop detectors’, trained on the same sample', () => {
    const X = matrix(candidates);
    for (const model of ['lof', 'knn'] as const) {
      const desktop = createDetector(model, { contamination, seed, standardize: false }).fit(matrix(sample));
      const scores = desktop.score(X);
      verdicts.forEach((v, i) => {
        expect({ model, i, score: v.models[model].score, vote: v.models[model].vote }).toEqual({
          model,
          i,
          score: scores[i],
          vote: scores[i] > desktop.threshold,
        });
        expect(v.models[model].threshold).toBe(desktop.threshold);
      });
    }
  });

  it('the forest is the desktop’s, and its vote is the one the server computes from the compiled path totals', () => {
    const desktop = createDetector('iforest', { contamination, seed, standardize: false }).fit(
      matrix(sample),
    ) as IsolationForest;
    const forest = forestOf(ensemble);
    expect(forest.toJSON()).toEqual(desktop.toJSON());
    const compiled = compileIsolationForest(forest);
    const trees = forestTrees(forest);
    verdicts.forEach((v, i) => {
      const c = candidates[i];
      const total = pathTotal(trees, [c.request, c.client, c.server]);
      expect(v.models.iforest.score).toBe(scoreOfTotal(total, compiled.denominator));
      // The server flags a row when its path total is at most the cutoff.
      expect({ i, vote: v.models.iforest.vote }).toEqual({ i, vote: total <= compiled.cutoff });
    });
  });

  it('the vote is the desktop’s majority: 2 of 3 flag, 1 of 3 does not; both cases occur here', () => {
    const seen = new Set<string>();
    for (const v of verdicts) {
      const votes = [v.models.iforest.vote, v.models.lof.vote, v.models.knn.vote].filter(Boolean).length;
      expect(v.votes).toBe(votes);
      expect(v.isAnomaly).toBe(isMajority(votes, 3));
      expect(v.isAnomaly).toBe(votes >= 2);
      seen.add(`${votes}`);
      if (v.models.iforest.vote && votes === 1) seen.add('forest alone: not flagged');
      if (!v.models.iforest.vote && votes === 2) seen.add('LOF and KNN outvote the forest');
    }
    // A vote that could fail: the crawler's windows, which the server's forest flags, are not
    // flagged, since their neighbours are at distance 0; and LOF and KNN can outvote the forest.
    expect(verdicts.at(-1)).toMatchObject({
      models: { iforest: { vote: true }, lof: { vote: false }, knn: { vote: false } },
      votes: 1,
      isAnomaly: false,
    });
    expect(seen).toContain('forest alone: not flagged');
    expect(seen).toContain('LOF and KNN outvote the forest');
    expect(seen).toContain('0');
    expect(seen).toContain('3');
  });

  it('each row says where its features sit in the sample, and the sample’s medians are the typical values', () => {
    const requests = sample.map((r) => r.request);
    verdicts.forEach((v, i) => {
      const below = requests.filter((x) => x < candidates[i].request).length;
      expect(v.featurePercentiles.request_count).toBeCloseTo((100 * below) / sample.length, 9);
    });
    const sorted = [...requests].sort((a, b) => a - b);
    expect(typicalValues(sample).request_count).toBe((sorted[1499] + sorted[1500]) / 2);
    expect(typicalValues(sample).server_error_count).toBe(0);
  });

  it('the combined score is the mean of the models’ sample percentiles (the desktop’s ordering of flagged rows)', () => {
    for (const v of verdicts) {
      const mean = (v.models.iforest.percentile + v.models.lof.percentile + v.models.knn.percentile) / 300;
      expect(v.combined).toBeCloseTo(mean, 12);
    }
  });
});
