/**
 * The configuration's fixed names, bounds and presets, kept free of zod so the renderer can
 * show them without building the schemas (config.ts builds those from these values).
 */
export const MODEL_NAMES = ['iforest', 'lof', 'knn'] as const;

/**
 * What the detectors see and how their verdicts combine. `entity`: the feature catalogue's 13
 * features, detectors fit on client-IP-hour entities, one IF-led combined score whose threshold
 * flags at most `contamination` of the entries. `original`: the seed's three per-IP window counts
 * and its majority vote, exactly as the Python service did.
 */
export const FEATURE_SET_NAMES = ['entity', 'original'] as const;

export const LOG_FORMATS = ['auto', 'combined', 'jsonl', 'csv'] as const;

export interface NumberBounds {
  min: number;
  max: number;
  integer?: boolean;
}

/** Limits of the numeric settings: the schema enforces them and the Settings form shows them. */
export const CONFIG_BOUNDS = {
  retrainEveryHours: { min: 0.25, max: 24 * 30 },
  retrainAfterEntries: { min: 0, max: 1e9, integer: true },
  trainingSpanHours: { min: 0.01, max: 24 * 365 },
  apiPort: { min: 1024, max: 65535, integer: true },
} as const satisfies Record<string, NumberBounds>;

export const WINDOW_PRESETS = [
  { label: '1 min', ms: 60_000 },
  { label: '5 min', ms: 300_000 },
  { label: '15 min', ms: 900_000 },
  { label: '1 h', ms: 3_600_000 },
] as const;
