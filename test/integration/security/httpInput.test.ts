/**
 * Issue 13: input the contract used to let through or answer with a 500 — the preview window
 * out of range, unknown keys on the original's routes (ignored silently), `__proto__` refused as
 * "not valid JSON", unknown query keys on the stream routes — each a 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type Answer } from '../../helpers/http';
import { startSecured, type Secured } from './httpHarness';

const ENTRY = {
  timestamp: '2023-10-27T10:00:00Z',
  ip_address: '10.0.0.5',
  service_endpoint: '/admin',
  http_response_code: 500,
};

function expect400(res: Answer, message: RegExp): void {
  expect(res.status, res.text).toBe(400);
  // The original's routes also carry FastAPI's `detail` (the message).
  const { detail, ...rest } = res.json() as { detail?: string; message: string };
  expect(rest).toEqual({ error: 'Bad Request', message: expect.stringMatching(message) });
  if (detail !== undefined) expect(detail).toBe(rest.message);
}

/** The original's routes answer an invalid body as FastAPI did: 422, the validation list in `detail`. */
function expect422(res: Answer, message: RegExp, loc: Array<string | number>): void {
  expect(res.status, res.text).toBe(422);
  const body = res.json() as { message: string; detail: Array<{ loc: unknown[]; type: string }> };
  expect(body.message).toMatch(message);
  expect(body.detail[0]).toMatchObject({ loc, type: 'extra_forbidden' });
}

describe('bad input is a 400 naming the field', () => {
  let s: Secured;
  const sources = () => s.engine.db.prepare('SELECT count(*) FROM sources').pluck().get() as number;
  beforeAll(async () => {
    s = await startSecured();
  });
  afterAll(async () => s.close());

  it('GET /features/preview keeps the window within the configuration’s bounds (was a 500 for window=0)', async () => {
    expect400(await s.call('GET', '/features/preview?window=0'), /^window: window must be at least 1s$/);
    expect400(await s.call('GET', '/features/preview?window=500'), /^window: window must be at least 1s$/);
    expect400(await s.call('GET', '/features/preview?window=8d'), /^window: window must be at most 7d$/);
    expect400(await s.call('GET', '/features/preview?window=-5'), /^window: /);
    expect400(await s.call('GET', '/features/preview?window=soon'), /^window: .*not a duration/);
    expect400(await s.call('GET', '/features/preview'), /^window: /);
    expect400(await s.call('GET', '/features/preview?window=5min&windw=1'), /^windw: unknown field$/);
    for (const window of ['5min', '300000', '1s', '7d']) {
      const ok = await s.call('GET', `/features/preview?window=${window}`);
      expect(ok.status, `${window}: ${ok.text}`).toBe(200);
    }
    expect(s.logLines.filter((l) => l.msg === 'request failed')).toEqual([]);
  });

  it('refuses unknown body keys on the original’s routes, naming them, before anything runs', async () => {
    const before = sources();
    expect422(await s.call('POST', '/data/generate_sample', { row: 10 }), /^row: unknown field$/, ['body', 'row']);
    expect(sources()).toBe(before);
    expect422(await s.call('POST', '/outlier/detect', { ...ENTRY, ip: '1.2.3.4' }), /^ip: unknown field$/, [
      'body',
      'ip',
    ]);
    expect400(
      await s.call('POST', '/outlier/detect_batch', { entries: [ENTRY, { ...ENTRY, status: 200 }] }),
      /^entries\.1\.status: unknown field$/,
    );
    expect400(
      await s.call('POST', '/outlier/detect_batch', { entries: [ENTRY], dry_run: true }),
      /^dry_run: unknown field$/,
    );
    expect422(await s.call('POST', '/model/train_models', { models: ['lof'] }), /^models: unknown field$/, [
      'body',
      'models',
    ]);
    expect422(await s.call('POST', '/features/generate_features', { force: true }), /^force: unknown field$/, [
      'body',
      'force',
    ]);
    expect422(await s.call('POST', '/outlier/reload_models', { version: 3 }), /^version: unknown field$/, [
      'body',
      'version',
    ]);
    expect(sources()).toBe(before);
  });

  it('refuses __proto__ and constructor keys by their path, however they are spelt', async () => {
    const raw = (path: string, body: string) => s.call('POST', path, body);
    expect400(
      await raw('/outlier/detect', '{"__proto__": {"polluted": true}, "ip_address": "1.2.3.4"}'),
      /^__proto__: this key is not allowed$/,
    );
    expect400(
      await raw('/data/generate_sample', '{"rows": 10, "constructor": {"prototype": {"polluted": true}}}'),
      /^constructor: this key is not allowed$/,
    );
    expect400(
      await raw('/outlier/detect_batch', `{"entries": [${JSON.stringify(ENTRY)}, {"\\u005f_proto__": {"x": 1}}]}`),
      /^entries\.1\.__proto__: this key is not allowed$/,
    );
    expect400(await raw('/config', '{"jsonMapping": {"__proto__": {"ip": "x"}}}'), /^jsonMapping\.__proto__: /);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Not JSON at all is still said so.
    expect400(await raw('/outlier/detect', '{"timestamp": '), /^body: not valid JSON/);
  });

  it('validates the query of POST /ingest and GET /features/export with their schemas, unknown keys included', async () => {
    const auth = { Authorization: `Bearer ${s.token()}` };
    const ingest = (query: string) => request(s.port, 'POST', `/ingest${query}`, { headers: auth, body: 'x' });
    const before = sources();
    expect400(await ingest('?nme=a.log'), /^nme: unknown field$/);
    expect400(await ingest('?format=syslog'), /^format: /);
    expect400(await ingest('?name='), /^name: /);
    expect(sources()).toBe(before);
    expect400(await s.call('GET', '/features/export?source_id=3'), /^source_id: unknown field$/);
    expect400(await s.call('GET', '/features/export?source=abc'), /^source: /);
    expect((await s.call('GET', '/features/export')).status).toBe(200);
  });
});
