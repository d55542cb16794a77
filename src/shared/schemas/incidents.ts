import { z } from 'zod';
import { AnomalyRowSchema } from './analysis';

/**
 * Flagged entries grouped into what happened: one client IP's flagged entries closer than the
 * window to each other, or (kind `endpoint`) several IPs working on one endpoint together.
 */
export const IncidentSchema = z.object({
  /** Stable while the incident's first flagged entry stays the same: `ip-<id>` / `endpoint-<id>`. */
  id: z.string(),
  kind: z.enum(['ip', 'endpoint']),
  /** "404 scan", "brute force on /login", "distributed attack on /wp-login.php", … */
  label: z.string(),
  /** One line in words, e.g. "404 scan: 150 requests, 142 × 404, 97 distinct paths in 90 s from an IP first seen 2 min earlier". */
  summary: z.string(),
  /** Highest combined score of its flagged entries. */
  score: z.number(),
  firstTsMs: z.number(),
  lastTsMs: z.number(),
  /** Up to 50 client IPs, the busiest first; ipCount has them all. */
  ips: z.array(z.string()),
  ipCount: z.number().int(),
  flagged: z.number().int(),
  /** Every entry of its IPs between first and last, flagged or not. */
  entries: z.number().int(),
  topEndpoints: z.array(z.object({ endpoint: z.string(), count: z.number().int() })),
  statuses: z.array(z.object({ status: z.number().int(), count: z.number().int() })),
  userAgents: z.array(z.object({ userAgent: z.string(), count: z.number().int() })),
});
export type Incident = z.infer<typeof IncidentSchema>;

export const IncidentQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).default(0),
    /** The search language of the Anomalies view: incidents with a flagged entry that matches. */
    q: z.string().max(500).optional(),
  })
  .strict();

export const IncidentPageSchema = z.object({
  incidents: z.array(IncidentSchema),
  /** Incidents in all. */
  total: z.number().int(),
  /** Flagged entries grouped (those a suppression rule hides are left out). */
  flagged: z.number().int(),
});
export type IncidentPage = z.infer<typeof IncidentPageSchema>;

export const IncidentIdSchema = z
  .object({ id: z.string().regex(/^(ip|endpoint)-\d+$/, 'an incident id looks like ip-123 or endpoint-123') })
  .strict();

export const IncidentDetailSchema = IncidentSchema.extend({
  /** All entries of its IPs in its period (flagged or not), in time order, at most 5,000. */
  rows: z.array(AnomalyRowSchema.extend({ isAnomaly: z.boolean().nullable(), votes: z.number().int().nullable() })),
  truncated: z.boolean(),
});
export type IncidentDetail = z.infer<typeof IncidentDetailSchema>;

export const IncidentReportSchema = z.object({
  id: z.string(),
  /** Summary, period, counts, timeline and raw lines, as Markdown. */
  markdown: z.string(),
  /** Its client IPs, one per line (`#` lines are comments), for a firewall or fail2ban. */
  blocklist: z.string(),
});

export const ModelDiffQuerySchema = z
  .object({ from: z.coerce.number().int().positive(), to: z.coerce.number().int().positive() })
  .strict();

const DiffIncident = IncidentSchema.pick({
  id: true,
  kind: true,
  label: true,
  summary: true,
  ips: true,
  flagged: true,
  score: true,
});
const DiffSide = z.object({
  version: z.number().int(),
  createdAt: z.number(),
  flagged: z.number().int(),
  incidents: z.number().int(),
  thresholds: z.record(z.string(), z.number()),
});

/** Two model versions compared: what each flags, which incidents appeared or went, and the feedback between them. */
export const ModelDiffSchema = z.object({
  from: DiffSide,
  to: DiffSide,
  appeared: z.array(DiffIncident),
  disappeared: z.array(DiffIncident),
  /** Verdicts and suppression rules given after the older version was trained. */
  feedbackSince: z.object({ normal: z.number().int(), attack: z.number().int(), suppressions: z.number().int() }),
});
export type ModelDiff = z.infer<typeof ModelDiffSchema>;
