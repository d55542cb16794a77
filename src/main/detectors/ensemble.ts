/**
 * The ensemble the product runs: Isolation Forest, LOF and KNN (any non-empty subset), each
 * voting "anomalous" when its score exceeds its own threshold; a row is flagged when
 * votes >= enabled models / 2 (the original service's rule: 2 of 3, 1 of 2, 1 of 1).
 *
 * Combined score (orders flagged rows): for each model, the fraction of its training scores
 * strictly below the row's score (binary search on the sorted training scores), averaged over
 * the models. It lies in [0, 1], needs no per-model scaling, and is robust to LOF's huge values
 * on duplicate clusters (1e9 and more), which would swamp a mean of min-max normalised scores.
 * "Strictly below" matters with duplicate-heavy features: most training rows share the bottom
 * score (KNN 0, LOF 1), and counting them as "<=" would lift every ordinary row to ~0.8. On the
 * 300k synthetic benchmark, ROC-AUC of the combined score is 0.995 this way, 0.78 with "<=".
 */
import type { Matrix, ModelName } from './types';
import { checkMatrix } from './matrix';
import { IsolationForest } from './iforest';
import { LocalOutlierFactor } from './lof';
import { KNearestNeighbors } from './knn';
import { countBelow, sortedCopy } from './stats';
import {
  asObject,
  checkContamination,
  checkHeader,
  decodeF64,
  decodeI32,
  encodeF64,
  encodeI32,
  getBoolean,
  getInt,
  getNumber,
} from './codec';

const FORMAT_VERSION = 1;
const ALL_MODELS: readonly ModelName[] = ['iforest', 'lof', 'knn'];

export interface EnsembleOptions {
  /** Enabled detectors, default all three. */
  models?: ModelName[];
  contamination?: number;
  /** Isolation Forest seed. */
  seed?: number;
  /** z-score features before LOF / KNN (Isolation Forest does not depend on scale). */
  standardize?: boolean;
}

export type TrainingProgressFn = (fraction: number, stage: string) => void;

export type AnyDetector = IsolationForest | LocalOutlierFactor | KNearestNeighbors;

/** One unfitted detector of the ensemble's kind (Isolation Forest does not depend on scale). */
export function createDetector(
  model: ModelName,
  opts: { contamination: number; seed: number; standardize: boolean },
): AnyDetector {
  const { contamination, seed, standardize } = opts;
  if (model === 'iforest') return new IsolationForest({ contamination, seed });
  if (model === 'lof') return new LocalOutlierFactor({ contamination, standardize });
  return new KNearestNeighbors({ contamination, standardize });
}

/** A stored detector of the given kind (each validates its own JSON). */
export function detectorFromJSON(model: ModelName, raw: unknown): AnyDetector {
  if (model === 'iforest') return IsolationForest.fromJSON(raw);
  if (model === 'lof') return LocalOutlierFactor.fromJSON(raw);
  return KNearestNeighbors.fromJSON(raw);
}

export interface ModelScores {
  model: ModelName;
  scores: Float64Array;
  /** 1 where score > threshold. */
  votes: Uint8Array;
  threshold: number;
}

export interface EnsembleScores {
  models: ModelScores[];
  /** Number of models voting anomalous, per row. */
  votes: Uint8Array;
  /** 1 where votes >= models / 2. */
  isAnomaly: Uint8Array;
  /** Mean over models of the fraction of training scores below the row's score, in [0, 1]. */
  combined: Float64Array;
}

export interface ModelExplanation {
  model: ModelName;
  score: number;
  threshold: number;
  vote: boolean;
  /** Percentage of training rows with a lower score. */
  percentile: number;
}

export interface FeatureExplanation {
  index: number;
  value: number;
  /** Percentage of training rows with a lower value in that column. */
  percentile: number;
}

export interface Explanation {
  models: ModelExplanation[];
  votes: number;
  isAnomaly: boolean;
  combined: number;
  features: FeatureExplanation[];
}

/** The ensemble's rule: flag when at least half of the enabled models vote anomalous. */
export function isMajority(votes: number, models: number): boolean {
  return votes * 2 >= models;
}

/** Distinct values of one column with cumulative counts: the column's exact empirical CDF. */
interface ColumnCdf {
  values: Float64Array;
  /** cum[i] = rows with a value <= values[i]. */
  cum: Int32Array;
}

export class Ensemble {
  readonly models: readonly ModelName[];
  readonly contamination: number;
  readonly seed: number;
  readonly standardize: boolean;
  private detectors: AnyDetector[] = [];
  /** Per model: its training scores, ascending. */
  private sortedScores: Float64Array[] = [];
  private columns: ColumnCdf[] = [];
  private rows = 0;

  constructor(opts: EnsembleOptions = {}) {
    const models = opts.models ?? ALL_MODELS.slice();
    if (!Array.isArray(models) || models.length === 0) throw new Error('ensemble: enable at least one model');
    for (const m of models) {
      if (!ALL_MODELS.includes(m)) throw new Error(`ensemble: unknown model ${JSON.stringify(m)}`);
    }
    if (new Set(models).size !== models.length) throw new Error('ensemble: a model is listed twice');
    this.models = models.slice();
    this.contamination = checkContamination(opts.contamination ?? 0.05, 'contamination');
    this.seed = opts.seed ?? 0;
    if (!Number.isInteger(this.seed)) throw new Error(`seed must be an integer, got ${this.seed}`);
    this.standardize = opts.standardize ?? false;
  }

  get fitted(): boolean {
    return this.detectors.length > 0;
  }

  get cols(): number {
    return this.need()[0].cols;
  }

  /** The fitted detector of one model (for inspection: thresholds, training scores). */
  detector(model: ModelName): AnyDetector {
    const i = this.models.indexOf(model);
    if (i < 0) throw new Error(`ensemble: ${model} is not enabled`);
    return this.need()[i];
  }

  fit(X: Matrix, onProgress?: TrainingProgressFn): this {
    checkMatrix(X);
    const detectors: AnyDetector[] = [];
    this.models.forEach((model, i) => {
      onProgress?.(i / this.models.length, `fitting ${model}`);
      detectors.push(createDetector(model, this).fit(X));
    });
    onProgress?.(1, 'done');
    this.detectors = detectors;
    this.sortedScores = detectors.map((d) => sortedCopy(d.trainingScores));
    this.columns = columnCdfs(X);
    this.rows = X.rows;
    return this;
  }

  score(X: Matrix): EnsembleScores {
    const detectors = this.need();
    checkMatrix(X, 'X', this.cols);
    const n = X.rows;
    const votes = new Uint8Array(n);
    const combined = new Float64Array(n);
    const models = detectors.map((d, m): ModelScores => {
      const scores = d.score(X);
      const t = d.threshold;
      const v = new Uint8Array(n);
      const sorted = this.sortedScores[m];
      for (let i = 0; i < n; i++) {
        if (scores[i] > t) {
          v[i] = 1;
          votes[i]++;
        }
        combined[i] += countBelow(sorted, scores[i]) / sorted.length;
      }
      return { model: this.models[m], scores, votes: v, threshold: t };
    });
    const isAnomaly = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      combined[i] /= detectors.length;
      isAnomaly[i] = isMajority(votes[i], detectors.length) ? 1 : 0;
    }
    return { models, votes, isAnomaly, combined };
  }

  /** Why one row is (or is not) flagged: each model's score against its threshold, and where
   *  each feature value sits among the training rows. */
  explain(row: ArrayLike<number>): Explanation {
    const cols = this.cols;
    if (row.length !== cols) throw new Error(`explain: row has ${row.length} values, expected ${cols}`);
    const X: Matrix = { rows: 1, cols, data: Float64Array.from(row) };
    const s = this.score(X);
    const models = s.models.map((m, i): ModelExplanation => {
      const sorted = this.sortedScores[i];
      return {
        model: m.model,
        score: m.scores[0],
        threshold: m.threshold,
        vote: m.votes[0] === 1,
        percentile: (100 * countBelow(sorted, m.scores[0])) / sorted.length,
      };
    });
    const features = this.columns.map((c, index): FeatureExplanation => {
      const k = countBelow(c.values, X.data[index]);
      return { index, value: X.data[index], percentile: k === 0 ? 0 : (100 * c.cum[k - 1]) / this.rows };
    });
    return { models, votes: s.votes[0], isAnomaly: s.isAnomaly[0] === 1, combined: s.combined[0], features };
  }

  /**
   * Plain JSON: the options, each detector's own toJSON(), and the per-column distinct
   * training values with cumulative counts (base64) for explain().
   */
  toJSON(): Record<string, unknown> {
    const detectors = this.need();
    return {
      kind: 'ensemble',
      version: FORMAT_VERSION,
      models: this.models.slice(),
      contamination: this.contamination,
      seed: this.seed,
      standardize: this.standardize,
      rows: this.rows,
      cols: this.cols,
      detectors: detectors.map((d) => d.toJSON()),
      columns: this.columns.map((c) => ({
        distinct: c.values.length,
        values: encodeF64(c.values),
        cum: encodeI32(c.cum),
      })),
    };
  }

  static fromJSON(json: unknown): Ensemble {
    const P = 'ensemble';
    const obj = checkHeader(json, P, FORMAT_VERSION);
    if (!Array.isArray(obj.models)) throw new Error(`${P}.models: expected an array`);
    const ens = new Ensemble({
      models: obj.models as ModelName[],
      contamination: getNumber(obj, 'contamination', P),
      seed: getInt(obj, 'seed', P, Number.MIN_SAFE_INTEGER),
      standardize: getBoolean(obj, 'standardize', P),
    });
    const rows = getInt(obj, 'rows', P, 1, 0x7fffffff);
    const cols = getInt(obj, 'cols', P, 1, 1 << 20);
    if (!Array.isArray(obj.detectors) || obj.detectors.length !== ens.models.length) {
      throw new Error(`${P}.detectors: expected one entry per model`);
    }
    const detectors = ens.models.map((model, i): AnyDetector => {
      const raw: unknown = (obj.detectors as unknown[])[i];
      const d = detectorFromJSON(model, raw);
      if (d.cols !== cols) throw new Error(`${P}.detectors[${i}]: has ${d.cols} columns, expected ${cols}`);
      if (d.trainingScores.length !== rows)
        throw new Error(`${P}.detectors[${i}]: trained on ${d.trainingScores.length} rows, expected ${rows}`);
      if (d.contamination !== ens.contamination)
        throw new Error(`${P}.detectors[${i}]: contamination differs from the ensemble's`);
      return d;
    });
    if (!Array.isArray(obj.columns) || obj.columns.length !== cols)
      throw new Error(`${P}.columns: expected ${cols} entries`);
    const columns = (obj.columns as unknown[]).map((raw, c): ColumnCdf => {
      const path = `${P}.columns[${c}]`;
      const o = asObject(raw, path);
      const distinct = getInt(o, 'distinct', path, 1, rows);
      const values = decodeF64(o.values, `${path}.values`, distinct);
      const cum = decodeI32(o.cum, `${path}.cum`, distinct, 1, rows);
      for (let i = 1; i < distinct; i++) {
        if (!(values[i] > values[i - 1]) || !(cum[i] > cum[i - 1]))
          throw new Error(`${path}: values and counts must ascend`);
      }
      if (cum[distinct - 1] !== rows) throw new Error(`${path}: counts do not add up to ${rows} rows`);
      return { values, cum };
    });
    ens.detectors = detectors;
    ens.sortedScores = detectors.map((d) => sortedCopy(d.trainingScores));
    ens.columns = columns;
    ens.rows = rows;
    return ens;
  }

  private need(): AnyDetector[] {
    if (this.detectors.length === 0) throw new Error('ensemble: not fitted');
    return this.detectors;
  }
}

function columnCdfs(X: Matrix): ColumnCdf[] {
  const out: ColumnCdf[] = [];
  const col = new Float64Array(X.rows);
  for (let c = 0; c < X.cols; c++) {
    for (let r = 0; r < X.rows; r++) col[r] = X.data[r * X.cols + c];
    col.sort();
    const values: number[] = [];
    const cum: number[] = [];
    for (let r = 0; r < X.rows; r++) {
      if (r + 1 === X.rows || col[r + 1] !== col[r]) {
        values.push(col[r]);
        cum.push(r + 1);
      }
    }
    out.push({ values: Float64Array.from(values), cum: Int32Array.from(cum) });
  }
  return out;
}
