import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { ExportQuerySchema, IngestQuerySchema } from '../../shared/schemas/sources';
import type { Engine } from '../engine';
import { exportFeaturesCsv } from '../features';
import { describeZodError } from './validation';

const RAW_TYPES = [
  'application/octet-stream',
  'text/plain',
  'application/gzip',
  'application/x-gzip',
  'text/csv',
  'application/x-ndjson',
];

/**
 * Routes whose bodies are streams rather than JSON: POST /ingest reads the request as it
 * arrives (no size limit, nothing buffered whole) and GET /features/export writes CSV as it
 * is read from SQLite.
 */
export function registerStreamRoutes(app: FastifyInstance, engine: Engine): void {
  app.addContentTypeParser(RAW_TYPES, { bodyLimit: Number.MAX_SAFE_INTEGER }, (_req, payload, done) =>
    done(null, payload),
  );

  app.post('/ingest', { bodyLimit: Number.MAX_SAFE_INTEGER }, async (req, reply) => {
    const { token: _t, ...query } = (req.query ?? {}) as Record<string, unknown>;
    void _t;
    const parsed = IngestQuerySchema.safeParse(query);
    if (!parsed.success) return reply.code(400).send({ error: 'Bad Request', message: describeZodError(parsed.error) });
    const body = req.body as Readable | undefined;
    if (!body || typeof (body as Readable).pipe !== 'function') {
      return reply
        .code(415)
        .send({ error: 'Unsupported Media Type', message: 'send the log as application/octet-stream or text/plain' });
    }
    const gz = /gzip/.test(req.headers['content-type'] ?? '') || /\.gz$/i.test(parsed.data.name);
    const stream = gz ? body.pipe(createGunzip()) : body;
    return engine.ingestUpload(parsed.data.name, stream, parsed.data.format);
  });

  app.get('/features/export', async (req, reply) => {
    const { token: _t, ...query } = (req.query ?? {}) as Record<string, unknown>;
    void _t;
    const parsed = ExportQuerySchema.safeParse(query);
    if (!parsed.success) return reply.code(400).send({ error: 'Bad Request', message: describeZodError(parsed.error) });
    reply
      .header('Content-Type', 'text/csv; charset=utf-8')
      .header('Content-Disposition', 'attachment; filename="features.csv"');
    return reply.send(Readable.from(exportFeaturesCsv(engine.db, { sourceId: parsed.data.source })));
  });
}
