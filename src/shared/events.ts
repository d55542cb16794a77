import { z } from 'zod';
import { AnomalyRowSchema } from './schemas/analysis';
import { VIEWS } from './views';

/** What the engine tells its listeners (renderer over IPC, scripts over GET /events). */
export const EngineEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ingest-progress'),
    sourceId: z.number().int(),
    lines: z.number().int(),
    parseErrors: z.number().int(),
    bytesDone: z.number().int(),
    bytesTotal: z.number().int(),
    status: z.string(),
  }),
  z.object({
    type: z.literal('features-progress'),
    done: z.number().int(),
    total: z.number().int(),
  }),
  z.object({
    type: z.literal('training-progress'),
    stage: z.string(),
    fraction: z.number().min(0).max(1),
  }),
  z.object({
    type: z.literal('training-failed'),
    message: z.string(),
  }),
  z.object({
    type: z.literal('anomalies'),
    rows: z.array(AnomalyRowSchema),
  }),
  z.object({
    type: z.literal('fleet-progress'),
    stage: z.string(),
    fraction: z.number().min(0).max(1),
  }),
  z.object({
    type: z.literal('model-swapped'),
    version: z.number().int(),
  }),
  z.object({
    type: z.literal('config-changed'),
  }),
  // From the desktop shell only (its View menu and notifications), never on GET /events.
  z.object({
    type: z.literal('navigate'),
    view: z.enum(VIEWS),
  }),
]);
export type EngineEvent = z.infer<typeof EngineEventSchema>;
export type EngineEventType = EngineEvent['type'];
