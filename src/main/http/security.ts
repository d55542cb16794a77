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

/** Failed-token attempts are logged as a count per window of this length. */
export const AUTH_FAILURE_WINDOW_MS = 10_000;

export interface GuardOptions {
  port: () => number;
  token: () => string;
  logger: Logger;
  /** Length of one failed-token reporting window (default AUTH_FAILURE_WINDOW_MS). */
  failureWindowMs?: number;
}

/**
 * Host and Origin checks stop DNS rebinding and cross-site requests from web pages;
 * the bearer token stops other local users and programs.
 *
 * Failed-token attempts are logged as a rate, not one line each, so a guessing loop cannot
 * flood the log: the first failure of a window is logged at once, and when the window ends
 * the number of further failures in it (and their rate per second), if any.
 */
export function createGuard(opts: GuardOptions) {
  const windowMs = opts.failureWindowMs ?? AUTH_FAILURE_WINDOW_MS;
  let failures = 0;
  let window: NodeJS.Timeout | null = null;
  const endWindow = () => {
    window = null;
    if (failures === 0) return;
    opts.logger.warn(
      { failures, windowMs, perSecond: Math.round((failures * 1000 * 100) / windowMs) / 100 },
      `rejected ${failures} more API request(s) with a bad or missing token in the last ${windowMs / 1000} s`,
    );
    failures = 0;
  };
  const reportFailure = (req: FastifyRequest) => {
    if (window) {
      failures += 1;
      return;
    }
    opts.logger.warn(
      { ip: req.ip, method: req.method, url: req.url.split('?')[0] },
      'rejected an API request with a bad or missing token',
    );
    window = setTimeout(endWindow, windowMs);
    window.unref();
  };
  let allowedPort = -1;
  let allowed: string[] = [];
  let allowedOrigins: string[] = [];
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const port = opts.port();
    if (port !== allowedPort) {
      allowedPort = port;
      allowed = LOOPBACK_HOSTS.map((h) => `${h}:${port}`);
      allowedOrigins = allowed.map((h) => `http://${h}`);
    }
    const host = (req.headers.host ?? '').toLowerCase();
    if (!allowed.includes(host)) {
      return reply.code(403).send({ error: 'Forbidden', message: `Host "${host}" is not this loopback server` });
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.includes(origin)) {
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
