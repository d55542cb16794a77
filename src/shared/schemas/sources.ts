import { z } from 'zod';
import { LogFormatSchema } from '../config';
import { SOURCE_KINDS, SOURCE_STATUSES } from '../sourceValues';

export const SourceSchema = z.object({
  id: z.number().int(),
  path: z.string(),
  kind: z.enum(SOURCE_KINDS),
  format: LogFormatSchema,
  lines: z.number().int(),
  parseErrors: z.number().int(),
  bytesDone: z.number().int(),
  bytesTotal: z.number().int(),
  status: z.enum(SOURCE_STATUSES),
  error: z.string().nullable(),
  parentId: z.number().int().nullable(),
  addedAt: z.number().int(),
});
export type Source = z.infer<typeof SourceSchema>;

export const AddSourceSchema = z.object({
  path: z.string().min(1, 'path is required'),
  format: LogFormatSchema.default('auto'),
  watch: z.boolean().default(true),
});

export const SourceIdSchema = z.object({ id: z.coerce.number().int().positive() });

export const ParseErrorSchema = z.object({
  lineNo: z.number().int(),
  reason: z.string(),
  line: z.string(),
});

export const SourceErrorsSchema = z.object({
  sourceId: z.number().int(),
  total: z.number().int(),
  errors: z.array(ParseErrorSchema),
});

export const IngestResultSchema = z.object({
  sourceId: z.number().int(),
  lines: z.number().int(),
  parseErrors: z.number().int(),
  bytes: z.number().int(),
});

/** POST /ingest query: the body itself is the raw log (optionally gzip). Strict: a misspelt key is named. */
export const IngestQuerySchema = z
  .object({
    name: z.string().min(1).max(1024).default('upload'),
    format: LogFormatSchema.default('auto'),
  })
  .strict();

/** GET /features/export query. Strict: `?source_id=3` must not quietly export every source. */
export const ExportQuerySchema = z
  .object({
    source: z.coerce.number().int().positive().optional(),
  })
  .strict();
