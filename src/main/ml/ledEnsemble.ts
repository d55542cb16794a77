/**
 * The default scoring: detectors fit on entities, thresholds set on lines, one combined score.
 *
 * Fit on entities: the rows given to `fit` are one per entity (a client IP in one hour), so a
 * scanner's 300 lines are one unusual point, not a dense cluster the neighbour models would
 * call normal. Every line is then scored with its own feature row.
 *
 * Calibrated on lines: each model's percentiles and threshold, and the combined threshold, come
 * from the scores of the training *lines* (the second matrix given to `fit`), so "contamination 5 %" means at most
 * 5 % of lines, whatever the entities look like. Thresholds are strict (score > the
 * (1 − c) quantile), so ties at the threshold, which duplicate-heavy data makes common, never
 * push the flagged share above contamination on the calibration lines.
 *
 * Combined score, Isolation-Forest-led: IF's line percentile plus λ times the mean percentile of
 * the neighbour models, over 1 + λ. On the shared reference sets LOF and KNN rank far below IF
 * (cardio 0.55 / 0.71 vs 0.93, shuttle 0.52 / 0.64 vs 0.998), and every symmetric combination
 * (mean of percentiles 0.76 / 0.77, max 0.88 / 0.96, agreement-weighted 0.76 / 0.73) fell below
 * IF by more than 0.02; with λ = 0.05 the neighbours only order IF's near-ties (cardio 0.926,
 * shuttle 0.995, smtp 0.922 against the best member's 0.914).
 */
import type { Matrix, ModelName } from './types';
import { checkMatrix } from './matrix';
import { createDetector, type AnyDetector } from './ensemble';
import { countBelow, quantileSorted, sortedCopy } from './stats';
import { checkContamination } from './codec';

export const NEIGHBOUR_WEIGHT = 0.05;

export interface LedOptions {
  contamination?: number;
  seed?: number;
  /** Enabled models; Isolation Forest leads when present, otherwise the first listed. */
  models?: ModelName[];
  neighbourWeight?: number;
}

export interface LedModelScores {
  model: ModelName;
  scores: Float64Array;
  /** Fraction of calibration lines scoring strictly lower, in [0, 1]. */
  percentiles: Float64Array;
  votes: Uint8Array;
  threshold: number;
}

export interface LedScores {
  models: LedModelScores[];
  votes: Uint8Array;
  combined: Float64Array;
  isAnomaly: Uint8Array;
}

export class LedEnsemble {
  readonly models: readonly ModelName[];
  readonly contamination: number;
  readonly seed: number;
  readonly neighbourWeight: number;
  private detectors: AnyDetector[] = [];
  private calibration: Float64Array[] = [];
  private thresholds: number[] = [];
  private combinedThreshold = Infinity;

  constructor(opts: LedOptions = {}) {
    this.models = (opts.models ?? ['iforest', 'lof', 'knn']).slice();
    if (this.models.length === 0) throw new Error('ensemble: enable at least one model');
    this.contamination = checkContamination(opts.contamination ?? 0.05, 'contamination');
    this.seed = opts.seed ?? 0;
    this.neighbourWeight = opts.neighbourWeight ?? NEIGHBOUR_WEIGHT;
  }

  get threshold(): number {
    return this.combinedThreshold;
  }

  /** Fits every model on the entity rows, then calibrates on the line rows. */
  fit(entities: Matrix, lines: Matrix): this {
    this.fitScore(entities, lines);
    return this;
  }

  /** fit(), answering the line rows' scores too (they are computed for the calibration anyway). */
  fitScore(entities: Matrix, lines: Matrix): LedScores {
    checkMatrix(entities, 'entities');
    checkMatrix(lines, 'lines', entities.cols);
    const opts = { contamination: this.contamination, seed: this.seed, standardize: true };
    this.detectors = this.models.map((m) => createDetector(m, opts).fit(entities));
    const raw = this.detectors.map((d) => d.score(lines));
    this.calibration = raw.map((s) => sortedCopy(s));
    this.thresholds = this.calibration.map((s) => quantileSorted(s, 1 - this.contamination));
    const s = this.assemble(raw);
    // The combined threshold needs the lines' combined scores, so they are flagged after it is set.
    this.combinedThreshold = quantileSorted(sortedCopy(s.combined), 1 - this.contamination);
    return { ...s, isAnomaly: this.flag(s.combined) };
  }

  score(X: Matrix): LedScores {
    if (this.detectors.length === 0) throw new Error('ensemble: not fitted');
    const s = this.assemble(this.detectors.map((d) => d.score(X)));
    return { ...s, isAnomaly: this.flag(s.combined) };
  }

  /** Votes, percentiles and the combined score of scored rows; flagging needs the combined threshold. */
  private assemble(raw: Float64Array[]): Omit<LedScores, 'isAnomaly'> {
    const n = raw[0].length;
    const votes = new Uint8Array(n);
    const models = raw.map((scores, m): LedModelScores => {
      const v = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        if (scores[i] > this.thresholds[m]) {
          v[i] = 1;
          votes[i]++;
        }
      }
      return {
        model: this.models[m],
        scores,
        percentiles: this.percentiles(m, scores),
        votes: v,
        threshold: this.thresholds[m],
      };
    });
    const combined = this.combine(models.map((m) => m.percentiles));
    return { models, votes, combined };
  }

  private flag(combined: Float64Array): Uint8Array {
    return Uint8Array.from(combined, (c) => (c > this.combinedThreshold ? 1 : 0));
  }

  private percentiles(m: number, scores: Float64Array): Float64Array {
    const sorted = this.calibration[m];
    return Float64Array.from(scores, (s) => countBelow(sorted, s) / sorted.length);
  }

  private combine(p: Float64Array[]): Float64Array {
    const lead = Math.max(0, this.models.indexOf('iforest'));
    const others = p.filter((_, m) => m !== lead);
    const w = others.length > 0 ? this.neighbourWeight : 0;
    const out = new Float64Array(p[lead].length);
    for (let i = 0; i < out.length; i++) {
      let s = 0;
      for (const o of others) s += o[i];
      out[i] = (p[lead][i] + (others.length > 0 ? (w * s) / others.length : 0)) / (1 + w);
    }
    return out;
  }
}
