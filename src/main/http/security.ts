import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../logger';

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** Routes any caller may use: the page and its assets, liveness, and the API's own description. */
export function isPublic(method: string, url: string): boolean {
  const path = pathOf(url);
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

/** The URL without its query: what logs and messages show (a query may carry secrets). */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The auth scheme is case-insensitive (RFC 7235): `Bearer`, `bearer` and `BEARER` are one. */
const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/** The token of `Authorization: Bearer …`, the only place a request may carry it. */
function bearerToken(header: string | undefined): string | null {
  const match = header === undefined ? null : BEARER.exec(header);
  return match ? match[1] : null;
}

/** A `token` query parameter: refused, since URLs end up in logs, history and Referer headers. */
function hasQueryToken(req: FastifyRequest): boolean {
  const query = req.query as Record<string, unknown> | undefined;
  return query !== undefined && query !== null && Object.hasOwn(query, 'token');
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
      { ip: req.ip, method: req.method, url: pathOf(req.url) },
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
    const token = bearerToken(req.headers.authorization);
    const inUrl = hasQueryToken(req);
    if (!token || !sameToken(token, opts.token())) {
      reportFailure(req);
      const message = inUrl
        ? 'A token in the URL is not accepted: send Authorization: Bearer <token>'
        : 'Send Authorization: Bearer <token> (shown in Settings)';
      return reply.code(401).send({ error: 'Unauthorized', message });
    }
    if (inUrl) {
      return reply.code(400).send({
        error: 'Bad Request',
        message: 'token: not accepted in the URL (it would end up in logs); the Authorization header is enough',
      });
    }
  };
}
