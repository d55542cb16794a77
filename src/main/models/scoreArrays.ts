import type { ModelName } from '../../shared/config';
import type { ScoreArrays } from './protocol';

/** What both ensembles answer for a set of rows (ml/ensemble.ts, ml/ledEnsemble.ts). */
interface EnsembleOutput {
  models: Array<{ model: ModelName; scores: Float64Array; threshold: number }>;
  votes: Uint8Array;
  isAnomaly: Uint8Array;
  combined: Float64Array;
}

/** An ensemble's scores of rows, with the log ids they belong to, as sent between threads. */
export function toScoreArrays(ids: Float64Array, s: EnsembleOutput): ScoreArrays {
  return {
    ids,
    models: s.models.map((m) => m.model),
    scores: s.models.map((m) => m.scores),
    thresholds: s.models.map((m) => m.threshold),
    votes: s.votes,
    isAnomaly: s.isAnomaly,
    combined: s.combined,
  };
}

/** The rows of `a`, then those of `b` (same models and thresholds). */
export function concatScores(a: ScoreArrays, b: ScoreArrays): ScoreArrays {
  if (b.votes.length === 0) return a;
  const cat = <T extends Float64Array | Uint8Array>(x: T, y: T): T => {
    const out = new (x.constructor as new (n: number) => T)(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  return {
    ids: cat(a.ids, b.ids),
    models: a.models,
    scores: a.scores.map((s, m) => cat(s, b.scores[m])),
    thresholds: a.thresholds,
    votes: cat(a.votes, b.votes),
    isAnomaly: cat(a.isAnomaly, b.isAnomaly),
    combined: cat(a.combined, b.combined),
  };
}
