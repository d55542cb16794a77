import type { ModelName } from '../../shared/config';

/** Options of one training run, as stored with the model version. */
export interface TrainOptions {
  models: ModelName[];
  contamination: number;
  standardize: boolean;
  seed: number;
}

/** Scores of a set of rows, as typed arrays (transferred, not copied). */
export interface ScoreArrays {
  /** Log ids the rows belong to (empty when the caller sent features directly). */
  ids: Float64Array;
  models: ModelName[];
  /** Per enabled model, in `models` order. */
  scores: Float64Array[];
  thresholds: number[];
  votes: Uint8Array;
  isAnomaly: Uint8Array;
  combined: Float64Array;
}

export interface ExplainResult {
  models: Array<{ model: ModelName; score: number; threshold: number; vote: boolean; percentile: number }>;
  features: number[];
  votes: number;
  isAnomaly: boolean;
  combined: number;
}

export type WorkerRequest =
  | {
      op: 'train';
      id: number;
      dbPath: string;
      spanStartMs: number;
      spanEndMs: number;
      options: TrainOptions;
    }
  | { op: 'load'; id: number; version: number; params: Uint8Array }
  | { op: 'scoreRows'; id: number; features: Float64Array; rows: number }
  | { op: 'scoreRange'; id: number; dbPath: string; firstId: number; lastId: number }
  | { op: 'explain'; id: number; row: number[] };

export type WorkerReply =
  | { op: 'progress'; id: number; fraction: number; stage: string }
  | {
      op: 'trained';
      id: number;
      params: Uint8Array;
      rows: number;
      trainMs: number;
      spanStartMs: number;
      spanEndMs: number;
      scored: ScoreArrays;
    }
  | { op: 'loaded'; id: number; version: number }
  | { op: 'scores'; id: number; version: number; scored: ScoreArrays }
  | { op: 'explained'; id: number; version: number; result: ExplainResult }
  | { op: 'error'; id: number; message: string };

/** Features per row, in this column order everywhere (SQL, matrices, explanations). */
export const FEATURE_COLUMNS = ['request_count', 'client_error_count', 'server_error_count'] as const;
