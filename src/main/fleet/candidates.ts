import type { Features } from '../../shared/schemas/original';
import { Ensemble, type Explanation } from '../detectors/ensemble';
import type { IsolationForest } from '../detectors/iforest';
import { quantileSorted, sortedCopy } from '../detectors/stats';
import type { FleetFeatureRow } from './clickhouseSource';
import { sampleMatrix } from './sampler';

/**
 * The full desktop ensemble in fleet mode, and what of it is exact.
 *
 * The sample trains Isolation Forest, LOF and KNN exactly as the desktop's `original` Ensemble
 * does (createDetector for each, the configured contamination, the seed, raw counts).
 * - Exact for every row of the range: Isolation Forest. Compiled to SQL, it scores and flags each
 *   row on the server, and the rows it ranks most anomalous come back as candidates.
 * - Candidates only: LOF, KNN and the majority vote. They need the sample's neighbours, which
 *   live here, so they score just the returned rows. A row LOF and KNN would flag but the forest
 *   ranks below the returned ones is never seen.
 */

export type EnsembleVerdict = Pick<Explanation, 'votes' | 'isAnomaly' | 'combined'> & {
  models: Record<'iforest' | 'lof' | 'knn', { score: number; threshold: number; vote: boolean; percentile: number }>;
  featurePercentiles: Features;
};

const FEATURES = ['request_count', 'client_error_count', 'server_error_count'] as const;

/** The desktop's `original` ensemble (all three models, no scaling) fitted on the sample. */
export function trainEnsemble(sample: readonly FleetFeatureRow[], contamination: number, seed: number): Ensemble {
  return new Ensemble({ models: ['iforest', 'lof', 'knn'], contamination, seed, standardize: false }).fit(
    sampleMatrix(sample),
  );
}

/** The ensemble's forest: the same model the desktop's Isolation Forest would be. */
export const forestOf = (e: Ensemble): IsolationForest => e.detector('iforest') as IsolationForest;

/**
 * Each candidate scored by every model and voted on, with where its features sit in the sample:
 * the desktop's own explanation (Ensemble.explain), so the numbers are the Anomalies view's.
 */
export function scoreCandidates(e: Ensemble, rows: readonly FleetFeatureRow[]): EnsembleVerdict[] {
  return rows.map((r) => {
    const x = e.explain([r.request, r.client, r.server]);
    const models = Object.fromEntries(
      x.models.map((m) => [
        m.model,
        { score: m.score, threshold: m.threshold, vote: m.vote, percentile: m.percentile },
      ]),
    ) as EnsembleVerdict['models'];
    const featurePercentiles = Object.fromEntries(
      FEATURES.map((name, i) => [name, x.features[i].percentile]),
    ) as Features;
    return { models, votes: x.votes, isAnomaly: x.isAnomaly, combined: x.combined, featurePercentiles };
  });
}

/** Each feature's median over the sample: the "typical" value a flagged row is set against. */
export function typicalValues(sample: readonly FleetFeatureRow[]): Features {
  const median = (pick: (r: FleetFeatureRow) => number) => quantileSorted(sortedCopy(sample.map(pick)), 0.5);
  return {
    request_count: median((r) => r.request),
    client_error_count: median((r) => r.client),
    server_error_count: median((r) => r.server),
  };
}
