import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../logger';

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** Routes any caller may use: the page and its assets, liveness, and the API's own description. */
export function isPublic(method: string, url: string): boolean {
  const path = url.split('?')[0];
  if (method !== 'GET' && method !== 'HEAD') return false;
  return (
    path === '/' ||
    path === '/health' ||
    path === '/favicon.ico' ||
    path.startsWith('/assets/') ||
    path === '/openapi.json' ||
    path === '/docs' ||
    path.startsWith('/docs/')
  );
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token from `Authorization: Bearer …`, or `?token=` for EventSource and page navigations. */
function presentedToken(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const query = req.query as Record<string, unknown> | undefined;
  return typeof query?.token === 'string' ? query.token : null;
}

/**
 * Host and Origin checks stop DNS rebinding and cross-site requests from web pages;
 * the bearer token stops other local users and programs.
 */
export function createGuard(opts: { port: () => number; token: () => string; logger: Logger }) {
  let failures = 0;
  let lastReport = 0;
  const reportFailure = (req: FastifyRequest) => {
    failures += 1;
    const now = Date.now();
    // Log the rate, not every attempt, so a guessing loop cannot flood the log.
    if (now - lastReport > 10_000) {
      opts.logger.warn(
        { failures, ip: req.ip, url: req.url.split('?')[0] },
        'rejected API requests with a bad or missing token',
      );
      lastReport = now;
      failures = 0;
    }
  };
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const allowed = LOOPBACK_HOSTS.map((h) => `${h}:${opts.port()}`);
    const host = (req.headers.host ?? '').toLowerCase();
    if (!allowed.includes(host)) {
      return reply.code(403).send({ error: 'Forbidden', message: `Host "${host}" is not this loopback server` });
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowed.some((h) => origin === `http://${h}`)) {
      return reply.code(403).send({ error: 'Forbidden', message: `Origin "${origin}" may not use this API` });
    }
    if (isPublic(req.method, req.url)) return;
    const token = presentedToken(req);
    if (!token || !sameToken(token, opts.token())) {
      reportFailure(req);
      return reply
        .code(401)
        .send({ error: 'Unauthorized', message: 'Send Authorization: Bearer <token> (shown in Settings)' });
    }
  };
}
