import { z } from 'zod';
import { AppConfigSchema, ModelNameSchema } from '../config';
import { FeaturesSchema } from './original';

const modelRecord = <T extends z.ZodType>(t: T) => z.partialRecord(ModelNameSchema, t);

export const ModelVersionSchema = z.object({
  version: z.number().int(),
  createdAt: z.number().int(),
  status: z.enum(['training', 'complete', 'failed']),
  live: z.boolean(),
  /** What it flagged when it went live is kept, so the Models view can compare it (GET /models/diff). */
  comparable: z.boolean(),
  config: AppConfigSchema,
  spanStartMs: z.number().nullable(),
  spanEndMs: z.number().nullable(),
  rows: z.number().int(),
  thresholds: modelRecord(z.number()),
  trainMs: z.number(),
  metrics: z.object({
    flagged: z.number().int().optional(),
    scored: z.number().int().optional(),
    recall: z.number().nullable().optional(),
    precision: z.number().nullable().optional(),
    labelled: z.number().int().optional(),
    /** Against the analyst's verdicts (entries and incidents marked attack or normal). */
    analystLabelled: z.number().int().optional(),
    analystRecall: z.number().nullable().optional(),
    analystPrecision: z.number().nullable().optional(),
  }),
  error: z.string().nullable(),
});
export type ModelVersion = z.infer<typeof ModelVersionSchema>;

export const ModelsOverviewSchema = z.object({
  live: z.number().int().nullable(),
  training: z.boolean(),
  nextRunAt: z.number().nullable(),
  versions: z.array(ModelVersionSchema),
});
export type ModelsOverview = z.infer<typeof ModelsOverviewSchema>;

/** A boolean that also arrives as the text `true`/`false` (query strings). */
const QueryBoolean = z.union([z.boolean(), z.stringbool()]);

/** GET /logs/:id: one log entry by its id. */
export const LogIdSchema = z.object({ id: z.coerce.number().int().positive() });

export const AnomalyQuerySchema = z.object({
  from: z.coerce.number().optional(),
  to: z.coerce.number().optional(),
  ip: z.string().optional(),
  endpoint: z.string().optional(),
  status: z.coerce.number().int().optional(),
  minVotes: z.coerce.number().int().min(0).max(3).optional(),
  model: ModelNameSchema.optional(),
  q: z.string().optional(),
  sort: z.enum(['time', 'score']).default('score'),
  order: z.enum(['asc', 'desc']).default('desc'),
  onlyFlagged: QueryBoolean.default(true),
  cursor: z.string().optional(),
  /** Rows to skip (ignored with a cursor): lets a virtual list jump into the middle of a long result. */
  offset: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(200),
});
export type AnomalyQuery = z.input<typeof AnomalyQuerySchema>;

export const AnomalyRowSchema = z.object({
  id: z.number().int(),
  tsMs: z.number(),
  ip: z.string(),
  method: z.string().nullable(),
  endpoint: z.string(),
  status: z.number().int(),
  votes: z.number().int(),
  isAnomaly: z.boolean(),
  combinedScore: z.number(),
});
export type AnomalyRow = z.infer<typeof AnomalyRowSchema>;

export const AnomalyPageSchema = z.object({
  rows: z.array(AnomalyRowSchema),
  total: z.number().int(),
  nextCursor: z.string().nullable(),
});

export const LogDetailSchema = z.object({
  id: z.number().int(),
  source: z.object({ id: z.number().int(), path: z.string() }),
  lineNo: z.number().int(),
  tsMs: z.number(),
  ip: z.string(),
  method: z.string().nullable(),
  endpoint: z.string(),
  status: z.number().int(),
  bytes: z.number().nullable(),
  userAgent: z.string().nullable(),
  raw: z.string().nullable(),
  label: z.string().nullable(),
  features: FeaturesSchema.extend({ windowMs: z.number() }).nullable(),
  /** Per feature, the percentage (0–100) of training rows with a lower value. */
  featurePercentiles: z.record(z.string(), z.number()).nullable(),
  /**
   * Why the entry scored as it did, in words from the feature catalogue, most unusual first
   * (models of the `entity` feature set; null for `original` models and unscored entries).
   * `percentile`: share (0–100) of training entities with a lower value.
   */
  explanation: z
    .array(z.object({ feature: z.string(), value: z.number(), percentile: z.number().nullable(), text: z.string() }))
    .nullable(),
  score: z
    .object({
      modelVersion: z.number().int(),
      votes: z.number().int(),
      isAnomaly: z.boolean(),
      combinedScore: z.number(),
      models: modelRecord(z.object({ score: z.number(), threshold: z.number(), vote: z.boolean() })),
    })
    .nullable(),
  /** Entries of the same IP inside this entry's window (t − W, t], the entry itself included. */
  neighbours: z.array(
    z.object({ id: z.number().int(), tsMs: z.number(), endpoint: z.string(), status: z.number().int() }),
  ),
});
export type LogDetail = z.infer<typeof LogDetailSchema>;

export const OverviewSchema = z.object({
  logs: z.number().int(),
  sources: z.number().int(),
  parseErrors: z.number().int(),
  scored: z.number().int(),
  flagged: z.number().int(),
  firstTsMs: z.number().nullable(),
  lastTsMs: z.number().nullable(),
  liveModel: z.number().int().nullable(),
  nextRunAt: z.number().nullable(),
  topIps: z.array(z.object({ ip: z.string(), flagged: z.number().int() })),
});

export const TimelineQuerySchema = z.object({
  from: z.coerce.number().optional(),
  to: z.coerce.number().optional(),
  buckets: z.coerce.number().int().min(1).max(2000).default(200),
  /** Without from/to: span every entry instead of the bulk of them. */
  all: QueryBoolean.optional(),
});
/** Entries on one side of the shown range: how many, and the first and last of their times. */
const TimelineEdgeSchema = z.object({ count: z.number().int(), firstTs: z.number(), lastTs: z.number() });
export const TimelineSchema = z.object({
  bucketMs: z.number(),
  points: z.array(z.object({ t: z.number(), total: z.number().int(), flagged: z.number().int() })),
  /** The range the buckets cover, [from, to) in epoch ms (0, 0 when there are no entries). */
  from: z.number(),
  to: z.number(),
  /**
   * How the range was chosen: `asked` (from/to given), `all` (every entry) or `bulk` (the span
   * holding the bulk of the entries, widened while entries continue it; strays far away are left out).
   */
  range: z.enum(['asked', 'all', 'bulk']),
  /** Entries before `from` and at or after `to`, for a range the engine chose; null when none (or asked). */
  before: TimelineEdgeSchema.nullable(),
  after: TimelineEdgeSchema.nullable(),
});
export type Timeline = z.infer<typeof TimelineSchema>;

const stats = z.object({
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  max: z.number(),
  /** Bins of whole feature values, both ends included. */
  histogram: z.array(z.object({ from: z.number(), to: z.number(), count: z.number().int() })),
});
export const WindowPreviewSchema = z.object({
  windowMs: z.number(),
  rows: z.number().int(),
  proposed: z.record(z.string(), stats),
  current: z.record(z.string(), stats).nullable(),
});

export const JobSchema = z.object({
  status: z.literal('success'),
  message: z.string(),
});
export { FeaturesSchema };
