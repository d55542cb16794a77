import { z } from 'zod';
import { parseDuration } from './duration';
import { CONFIG_BOUNDS, FEATURE_SET_NAMES, LOG_FORMATS, MODEL_NAMES, type NumberBounds } from './configValues';

export const ModelNameSchema = z.enum(MODEL_NAMES);
export type ModelName = z.infer<typeof ModelNameSchema>;

export const FeatureSetNameSchema = z.enum(FEATURE_SET_NAMES);
export type FeatureSetChoice = z.infer<typeof FeatureSetNameSchema>;

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
