import type { ModelName } from '../../shared/config';

/**
 * Shared types of the anomaly detectors. Everything in src/main/ml works on row-major
 * Float64Array matrices and has no I/O, so it runs the same in the ML worker and in tests.
 */

/** Row-major dense matrix: element (r, c) is data[r * cols + c]. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export type { ModelName };

/** z-score parameters: scaled = (x - mean) / scale, per column (as scikit-learn's StandardScaler). */
export interface ScalerParams {
  mean: number[];
  scale: number[];
}

export interface DetectorOptions {
  /** Expected share of anomalies in the training data; sets the threshold. Default 0.05. */
  contamination?: number;
}

export interface IsolationForestOptions extends DetectorOptions {
  /** Number of trees. Default 100. */
  nEstimators?: number;
  /** Rows drawn (without replacement) for each tree. Default min(256, n). */
  maxSamples?: number;
  /** PRNG seed. Default 0. */
  seed?: number;
}

export interface NeighborOptions extends DetectorOptions {
  /** k. Default 20 for LOF, 5 for KNN; clamped to n - 1 at fit time. */
  nNeighbors?: number;
  /** Z-score the features with mean/scale fit on the training data (stored in the model). */
  standardize?: boolean;
  /**
   * Fixed z-score parameters instead of fitting them (implies standardize). Used to reproduce
   * another tool's scaling bit for bit, since ties between neighbours depend on the last bits.
   */
  scaler?: ScalerParams;
}

/** What every detector offers; `score` is higher for more anomalous rows. */
export interface Detector {
  readonly name: ModelName;
  readonly threshold: number;
  readonly trainingScores: Float64Array;
  readonly cols: number;
  fit(X: Matrix): this;
  score(X: Matrix): Float64Array;
  predict(X: Matrix): Uint8Array;
  toJSON(): object;
}
