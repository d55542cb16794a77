import { z } from 'zod';
import { FLEET_LIMITS } from '../fleetValues';
import { IncidentSchema } from './incidents';
import { FeaturesSchema } from './original';

/**
 * Fleet mode: a ClickHouse table of access logs as a source. The connection's settings are
 * stored and answered; the password is only ever an input (kept in the secret store), so no
 * output schema here has a field that could carry it.
 */

/** Column names are sent quoted; NUL is the one character no identifier may hold. */
const ColumnName = z
  .string()
  .trim()
  .min(1, 'name a column')
  .max(256)
  .refine((s) => !s.includes('\0'), 'a column name may not contain NUL');

/** Which of the table's columns hold what. timestamp, ip and status are needed for the features. */
export const FleetColumnMappingSchema = z
  .object({
    timestamp: ColumnName,
    ip: ColumnName,
    status: ColumnName,
    /** Orders entries of one millisecond as they arrived (a sequence number, a file offset). */
    arrival: ColumnName.optional(),
    method: ColumnName.optional(),
    path: ColumnName.optional(),
    bytes: ColumnName.optional(),
    userAgent: ColumnName.optional(),
  })
  .strict();
export type FleetColumnMapping = z.infer<typeof FleetColumnMappingSchema>;

/** http(s)://host[:port][/path]: credentials in the URL are refused, so they cannot leak with it. */
export const ClickHouseUrlSchema = z
  .string()
  .trim()
  .url('a URL such as http://127.0.0.1:8123')
  .refine((s) => /^https?:\/\//i.test(s), 'the URL must start with http:// or https://')
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.username === '' && u.password === '';
    } catch {
      return false;
    }
  }, 'put the user and password in their own fields, not in the URL');

const Identifier = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .refine((s) => !s.includes('\0'), 'may not contain NUL');

/** What is stored about a connection (never the password). */
export const FleetConnectionSchema = z
  .object({
    url: ClickHouseUrlSchema,
    username: z.string().trim().min(1).max(256).default('default'),
    database: Identifier.default('default'),
    table: Identifier,
    columns: FleetColumnMappingSchema.optional(),
    /**
     * On a Distributed table: the HTTP URL of each replica, keyed by `host:port` as
     * system.clusters names it (the native port). A replica not listed is reached at its address
     * with the URL's HTTP port, as in a cluster whose nodes share one configuration.
     */
    replicaUrls: z.record(z.string().min(1).max(300), ClickHouseUrlSchema).optional(),
  })
  .strict();
export type FleetConnection = z.infer<typeof FleetConnectionSchema>;

const Password = z.string().max(4096);

/** Test a connection: the given password, or the stored one when none is given. */
export const FleetConnectInputSchema = FleetConnectionSchema.extend({ password: Password.optional() }).strict();

/** Save the settings; a given password replaces the stored one, `forgetPassword` removes it. */
export const FleetSaveInputSchema = FleetConnectionSchema.extend({
  columns: FleetColumnMappingSchema,
  password: Password.optional(),
  forgetPassword: z.boolean().default(false),
}).strict();

export const FleetColumnSchema = z.object({ name: z.string(), type: z.string() });

export const FleetConnectResultSchema = z.object({
  version: z.string(),
  dialect: z.enum(['window', 'array']),
  engine: z.string(),
  /** Shards the features are computed on (1 unless the table is Distributed). */
  shards: z.number().int(),
  columns: z.array(FleetColumnSchema),
  /** The mapping found from the columns' names and types (the given one's roles kept where valid). */
  detected: FleetColumnMappingSchema.partial(),
  /** Why the mapping cannot be used yet, e.g. a missing or mistyped column; empty when it can. */
  problems: z.array(z.string()),
});

export const PASSWORD_STORES = ['safeStorage', 'file'] as const;

export const FleetConnectionInfoSchema = z.object({
  connection: FleetConnectionSchema.extend({ columns: FleetColumnMappingSchema }).nullable(),
  hasPassword: z.boolean(),
  /** Where the password is kept: Electron's safeStorage (desktop) or a 0600 file (browser mode). */
  passwordStore: z.enum(PASSWORD_STORES),
});

/** A time as ms since the epoch or ISO 8601 text. */
const Instant = z.union([z.number().int(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isSafeInteger(ms)) {
    ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a time (ms or ISO 8601)` });
    return z.NEVER;
  }
  return ms;
});

export const FleetAnalyseInputSchema = z
  .object({
    /** [from, to): entries in this range get features and scores; the window before `from` is context. */
    from: Instant,
    to: Instant,
    /** The feature window, ms (1 s … 7 d), default 5 min. */
    windowMs: z
      .number()
      .int()
      .min(1_000)
      .max(7 * 86_400_000)
      .default(300_000),
    limit: z.number().int().min(FLEET_LIMITS.topRows.min).max(FLEET_LIMITS.topRows.max).default(200),
    sampleRows: z
      .number()
      .int()
      .min(FLEET_LIMITS.sampleRows.min)
      .max(FLEET_LIMITS.sampleRows.max)
      .default(FLEET_LIMITS.sampleRows.default),
    strata: z.number().int().min(FLEET_LIMITS.strata.min).max(FLEET_LIMITS.strata.max).default(64),
    /** Isolation Forest seed (the desktop seeds with the model version). */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
  })
  .strict()
  .refine((v) => v.to > v.from, { message: '`to` must be after `from`', path: ['to'] });

/** One detector's verdict on a row, as the desktop's explanation gives it. */
export const FleetModelVerdictSchema = z.object({
  score: z.number(),
  threshold: z.number(),
  vote: z.boolean(),
  /** Percentage (0–100) of the sample's training scores below this row's. */
  percentile: z.number(),
});

export const FleetTopRowSchema = z.object({
  ip: z.string(),
  tsMs: z.number().int(),
  /** The arrival column's value as text ('' when none is mapped). */
  arrival: z.string(),
  requestCount: z.number().int(),
  clientErrorCount: z.number().int(),
  serverErrorCount: z.number().int(),
  /** Σ path lengths over the trees (lower: more anomalous), bit-equal to the desktop's. */
  pathTotal: z.number(),
  score: z.number(),
  flagged: z.boolean(),
  /** The entry's own fields, read back from the table for the rows shown (null: not mapped or empty). */
  status: z.number().int().nullable(),
  method: z.string().nullable(),
  path: z.string().nullable(),
  bytes: z.number().nullable(),
  userAgent: z.string().nullable(),
  /**
   * The desktop ensemble's verdict on this row (candidates only: LOF and KNN need neighbours, so
   * they score on the desktop the rows the server returns, never the whole range).
   */
  models: z.object({ iforest: FleetModelVerdictSchema, lof: FleetModelVerdictSchema, knn: FleetModelVerdictSchema }),
  /** Models voting anomalous, and the desktop's majority rule on them (votes ≥ models / 2). */
  votes: z.number().int(),
  isAnomaly: z.boolean(),
  /** Mean over the models of the share of sample scores below the row's (0–1), as the desktop's. */
  combinedScore: z.number(),
  /** Per feature, the percentage (0–100) of sample rows with a lower value. */
  featurePercentiles: FeaturesSchema,
});
export type FleetTopRow = z.infer<typeof FleetTopRowSchema>;

/**
 * The returned rows the ensemble flags, grouped by the desktop's rules. `rows`: their indices in
 * the answer's `rows`. No `entries`: only the returned rows are known here. IP ages are not asked
 * of the server, so the summary names no first sighting.
 */
export const FleetIncidentSchema = IncidentSchema.omit({ entries: true }).extend({
  rows: z.array(z.number().int()),
});
export type FleetIncident = z.infer<typeof FleetIncidentSchema>;

export const FleetAnalyseResultSchema = z.object({
  rows: z.array(FleetTopRowSchema),
  incidents: z.array(FleetIncidentSchema),
  /** The desktop ensemble on the returned rows (the candidates): how many its vote flags. */
  ensemble: z.object({ candidates: z.number().int(), flagged: z.number().int() }),
  counts: z.object({
    /** Entries of [from, to) scored on the server. */
    scored: z.number().int(),
    flagged: z.number().int(),
    shards: z.number().int(),
  }),
  sample: z.object({
    /** Rows the forest was trained on: what crossed the wire for training. */
    rows: z.number().int(),
    strata: z.number().int(),
    /** At most this many rows per stratum (cityHash64 of the client IP modulo strata). */
    perStratum: z.number().int(),
    /** Rows the shards sent before the cap was applied across shards (≥ rows). */
    received: z.number().int(),
    /** Each feature's median over the sample: what a typical row looks like. */
    typical: FeaturesSchema,
  }),
  forest: z.object({
    trees: z.number().int(),
    seed: z.number().int(),
    contamination: z.number(),
    threshold: z.number(),
    sqlBytes: z.number().int(),
    astElements: z.number().int(),
  }),
  /** Bytes of query text sent and of result bodies received, over every shard. */
  bytes: z.object({ sent: z.number().int(), received: z.number().int() }),
  /** Milliseconds per stage. */
  timings: z.object({
    connect: z.number(),
    sample: z.number(),
    train: z.number(),
    compile: z.number(),
    score: z.number(),
    /** LOF, KNN and the vote on the returned rows, on the desktop. */
    candidates: z.number(),
    /** Reading the shown rows' own fields (method, path, …) back. */
    details: z.number(),
    total: z.number(),
  }),
  windowMs: z.number().int(),
  from: z.number().int(),
  to: z.number().int(),
});
export type FleetAnalyseResult = z.infer<typeof FleetAnalyseResultSchema>;
