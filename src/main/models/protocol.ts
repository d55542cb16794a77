import type { FeatureSetChoice, ModelName } from '../../shared/config';
import type { ModelVersion } from '../../shared/schemas/analysis';

/** Options of one training run, as stored with the model version. */
export interface TrainOptions {
  models: ModelName[];
  contamination: number;
  standardize: boolean;
  seed: number;
  /** `entity`: catalogue features and the entity-fit ensemble; `original`: the seed's three and its vote. */
  featureSet: FeatureSetChoice;
  /** The configured feature window (the `entity` set computes its features in the worker). */
  windowMs: number;
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
  /** `entity` models: per feature, the percentage of training entities with a higher value. */
  featuresHigher?: number[];
  votes: number;
  isAnomaly: boolean;
  combined: number;
}

/** Where a training run's time went, measured in the worker (milliseconds). */
export interface TrainTimings {
  readMs: number;
  /** Per enabled model: fitting it, which includes scoring its own training rows. */
  fitMs: Partial<Record<ModelName, number>>;
  /** Scores of every entry: the training rows' own, plus new scores for entries outside the span. */
  scoreMs: number;
  scoredRows: number;
  serializeMs: number;
}

export type WorkerRequest =
  | {
      op: 'train';
      id: number;
      dbPath: string;
      spanStartMs: number;
      spanEndMs: number;
      options: TrainOptions;
      /**
       * `entity` set: with more entries than this outside the span, only the span is read and
       * scored; the rest are rescored afterwards in chunks (`rescoreChunk`). Absent: never.
       */
      rescoreLaterAbove?: number;
    }
  | { op: 'load'; id: number; version: number; params: Uint8Array }
  | { op: 'scoreRows'; id: number; features: Float64Array; rows: number }
  | { op: 'scoreRange'; id: number; dbPath: string; firstId: number; lastId: number }
  | {
      /**
       * The stored entries with ts in [fromTs, next) and id ≤ maxId, outside [skip.startMs,
       * skip.endMs] (the training span, scored by the training), scored by `version` (its
       * parameters sent with the first chunk); `next` bounds about `rows` entries.
       */
      op: 'rescoreChunk';
      id: number;
      dbPath: string;
      version: number;
      params?: Uint8Array;
      fromTs: number;
      maxId: number;
      rows: number;
      skip: { startMs: number; endMs: number };
    }
  | { op: 'explain'; id: number; row: number[] }
  | { op: 'quality'; id: number; dbPath: string }
  | { op: 'unload'; id: number }
  /** Entries were removed: incremental feature state must be rebuilt. */
  | { op: 'forget'; id: number };

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
      /** Highest log id the run read: newer entries still need the new model's scores. */
      maxId: number;
      /** Only the span was scored: the other entries up to maxId are to be rescored (rescoreChunk). */
      rescoreLater: boolean;
      timings: TrainTimings;
    }
  | { op: 'loaded'; id: number; version: number; ms: number; featureSet: FeatureSetChoice }
  | { op: 'scores'; id: number; version: number; scored: ScoreArrays; ms: number }
  /**
   * A chunk of `rescoreChunk`: the entries with ts in [fromTs, toTs) (toTs may be Infinity);
   * `nextFromTs` null when no entry is left.
   */
  | {
      op: 'rescored';
      id: number;
      version: number;
      scored: ScoreArrays;
      fromTs: number;
      toTs: number;
      nextFromTs: number | null;
    }
  | { op: 'quality'; id: number; metrics: ModelVersion['metrics'] }
  | { op: 'unloaded'; id: number }
  | { op: 'forgotten'; id: number }
  | { op: 'explained'; id: number; version: number; result: ExplainResult }
  | { op: 'error'; id: number; message: string };

/** Fewer entries than this in the training span cannot be trained on (LOF alone needs k + 1 = 21). */
export const MIN_TRAINING_ROWS = 30;
