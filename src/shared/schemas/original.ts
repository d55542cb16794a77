import { z } from 'zod';
import { ModelNameSchema } from '../config';
import { parseTimestamp } from '../time/timestamp';

/**
 * Request and answer shapes of the original FastAPI service, kept exactly so its
 * scripts keep working. Field names stay snake_case on purpose. Requests are strict: an
 * unknown key is a 400 naming it, not silently ignored (`{"row": 10}` must not mean 300,000 rows).
 */
export const MessageSchema = z.object({ status: z.string().optional(), message: z.string() });

export const StatusCodeSchema = z
  .number({ message: 'http_response_code must be a number' })
  .int('http_response_code must be an integer')
  .min(100, 'http_response_code must be between 100 and 599')
  .max(599, 'http_response_code must be between 100 and 599');

/** ISO 8601 (a naive time is UTC, as the original's tests assumed), CLF, or epoch s/ms: the same rules as log files. */
export const TimestampSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const r = parseTimestamp(v);
  if (!r.ok) {
    ctx.addIssue({ code: 'custom', message: r.reason });
    return z.NEVER;
  }
  return r.ms;
});

export const DetectRequestSchema = z
  .object({
    timestamp: TimestampSchema,
    ip_address: z.string().min(1, 'ip_address must not be empty').max(256),
    service_endpoint: z.string().min(1, 'service_endpoint must not be empty').max(8192),
    http_response_code: StatusCodeSchema,
  })
  .strict();
export type DetectRequest = z.input<typeof DetectRequestSchema>;

export const FeaturesSchema = z.object({
  request_count: z.number(),
  client_error_count: z.number(),
  server_error_count: z.number(),
});
export type Features = z.infer<typeof FeaturesSchema>;

export const DetectResponseSchema = z.object({
  status: z.literal('success'),
  log_entry: z.object({
    timestamp: z.string(),
    ip_address: z.string(),
    service_endpoint: z.string(),
    http_response_code: z.number(),
  }),
  final_decision: z.object({ is_anomaly: z.boolean(), reason: z.string() }),
  // The original sent the score as a string (str(numpy float)); kept for its scripts.
  model_predictions: z.record(z.string(), z.object({ is_anomaly: z.boolean(), score: z.string() })),
  features_calculated: FeaturesSchema,
  log_id: z.number().int(),
  model_version: z.number().int(),
});
export type DetectResponse = z.infer<typeof DetectResponseSchema>;

export const DetectBatchRequestSchema = z
  .object({
    entries: z.array(DetectRequestSchema).min(1).max(10_000, 'at most 10,000 entries per batch'),
  })
  .strict();

export const DetectBatchItemSchema = z.object({
  log_id: z.number().int(),
  is_anomaly: z.boolean(),
  votes: z.number().int(),
  combined_score: z.number(),
  scores: z.partialRecord(ModelNameSchema, z.number()),
  features_calculated: FeaturesSchema,
});
export const DetectBatchResponseSchema = z.object({
  status: z.literal('success'),
  model_version: z.number().int(),
  results: z.array(DetectBatchItemSchema),
});

export const GenerateSampleRequestSchema = z
  .object({
    rows: z.number().int().min(1).max(5_000_000).default(300_000),
    seed: z.number().int().optional(),
    anomalies: z.boolean().default(true),
  })
  .strict()
  .default({ rows: 300_000, anomalies: true });

export const GenerateSampleResponseSchema = z.object({
  message: z.string(),
  rows: z.number().int(),
  anomalies: z.number().int(),
  source_id: z.number().int(),
  path: z.string(),
});
