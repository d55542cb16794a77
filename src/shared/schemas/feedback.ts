import { z } from 'zod';

export const VerdictSchema = z.enum(['normal', 'attack']);
export type Verdict = z.infer<typeof VerdictSchema>;

/** A glob as SQLite's GLOB reads it: `*` any run, `?` one character, `[…]` a set; case-sensitive. */
const Glob = z.string().min(1).max(500);

/**
 * Hides future flags that match: every field given must match (IP exactly, endpoint and user
 * agent as globs, e.g. `/static/*`, `*bingbot*`); at least one field; optional expiry.
 */
export const SuppressionRuleSchema = z
  .object({
    ip: z.string().min(1).max(100).optional(),
    endpoint: Glob.optional(),
    userAgent: Glob.optional(),
    note: z.string().max(2000).default(''),
    /** Epoch ms; absent: never expires. */
    expiresAt: z.number().int().positive().optional(),
  })
  .strict()
  .refine((r) => r.ip !== undefined || r.endpoint !== undefined || r.userAgent !== undefined, {
    message: 'a suppression needs at least one of ip, endpoint, userAgent',
    path: ['ip'],
  });
export type SuppressionRule = z.output<typeof SuppressionRuleSchema>;

export const SuppressionSchema = z.object({
  id: z.number().int(),
  createdAt: z.number(),
  ip: z.string().nullable(),
  endpoint: z.string().nullable(),
  userAgent: z.string().nullable(),
  note: z.string(),
  expiresAt: z.number().nullable(),
  /** Flagged entries it hides now. */
  hides: z.number().int(),
});
export type Suppression = z.infer<typeof SuppressionSchema>;

export const SuppressionListSchema = z.object({ suppressions: z.array(SuppressionSchema) });

export const SuppressionIdSchema = z.object({ id: z.coerce.number().int().positive() }).strict();

export const SuppressionUpdateSchema = z
  .object({
    id: z.coerce.number().int().positive(),
    ip: z.string().min(1).max(100).nullable().optional(),
    endpoint: Glob.nullable().optional(),
    userAgent: Glob.nullable().optional(),
    note: z.string().max(2000).optional(),
    expiresAt: z.number().int().positive().nullable().optional(),
  })
  .strict();

/**
 * The analyst's verdict on one entry or one incident (all its flagged entries), with a note;
 * `normal` may add a suppression rule at the same time.
 */
export const FeedbackRequestSchema = z
  .object({
    entry: z.number().int().positive().optional(),
    incident: z
      .string()
      .regex(/^(ip|endpoint)-\d+$/, 'an incident id looks like ip-123 or endpoint-123')
      .optional(),
    verdict: VerdictSchema,
    note: z.string().max(2000).default(''),
    suppress: SuppressionRuleSchema.optional(),
  })
  .strict()
  .refine((f) => (f.entry === undefined) !== (f.incident === undefined), {
    message: 'give exactly one of entry, incident',
    path: ['entry'],
  })
  .refine((f) => f.suppress === undefined || f.verdict === 'normal', {
    message: 'only a normal verdict can suppress',
    path: ['suppress'],
  });
export type FeedbackRequest = z.output<typeof FeedbackRequestSchema>;

export const FeedbackResponseSchema = z.object({
  id: z.number().int(),
  verdict: VerdictSchema,
  /** Entries labelled by this verdict. */
  entries: z.number().int(),
  suppression: SuppressionSchema.nullable(),
});
