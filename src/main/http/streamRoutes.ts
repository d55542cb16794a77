import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { ApiError, streamOperations } from '../../shared/api';
import { parseStreamQuery } from '../api';
import type { Engine } from '../engine';

/**
 * Routes whose bodies are streams rather than JSON (the contract's `streamOperations`): POST
 * /ingest reads the request as it arrives (any content type, no size limit, nothing buffered
 * whole, gzip recognised by its magic bytes) and GET /features/export writes CSV as it is read.
 */
export async function registerStreamRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  const { ingest, exportFeatures } = streamOperations;
  // Encapsulated: the raw parser applies to /ingest only; every other route parses JSON alone.
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { bodyLimit: Number.MAX_SAFE_INTEGER }, (_req, payload, done) => done(null, payload));
    raw.route({
      method: ingest.method,
      url: ingest.path,
      bodyLimit: Number.MAX_SAFE_INTEGER,
      handler: async (req) => {
        const query = parseStreamQuery('ingest', req.query);
        const body = req.body as Readable | undefined;
        if (!body || typeof body.pipe !== 'function') {
          throw new ApiError(400, 'body: send the log lines as the request body');
        }
        return engine.streams.ingest(query, Readable.from(maybeGunzip(body)));
      },
    });
  });

  app.route({
    method: exportFeatures.method,
    url: exportFeatures.path,
    handler: async (req, reply) => {
      const query = parseStreamQuery('exportFeatures', req.query);
      reply
        .header('Content-Type', 'text/csv; charset=utf-8')
        .header('Content-Disposition', 'attachment; filename="features.csv"');
      return reply.send(Readable.from(engine.streams.exportFeatures(query)));
    },
  });
}

/** The body's bytes, gunzipped when they start with gzip's magic number (1f 8b). */
async function* maybeGunzip(body: Readable): AsyncGenerator<Buffer> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head: Buffer = Buffer.alloc(0);
  // Two bytes decide; a first chunk of one byte is possible on a slow connection.
  while (head.length < 2) {
    const next = await chunks.next();
    if (next.done) break;
    head = head.length ? Buffer.concat([head, next.value]) : next.value;
  }
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (;;) {
      const next = await chunks.next();
      if (next.done) return;
      yield next.value;
    }
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* all();
    return;
  }
  // pipeline, not pipe: a failing source (the client went away) fails the gunzip stream too.
  const gunzip = pipeline(Readable.from(all()), createGunzip(), () => undefined);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    throw new ApiError(400, `body: the gzip data is corrupt or truncated (${(err as Error).message})`);
  }
}
