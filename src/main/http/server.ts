import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { ApiError, OPERATION_NAMES, TOKEN_META, operations } from '../../shared/api';
import type { Engine } from '../engine';
import { SERVER_TIMEOUTS, capConnections } from './connections';
import { dispatch, InputError } from '../api';
import { TokenHandover, clearedHandoverCookie, handoverCookie, handoverCookieName, readCookie } from './handover';
import { parseJsonBody } from './jsonBody';
import { DatabaseFullError, DatabaseLockedError, explainWriteError, isBusy } from '../store/writeErrors';
import { buildOpenApi } from './openapi';
import { registerAssets } from './assets';
import { createGuard, pathOf, sameToken } from './security';
import { registerEvents } from './sse';
import { registerStreamRoutes } from './streamRoutes';
import { fastApiDetail, ORIGINAL_OPERATIONS, withDetail } from './fastapiErrors';

export const JSON_BODY_LIMIT = 1024 * 1024;
/** POST /outlier/detect_batch carries up to 10,000 entries: 16 MiB leaves ~1.6 KiB per entry. */
export const BATCH_BODY_LIMIT = 16 * 1024 * 1024;
export const DEFAULT_PORT = 8765;
const WELCOME = { message: 'Welcome to the Outlier Detector API' };
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface HttpOptions {
  /** The built renderer (out/renderer); when absent `/` answers the original's JSON greeting only. */
  rendererDir?: string;
}

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`Port ${port} on 127.0.0.1 is already in use: pick another with --port N (or in Settings)`);
  }
}

/** Builds the loopback API. Routes translate HTTP to the engine's Api handlers and nothing more. */
export async function createHttpServer(engine: Engine, opts: HttpOptions = {}): Promise<FastifyInstance> {
  // No fastify request logging (logger: false): the error handler below is the HTTP layer's only log line.
  const app = Fastify({
    bodyLimit: JSON_BODY_LIMIT,
    logger: false,
    return503OnClosing: true,
    http: SERVER_TIMEOUTS,
  });
  capConnections(app.server);
  let port = 0;
  app.decorate('boundPort', () => port);
  // JSON routes take JSON only (POST /ingest has its own parser for raw bodies).
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  // application/json and its +json variants (application/merge-patch+json, …).
  for (const type of ['application/json', /^application\/[\w.-]+\+json$/]) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, parseJsonBody(body as string));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
  }
  app.addHook('onListen', async () => {
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  app.addHook('onRequest', createGuard({ port: () => port, token: () => engine.tokens.get(), logger: engine.logger }));
  // Every HTML page (the UI, /docs): no framing by other pages (clickjacking), no sniffing, no Referer.
  // Callback style: no promise per request on the detect hot path.
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      if (!reply.hasHeader('content-security-policy')) reply.header('Content-Security-Policy', RENDERER_CSP);
      reply.header('X-Frame-Options', 'DENY').header('Referrer-Policy', 'no-referrer');
    }
    // Every JSON error answer carries FastAPI's `detail` (the message, unless a 422 list is
    // there), which the original's scripts read: one envelope on every route.
    done(null, reply.statusCode >= 400 && typeof payload === 'string' ? withDetail(payload) : payload);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof ApiError)
      return reply.code(err.status).send({ error: errorName(err.status), message: err.message });
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
      const limit = req.routeOptions.bodyLimit ?? JSON_BODY_LIMIT;
      return reply
        .code(413)
        .send({ error: 'Payload Too Large', message: `JSON bodies on this route are limited to ${limit} bytes` });
    }
    // Storage trouble is the machine's state, not a bug: say what it is (507 full, 503 locked).
    const storage = explainWriteError(err);
    if (storage instanceof DatabaseFullError || storage instanceof DatabaseLockedError) {
      const status = storage instanceof DatabaseFullError ? 507 : 503;
      return reply.code(status).send({ error: errorName(status), message: storage.message });
    }
    if (isBusy(err)) {
      return reply
        .code(503)
        .send({ error: errorName(503), message: 'The database is locked by another program; try again shortly' });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const type = req.headers['content-type'] ?? 'none';
      return reply
        .code(415)
        .send({ error: 'Unsupported Media Type', message: `body: send it as application/json (got ${type})` });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: errorName(err.statusCode), message: err.message });
    }
    // The path only: a query string may carry what its sender did not mean to have logged.
    engine.logger.error({ err, method: req.method, url: pathOf(req.url) }, 'request failed');
    return reply
      .code(500)
      .send({ error: 'Internal Server Error', message: 'The request failed; the app log has details' });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'Not Found', message: `No route ${req.method} ${pathOf(req.url)}` }),
  );

  for (const name of OPERATION_NAMES) {
    const spec = operations[name];
    const fromQuery = spec.method === 'GET' || spec.method === 'DELETE';
    const hasParams = spec.path.includes(':');
    app.route({
      method: spec.method,
      url: spec.path,
      // FastAPI read a body sent without Content-Type as JSON (Python's `requests.post(url,
      // data=json.dumps(x))` sends none): the original's routes do too.
      ...(ORIGINAL_OPERATIONS.has(name) ? { onRequest: jsonWhenUntyped } : {}),
      bodyLimit: name === 'detectBatch' ? BATCH_BODY_LIMIT : JSON_BODY_LIMIT,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        let raw: unknown;
        if (fromQuery) {
          const query = (req.query ?? {}) as Record<string, unknown>;
          raw = hasParams ? { ...query, ...(req.params as object) } : query;
        } else {
          const body = req.body;
          if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
            const message = 'body: must be a JSON object';
            if (ORIGINAL_OPERATIONS.has(name)) {
              const detail = [{ loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' }];
              return reply.code(422).send({ error: 'Unprocessable Entity', message, detail });
            }
            return reply.code(400).send({ error: 'Bad Request', message });
          }
          raw = hasParams ? { ...(body ?? {}), ...(req.params as object) } : (body ?? {});
        }
        try {
          return await dispatch(engine.api, name, raw);
        } catch (err) {
          // The original's routes answer as FastAPI did: 422 with the validation list in `detail`.
          if (err instanceof InputError && ORIGINAL_OPERATIONS.has(name))
            return reply.code(422).send({
              error: 'Unprocessable Entity',
              message: err.message,
              detail: fastApiDetail(err.zodError, req.body),
            });
          throw err;
        }
      },
    });
  }

  registerEvents(app, engine);
  await registerStreamRoutes(app, engine);

  const document = buildOpenApi();
  await app.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', async () => document);

  const indexHtml = opts.rendererDir ? join(opts.rendererDir, 'index.html') : null;
  const hasRenderer = indexHtml !== null && existsSync(indexHtml);
  if (hasRenderer && opts.rendererDir) registerAssets(app, join(opts.rendererDir, 'assets'));
  const handover = new TokenHandover();
  // `/` serves the UI to browsers and the original's greeting to scripts. The printed URL's
  // `?token=` is accepted here only, and traded at once for a one-time cookie (see TokenHandover).
  app.get('/', async (req, reply) => {
    const query = (req.query ?? {}) as Record<string, unknown>;
    if (Object.hasOwn(query, 'token')) {
      const given = query.token;
      if (typeof given === 'string' && sameToken(given, engine.tokens.get())) {
        reply.header('Set-Cookie', handoverCookie(port, handover.begin()));
      }
      // The query leaves the address bar before any script runs; the hash (the view) survives a redirect.
      return reply.code(303).header('Location', '/').header('Cache-Control', 'no-store').send();
    }
    if (hasRenderer && indexHtml && (req.headers.accept ?? '').includes('text/html')) {
      let html = readFileSync(indexHtml, 'utf8');
      const id = readCookie(req.headers.cookie, handoverCookieName(port));
      if (id !== null) {
        if (handover.take(id)) html = withTokenMeta(html, engine.tokens.get());
        reply.header('Set-Cookie', clearedHandoverCookie(port));
      }
      return reply
        .header('Content-Security-Policy', RENDERER_CSP)
        .header('Cache-Control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(html);
    }
    return WELCOME;
  });
  return app;
}

export async function listen(app: FastifyInstance, port: number): Promise<number> {
  try {
    await app.listen({ host: '127.0.0.1', port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(port);
    throw err;
  }
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : port;
}

/** The page with the token in a <meta> tag, where the renderer picks it up (the CSP forbids inline scripts). */
function withTokenMeta(html: string, token: string): string {
  const escaped = token.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  return html.replace('</head>', `<meta name="${TOKEN_META}" content="${escaped}" />\n</head>`);
}

/** The original's routes read a body sent without Content-Type as JSON, as FastAPI did. */
function jsonWhenUntyped(req: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && req.headers['content-type'] === undefined) req.headers['content-type'] = 'application/json';
  done();
}

function errorName(status: number): string {
  return (
    {
      400: 'Bad Request',
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'Not Found',
      409: 'Conflict',
      413: 'Payload Too Large',
      415: 'Unsupported Media Type',
      422: 'Unprocessable Entity',
      500: 'Internal Server Error',
      501: 'Not Implemented',
      503: 'Service Unavailable',
      507: 'Insufficient Storage',
    }[status] ?? 'Error'
  );
}
