import { request as httpRequest, type IncomingMessage } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Engine } from '../../../src/main/engine';
import { createHttpServer, listen } from '../../../src/main/http/server';
import { captureLogger } from '../models/helpers';
import { request, type Answer } from '../../helpers/http';
import { tempDir } from '../../helpers/tmp';

/** A stand-in for the built UI's index.html: enough for the hand-over to put its <meta> in. */
export const FAKE_INDEX = '<!doctype html><html><head><title>Outlier Desk</title></head><body></body></html>';

export interface Secured {
  engine: Engine;
  app: FastifyInstance;
  port: number;
  /** Everything the engine logged (warn and above), as parsed pino lines. */
  logLines: Array<Record<string, unknown>>;
  /** The current token (it changes when a test regenerates it). */
  token(): string;
  /** A request with the current token in the Authorization header. */
  call(method: string, path: string, body?: unknown): Promise<Answer>;
  close(): Promise<void>;
}

/**
 * A real engine and HTTP server on 127.0.0.1, with a page at `/` and a captured log; `assets`
 * fills the UI's assets folder (`outside`: a folder beside it, for files that must not be served).
 */
export async function startSecured(opts: { assets?: (dir: string, outside: string) => void } = {}): Promise<Secured> {
  const tmp = tempDir('od-sec-');
  const rendererDir = join(tmp.dir, 'renderer');
  const dataDir = join(tmp.dir, 'data');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), FAKE_INDEX);
  opts.assets?.(join(rendererDir, 'assets'), tmp.dir);
  const { logger, lines } = captureLogger('warn');
  const engine = await Engine.start({ dataDir, logger, schedule: false });
  const app = await createHttpServer(engine, { rendererDir });
  const port = await listen(app, 0);
  engine.httpListening(port);
  return {
    engine,
    app,
    port,
    logLines: lines,
    token: () => engine.tokens.get(),
    call: (method, path, body) =>
      request(port, method, path, {
        headers: {
          Authorization: `Bearer ${engine.tokens.get()}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    close: async () => {
      await app.close();
      await engine.close();
      tmp.cleanup();
    },
  };
}

/** GET /events with `headers`: the open response (status checked by the caller) and its end. */
export function openEvents(
  port: number,
  headers: Record<string, string>,
): Promise<{ res: IncomingMessage; text: () => string; ended: Promise<void>; destroy: () => void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/events', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      resolve({ res, text: () => text, ended, destroy: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}
