import { z } from 'zod';
import { parseDuration } from './duration';

export const MODEL_NAMES = ['iforest', 'lof', 'knn'] as const;
export const ModelNameSchema = z.enum(MODEL_NAMES);
export type ModelName = z.infer<typeof ModelNameSchema>;

/**
 * What the detectors see and how their verdicts combine. `entity`: the feature catalogue's 13
 * features, detectors fit on client-IP-hour entities, one IF-led combined score whose threshold
 * flags at most `contamination` of the entries. `original`: the seed's three per-IP window counts
 * and its majority vote, exactly as the Python service did.
 */
export const FEATURE_SET_NAMES = ['entity', 'original'] as const;
export const FeatureSetNameSchema = z.enum(FEATURE_SET_NAMES);
export type FeatureSetChoice = z.infer<typeof FeatureSetNameSchema>;

export const LOG_FORMATS = ['auto', 'combined', 'jsonl', 'csv'] as const;
export const LogFormatSchema = z.enum(LOG_FORMATS);
export type LogFormatChoice = z.infer<typeof LogFormatSchema>;

const MIN_WINDOW_MS = 1_000;
const MAX_WINDOW_MS = 7 * 86_400_000;

/** A duration given as milliseconds or as text such as `90s`, `10min`, `2h`. */
export const DurationSchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : parseDuration(v);
  if (ms === null || !Number.isInteger(ms)) {
    ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration (try 90s, 5min, 2h)` });
    return z.NEVER;
  }
  return ms;
});

const windowMs = z
  .number()
  .int()
  .min(MIN_WINDOW_MS, 'window must be at least 1s')
  .max(MAX_WINDOW_MS, 'window must be at most 7d');

export const FieldMappingSchema = z
  .object({
    timestamp: z.string().min(1),
    ip: z.string().min(1),
    endpoint: z.string().min(1),
    status: z.string().min(1),
  })
  .partial();

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

function bounded(b: NumberBounds) {
  const n = z.number().min(b.min).max(b.max);
  return b.integer ? n.int() : n;
}

/** The analyst's configuration: feature window, detectors, schedule, API. */
export const AppConfigSchema = z.object({
  windowMs: windowMs.default(300_000),
  featureSet: FeatureSetNameSchema.default('entity'),
  contamination: z
    .number()
    .gt(0, 'contamination must be above 0')
    .max(0.5, 'contamination must be at most 0.5')
    .default(0.05),
  models: z
    .array(ModelNameSchema)
    .min(1, 'enable at least one model')
    .refine((m) => new Set(m).size === m.length, 'each model at most once')
    .default(['iforest', 'lof', 'knn']),
  standardize: z.boolean().default(false),
  retrainEveryHours: bounded(CONFIG_BOUNDS.retrainEveryHours).default(24),
  retrainAfterEntries: bounded(CONFIG_BOUNDS.retrainAfterEntries).default(0),
  trainingSpanHours: bounded(CONFIG_BOUNDS.trainingSpanHours).default(24),
  apiEnabled: z.boolean().default(true),
  apiPort: bounded(CONFIG_BOUNDS.apiPort).default(8765),
  notifications: z.boolean().default(false),
  jsonMapping: FieldMappingSchema.default({}),
});
export type AppConfig = z.infer<typeof AppConfigSchema>;

export const DEFAULT_CONFIG: AppConfig = AppConfigSchema.parse({});

/** PUT /config: any subset; the window may also be given as text. */
export const ConfigPatchSchema = AppConfigSchema.partial()
  .extend({
    windowMs: DurationSchema.pipe(windowMs).optional(),
    window: DurationSchema.pipe(windowMs).optional(),
  })
  .strict();
export type ConfigPatch = z.input<typeof ConfigPatchSchema>;

export const WINDOW_PRESETS = [
  { label: '1 min', ms: 60_000 },
  { label: '5 min', ms: 300_000 },
  { label: '15 min', ms: 900_000 },
  { label: '1 h', ms: 3_600_000 },
] as const;
