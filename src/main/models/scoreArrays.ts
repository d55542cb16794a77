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

/** The rows of each part in turn (same models and thresholds), copied once into arrays of the total length. */
export function concatScores(first: ScoreArrays, ...rest: ScoreArrays[]): ScoreArrays {
  const parts = [first, ...rest.filter((p) => p.votes.length > 0)];
  if (parts.length === 1) return first;
  const cat = <T extends Float64Array | Uint8Array>(pick: (p: ScoreArrays) => T): T => {
    const arrays = parts.map(pick);
    const out = new (arrays[0].constructor as new (n: number) => T)(arrays.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of arrays) {
      out.set(a, at);
      at += a.length;
    }
    return out;
  };
  return {
    ids: cat((p) => p.ids),
    models: first.models,
    scores: first.scores.map((_, m) => cat((p) => p.scores[m])),
    thresholds: first.thresholds,
    votes: cat((p) => p.votes),
    isAnomaly: cat((p) => p.isAnomaly),
    combined: cat((p) => p.combined),
  };
}
