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
import { createDetector, detectorFromJSON, type AnyDetector } from './ensemble';
import { countBelow, quantileSorted, sortedCopy } from './stats';
import { asObject, checkContamination, checkHeader, decodeF64, encodeF64, getInt, getNumber } from './codec';

export const NEIGHBOUR_WEIGHT = 0.05;
/**
 * Percentiles are read against this many evenly spaced calibration scores (a resolution of
 * 0.012 %), so a stored model stays small whatever the number of lines; the thresholds
 * themselves come from every line.
 */
export const CALIBRATION_POINTS = 8192;
/** Training-entity values kept per feature, for "99th percentile" in explanations. */
export const FEATURE_POINTS = 2048;
const FORMAT_VERSION = 1;
const KIND = 'led-ensemble';

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

export interface LedExplanation {
  models: Array<{ model: ModelName; score: number; threshold: number; vote: boolean; percentile: number }>;
  /** Per feature: percentage (0–100) of training entities with a lower value… */
  features: number[];
  /** …and with a higher one. */
  featuresHigher: number[];
  votes: number;
  isAnomaly: boolean;
  combined: number;
}

/** Values of an ascending array that are ≤ x. */
function countAtOrBelow(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `n` evenly spaced values of an ascending array (all of it when shorter), first and last kept. */
function evenSample(sorted: Float64Array, n: number): Float64Array {
  if (sorted.length <= n) return sorted;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = sorted[Math.round((i * (sorted.length - 1)) / (n - 1))];
  return out;
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
  /** Per feature, sorted sample of the training entities' values. */
  private columns: Float64Array[] = [];
  private cols = 0;

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
  fitScore(entities: Matrix, lines: Matrix, onProgress?: (fraction: number, stage: string) => void): LedScores {
    checkMatrix(entities, 'entities');
    checkMatrix(lines, 'lines', entities.cols);
    const opts = { contamination: this.contamination, seed: this.seed, standardize: true };
    const n = this.models.length;
    this.detectors = this.models.map((m, k) => {
      onProgress?.(k / (2 * n), `fitting ${m}`);
      return createDetector(m, opts).fit(entities);
    });
    this.cols = entities.cols;
    this.columns = Array.from({ length: entities.cols }, (_, c) => {
      const col = new Float64Array(entities.rows);
      for (let r = 0; r < entities.rows; r++) col[r] = entities.data[r * entities.cols + c];
      return evenSample(col.sort(), FEATURE_POINTS);
    });
    const raw = this.detectors.map((d, k) => {
      onProgress?.((n + k) / (2 * n), `scoring the lines with ${this.models[k]}`);
      return d.score(lines);
    });
    const sorted = raw.map((s) => sortedCopy(s));
    this.thresholds = sorted.map((s) => quantileSorted(s, 1 - this.contamination));
    this.calibration = sorted.map((s) => evenSample(s, CALIBRATION_POINTS));
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

  /** Why one (transformed) row scores as it does: each model against its threshold, each feature among the entities. */
  explain(row: ArrayLike<number>): LedExplanation {
    if (row.length !== this.cols) throw new Error(`explain: row has ${row.length} values, expected ${this.cols}`);
    const s = this.score({ rows: 1, cols: this.cols, data: Float64Array.from(row) });
    return {
      models: s.models.map((m) => ({
        model: m.model,
        score: m.scores[0],
        threshold: m.threshold,
        vote: m.votes[0] === 1,
        percentile: 100 * m.percentiles[0],
      })),
      features: this.columns.map((c, j) => (100 * countBelow(c, row[j])) / c.length),
      featuresHigher: this.columns.map((c, j) => (100 * (c.length - countAtOrBelow(c, row[j]))) / c.length),
      votes: s.votes[0],
      isAnomaly: s.isAnomaly[0] === 1,
      combined: s.combined[0],
    };
  }

  get featureCount(): number {
    return this.cols;
  }

  toJSON(): Record<string, unknown> {
    if (this.detectors.length === 0) throw new Error('ensemble: not fitted');
    return {
      kind: KIND,
      version: FORMAT_VERSION,
      models: this.models.slice(),
      contamination: this.contamination,
      seed: this.seed,
      neighbourWeight: this.neighbourWeight,
      cols: this.cols,
      detectors: this.detectors.map((d) => d.toJSON()),
      thresholds: this.thresholds.slice(),
      combinedThreshold: this.combinedThreshold,
      calibration: this.calibration.map((c) => ({ n: c.length, values: encodeF64(c) })),
      columns: this.columns.map((c) => ({ n: c.length, values: encodeF64(c) })),
    };
  }

  static fromJSON(json: unknown): LedEnsemble {
    const obj = checkHeader(json, KIND, FORMAT_VERSION);
    if (!Array.isArray(obj.models) || obj.models.some((m) => m !== 'iforest' && m !== 'lof' && m !== 'knn'))
      throw new Error(`${KIND}.models: expected model names`);
    const e = new LedEnsemble({
      models: obj.models as ModelName[],
      contamination: getNumber(obj, 'contamination', KIND),
      seed: getInt(obj, 'seed', KIND, Number.MIN_SAFE_INTEGER),
      neighbourWeight: getNumber(obj, 'neighbourWeight', KIND),
    });
    const cols = getInt(obj, 'cols', KIND, 1, 1024);
    const list = (key: string, length: number): unknown[] => {
      const v = obj[key];
      if (!Array.isArray(v) || v.length !== length) throw new Error(`${KIND}.${key}: expected ${length} entries`);
      return v;
    };
    const sampled = (raw: unknown, path: string): Float64Array => {
      const o = asObject(raw, path);
      const n = getInt(o, 'n', path, 1, 1 << 24);
      const values = decodeF64(o.values, `${path}.values`, n);
      for (let i = 1; i < n; i++) if (values[i] < values[i - 1]) throw new Error(`${path}: values must ascend`);
      return values;
    };
    e.detectors = list('detectors', e.models.length).map((raw, i) => {
      const d = detectorFromJSON(e.models[i], raw);
      if (d.cols !== cols) throw new Error(`${KIND}.detectors[${i}]: has ${d.cols} columns, expected ${cols}`);
      return d;
    });
    e.thresholds = list('thresholds', e.models.length).map((t, i) => {
      if (typeof t !== 'number' || Number.isNaN(t)) throw new Error(`${KIND}.thresholds[${i}]: expected a number`);
      return t;
    });
    e.combinedThreshold = getNumber(obj, 'combinedThreshold', KIND);
    e.calibration = list('calibration', e.models.length).map((c, i) => sampled(c, `${KIND}.calibration[${i}]`));
    e.columns = list('columns', cols).map((c, i) => sampled(c, `${KIND}.columns[${i}]`));
    e.cols = cols;
    return e;
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
