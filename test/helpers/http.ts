import { request as httpRequest, type Agent } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Engine, type EngineOptions } from '../../src/main/engine';
import { createHttpServer, listen } from '../../src/main/http/server';
import { tempDir } from './tmp';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
}

/**
 * A raw HTTP/1.1 request, so tests control every header (fetch would not let us forge Host).
 * Benchmarks pass a keep-alive `agent`.
 */
export function request(
  port: number,
  method: string,
  path: string,
  opts: { headers?: Record<string, string | number>; body?: string | Buffer; agent?: Agent } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: opts.headers, agent: opts.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export interface TestServer {
  engine: Engine;
  app: FastifyInstance;
  port: number;
  token: string;
  dataDir: string;
  /** Authorised JSON call. */
  call(method: string, path: string, body?: unknown): Promise<Answer>;
  close(): Promise<void>;
}

export async function startTestServer(
  opts: { dataDir?: string; engine?: Omit<EngineOptions, 'dataDir'> } = {},
): Promise<TestServer> {
  const tmp = opts.dataDir ? null : tempDir();
  const dataDir = opts.dataDir ?? tmp!.dir;
  const engine = await Engine.start({ ...opts.engine, dataDir });
  const app = await createHttpServer(engine);
  const port = await listen(app, 0);
  engine.httpListening(port);
  const token = engine.tokens.get();
  return {
    engine,
    app,
    port,
    token,
    dataDir,
    call: (method, path, body) =>
      request(port, method, path, {
        headers: {
          Authorization: `Bearer ${engine.tokens.get()}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    close: async () => {
      await app.close();
      await engine.close();
      tmp?.cleanup();
    },
  };
}
