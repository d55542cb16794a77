import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/main/engine';
import type { Logger } from '../../../src/main/logger';
import { createGuard } from '../../../src/main/http/security';
import {
  BATCH_BODY_LIMIT,
  DEFAULT_PORT,
  JSON_BODY_LIMIT,
  PortInUseError,
  createHttpServer,
  listen,
} from '../../../src/main/http/server';
import { request, type Answer, type TestServer } from '../../helpers/http';
import { tempDir } from '../../helpers/tmp';
import { ORIGINAL_ENTRY, STACK_FRAME, apiSourceId, scalar } from './helpers';

/** A pino logger whose records land in an array (the engine's own logger is silent in tests). */
function capturingLogger(): { logger: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) records.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), records };
}

/**
 * Refusals over a real server: every one a JSON answer with the right status, a message that
 * says what is wrong (naming the field for bad input), no stack trace, and nothing stored.
 */
describe('refusals: 401, 403, 400, 413, 415, 404', () => {
  let s: TestServer;
  let records: Array<Record<string, unknown>>;
  let cleanup: () => void;

  beforeAll(async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const captured = capturingLogger();
    records = captured.records;
    const engine = await Engine.start({ dataDir: tmp.dir, logger: captured.logger, schedule: false });
    const app = await createHttpServer(engine);
    const port = await listen(app, 0);
    engine.httpListening(port);
    s = {
      engine,
      app,
      port,
      token: engine.tokens.get(),
      dataDir: tmp.dir,
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
      },
    };
  });
  afterAll(async () => {
    await s.close();
    cleanup();
  });

  const detect = (body: unknown) => s.call('POST', '/outlier/detect', body);
  const expectRefusal = (res: Answer, status: number, message: RegExp) => {
    expect(res.status, res.text).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json() as { error: string; message: string; detail: unknown };
    // The original's routes add FastAPI's `detail` (originalErrors.test.ts checks which routes):
    // the message, or (422) the validation list.
    const { detail, ...rest } = body;
    expect(Object.keys(rest).sort()).toEqual(['error', 'message']);
    expect(body.message).toMatch(message);
    if (status === 422) expect(Array.isArray(detail)).toBe(true);
    else if (detail !== undefined) expect(detail).toBe(body.message);
    expect(res.text).not.toMatch(STACK_FRAME);
    return body;
  };

  it('401 without a token and with a wrong one, on the original routes too', async () => {
    const json = { 'Content-Type': 'application/json' };
    const body = JSON.stringify(ORIGINAL_ENTRY);
    expectRefusal(await request(s.port, 'POST', '/outlier/detect', { headers: json, body }), 401, /Bearer/);
    const wrong = { ...json, Authorization: `Bearer ${s.token.slice(0, -1)}${s.token.endsWith('x') ? 'y' : 'x'}` };
    expectRefusal(await request(s.port, 'POST', '/outlier/detect', { headers: wrong, body }), 401, /Bearer/);
    const notBearer = { ...json, Authorization: `Basic ${Buffer.from(`u:${s.token}`).toString('base64')}` };
    expectRefusal(await request(s.port, 'POST', '/outlier/detect', { headers: notBearer, body }), 401, /Bearer/);
    expectRefusal(await request(s.port, 'POST', '/model/train_models'), 401, /Bearer/);
    expectRefusal(await request(s.port, 'GET', '/anomalies'), 401, /Bearer/);
    expectRefusal(await request(s.port, 'GET', '/events'), 401, /Bearer/);
    expectRefusal(await request(s.port, 'POST', '/ingest', { body: 'x' }), 401, /Bearer/);
    // Never in the URL (it would end up in logs): see test/integration/security/httpToken.test.ts.
    expectRefusal(await request(s.port, 'GET', `/config?token=${s.token}`), 401, /not accepted.*Bearer/);
    const id = apiSourceId(s);
    expect(id === null ? 0 : scalar(s, 'SELECT count(*) FROM logs WHERE source_id = ?', id)).toBe(0);
  });

  it('logs failed-token attempts as a rate, not one line each', async () => {
    const before = records.length;
    for (let i = 0; i < 25; i++)
      await request(s.port, 'GET', '/config', { headers: { Authorization: 'Bearer guess' } });
    const warnings = records.slice(before).filter((r) => /bad or missing token/.test(String(r.msg)));
    // Earlier tests of this file may have opened the window; either way at most one line so far.
    expect(warnings.length).toBeLessThanOrEqual(1);
    expect(JSON.stringify(records)).not.toContain('guess');
  });

  it('the failed-token window ends with the count and rate of the further failures', async () => {
    const { logger, records: lines } = capturingLogger();
    const guard = createGuard({ port: () => 1234, token: () => 'secret-token', logger, failureWindowMs: 100 });
    const fakeReply = () => {
      const r = { status: 0, code: (c: number) => ((r.status = c), r), send: () => r };
      return r;
    };
    const req = (auth?: string) =>
      ({
        method: 'GET',
        url: '/config?token=nope',
        ip: '127.0.0.1',
        query: {},
        headers: { host: '127.0.0.1:1234', ...(auth ? { authorization: auth } : {}) },
      }) as never;
    for (let i = 0; i < 7; i++) {
      const reply = fakeReply();
      await guard(req('Bearer nope'), reply as never);
      expect(reply.status).toBe(401);
    }
    const ok = fakeReply();
    await guard(req('Bearer secret-token'), ok as never);
    expect(ok.status).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual(['rejected an API request with a bad or missing token']);
    await new Promise((r) => setTimeout(r, 150));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ failures: 6, windowMs: 100, perSecond: 60 });
    expect(String(lines[1].msg)).toMatch(/rejected 6 more API request/);
    expect(JSON.stringify(lines)).not.toContain('nope');
  });

  it('403 for a foreign Host (DNS rebinding) and a foreign Origin (CSRF), even with the token', async () => {
    const auth = { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' };
    const body = JSON.stringify(ORIGINAL_ENTRY);
    expectRefusal(
      await request(s.port, 'POST', '/outlier/detect', { headers: { ...auth, Host: 'rebind.attacker.example' }, body }),
      403,
      /Host/,
    );
    expectRefusal(
      await request(s.port, 'POST', '/outlier/detect', { headers: { ...auth, Host: `127.0.0.1:${s.port + 1}` }, body }),
      403,
      /Host/,
    );
    expectRefusal(
      await request(s.port, 'POST', '/outlier/detect', {
        headers: { ...auth, Origin: 'https://attacker.example' },
        body,
      }),
      403,
      /Origin/,
    );
    expectRefusal(
      await request(s.port, 'POST', '/outlier/detect', { headers: { ...auth, Origin: 'null' }, body }),
      403,
      /Origin/,
    );
    // The public greeting is still refused to a foreign Host.
    expectRefusal(await request(s.port, 'GET', '/', { headers: { Host: 'evil.test' } }), 403, /Host/);
    // The loopback names with the right port are this server.
    for (const host of [`127.0.0.1:${s.port}`, `localhost:${s.port}`]) {
      const res = await request(s.port, 'GET', '/config', {
        headers: { Authorization: auth.Authorization, Host: host },
      });
      expect(res.status).toBe(200);
    }
  });

  it('400 naming the field: missing, wrong type, bad timestamp, status code out of range', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...ORIGINAL_ENTRY, ip_address: undefined }, /^ip_address: /],
      [{ timestamp: ORIGINAL_ENTRY.timestamp }, /ip_address: .*service_endpoint: .*http_response_code: /],
      [{ ...ORIGINAL_ENTRY, http_response_code: '500' }, /^http_response_code: http_response_code must be a number/],
      [{ ...ORIGINAL_ENTRY, ip_address: 42 }, /^ip_address: /],
      [{ ...ORIGINAL_ENTRY, timestamp: 'yesterday at noon' }, /^timestamp: /],
      [{ ...ORIGINAL_ENTRY, timestamp: '2023-02-30T10:00:00Z' }, /^timestamp: .*day 30/],
      [{ ...ORIGINAL_ENTRY, timestamp: null }, /^timestamp: /],
      [{ ...ORIGINAL_ENTRY, http_response_code: 600 }, /^http_response_code: .*between 100 and 599/],
      [{ ...ORIGINAL_ENTRY, http_response_code: 99 }, /^http_response_code: .*between 100 and 599/],
      [{ ...ORIGINAL_ENTRY, http_response_code: 200.5 }, /^http_response_code: .*integer/],
      [{ ...ORIGINAL_ENTRY, service_endpoint: '' }, /^service_endpoint: .*empty/],
      [[ORIGINAL_ENTRY], /^body: must be a JSON object/],
      ['just a string', /^body: must be a JSON object/],
    ];
    // The original's route answers an invalid body as FastAPI did: 422.
    for (const [body, message] of cases) expectRefusal(await detect(body), 422, message);
    expectRefusal(
      await s.call('POST', '/outlier/detect_batch', {
        entries: [ORIGINAL_ENTRY, { ...ORIGINAL_ENTRY, ip_address: '' }],
      }),
      400,
      /^entries\.1\.ip_address: /,
    );
    expectRefusal(await s.call('POST', '/outlier/detect_batch', { entries: [] }), 400, /^entries: /);
    const tooMany = Array.from({ length: 10_001 }, () => ORIGINAL_ENTRY);
    expectRefusal(await s.call('POST', '/outlier/detect_batch', { entries: tooMany }), 400, /at most 10,000/);
    // Not JSON at all.
    const broken = await request(s.port, 'POST', '/outlier/detect', {
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
      body: '{"timestamp": "2023-10-27T10:00:00Z", ',
    });
    expectRefusal(broken, 400, /JSON/);
    // Prototype pollution attempts are refused by the JSON parser.
    const proto = await request(s.port, 'POST', '/outlier/detect', {
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
      body: '{"__proto__": {"polluted": true}, "ip_address": "1.2.3.4"}',
    });
    expect(proto.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('415 for a JSON route sent another content type', async () => {
    const res = await request(s.port, 'POST', '/outlier/detect', {
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'text/plain' },
      body: JSON.stringify(ORIGINAL_ENTRY),
    });
    expectRefusal(res, 415, /^body: send it as application\/json \(got text\/plain\)$/);
    const form = await request(s.port, 'POST', '/outlier/detect', {
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'timestamp=now',
    });
    expectRefusal(form, 415, /application\/json/);
  });

  it('413 for JSON over 1 MiB (16 MiB for detect_batch), before any of it is parsed', async () => {
    expect(JSON_BODY_LIMIT).toBe(1024 * 1024);
    const big = { ...ORIGINAL_ENTRY, service_endpoint: 'x'.repeat(JSON_BODY_LIMIT) };
    expectRefusal(await detect(big), 413, /limited to 1048576 bytes/);
    const huge = { entries: [{ ...ORIGINAL_ENTRY, service_endpoint: 'y'.repeat(BATCH_BODY_LIMIT) }] };
    expectRefusal(await s.call('POST', '/outlier/detect_batch', huge), 413, /limited to 16777216 bytes/);
    // A batch bigger than 1 MiB but within its own limit is read (and validated: no model here).
    const entries = Array.from({ length: 10_000 }, (_, i) => ({ ...ORIGINAL_ENTRY, service_endpoint: `/p/${i}` }));
    expect(JSON.stringify({ entries }).length).toBeGreaterThan(JSON_BODY_LIMIT);
    expectRefusal(await s.call('POST', '/outlier/detect_batch', { entries }), 503, /train/i);
    const id = apiSourceId(s);
    expect(id === null ? 0 : scalar(s, 'SELECT count(*) FROM logs WHERE source_id = ?', id)).toBe(0);
  });

  it('404 for an unknown route and an unknown log id', async () => {
    expectRefusal(await s.call('GET', '/outlier/nothing'), 404, /^No route GET \/outlier\/nothing$/);
    expectRefusal(await s.call('POST', '/outlier/detect/extra', ORIGINAL_ENTRY), 404, /No route/);
    expectRefusal(await s.call('GET', '/logs/987654321'), 404, /log entry 987654321 does not exist/);
    expectRefusal(await s.call('GET', '/logs/not-a-number'), 400, /^id: /);
  });
});

describe('the port', () => {
  it('defaults to 8765, and a taken port is a clear PortInUseError', async () => {
    expect(DEFAULT_PORT).toBe(8765);
    const tmp = tempDir();
    const engine = await Engine.start({ dataDir: tmp.dir, schedule: false });
    const first = await createHttpServer(engine);
    const second = await createHttpServer(engine);
    try {
      const port = await listen(first, 0);
      const err = await listen(second, port).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortInUseError);
      expect((err as Error).message).toBe(
        `Port ${port} on 127.0.0.1 is already in use: pick another with --port N (or in Settings)`,
      );
      expect(first.server.address()).toMatchObject({ address: '127.0.0.1', port });
    } finally {
      await first.close();
      await second.close();
      await engine.close();
      tmp.cleanup();
    }
  });

  it('`serve --port N` on a taken port says so in one line and exits 1', async () => {
    const bundle = join(__dirname, '..', '..', '..', 'out', 'main', 'serve.js');
    expect(existsSync(bundle), 'run `npx electron-vite build` first').toBe(true);
    const blocker = Fastify();
    await blocker.listen({ host: '127.0.0.1', port: 0 });
    const port = (blocker.server.address() as { port: number }).port;
    const tmp = tempDir();
    try {
      const proc = spawn(process.execPath, [bundle, '--data-dir', tmp.dir, '--port', String(port)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const code = await new Promise<number | null>((r) => proc.on('exit', r));
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(
        `outlier-desk: Port ${port} on 127.0.0.1 is already in use: pick another with --port N (or in Settings)`,
      );
    } finally {
      await blocker.close();
      tmp.cleanup();
    }
  });
});
