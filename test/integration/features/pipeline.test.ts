import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheLogBytes } from '../../unit/ingest/fixtures';
import { request, startTestServer, type TestServer } from '../../helpers/http';
import { waitFor } from '../../helpers/wait';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'features');

/** pandas' reference: line_no → "request_count,client_error_count,server_error_count". */
function reference(name: string): Map<number, string> {
  const lines = gunzipSync(readFileSync(join(FIXTURES, name)))
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .slice(1);
  return new Map(
    lines.map((l) => {
      const [lineNo, , , rc, ce, se] = l.split(',');
      return [Number(lineNo), `${rc},${ce},${se}`];
    }),
  );
}

/** GET /features/export parsed: line_no → counts, for one source. */
async function exported(s: TestServer, sourceId: number): Promise<Map<number, string>> {
  const res = await request(s.port, 'GET', `/features/export?source=${sourceId}`, {
    headers: { Authorization: `Bearer ${s.token}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/text\/csv/);
  const [header, ...rows] = res.text.trimEnd().split('\n');
  expect(header).toBe('source,line_no,ip,ts_ms,request_count,client_error_count,server_error_count');
  return new Map(
    rows.map((r) => {
      const cells = r.split(',');
      return [Number(cells[cells.length - 6]), cells.slice(-3).join(',')];
    }),
  );
}

function mismatches(got: Map<number, string>, want: Map<number, string>): number {
  let bad = Math.abs(got.size - want.size);
  for (const [line, v] of want) if (got.get(line) !== v) bad++;
  return bad;
}

describe('features through the real pipeline: file → SQLite → export', () => {
  let s: TestServer;
  let sourceId: number;
  beforeAll(async () => {
    s = await startTestServer();
    const path = join(s.dataDir, 'apache_logs');
    writeFileSync(path, apacheLogBytes());
    const res = await s.call('POST', '/sources', { path, watch: false });
    sourceId = (res.json() as { id: number }).id;
    await s.engine.ingest.idle();
  });
  afterAll(async () => s.close());

  it('equals pandas on every line of the real Apache log for the 5 min window', async () => {
    const res = await s.call('POST', '/features/generate_features', {});
    expect(res.json()).toEqual({ status: 'success', message: 'Feature generation task completed successfully.' });
    expect(mismatches(await exported(s, sourceId), reference('apache_logs.features_5min.csv.gz'))).toBe(0);
  });

  it('recomputes on a window change (PUT /config) and then equals pandas for 1 h', async () => {
    const events: string[] = [];
    const off = s.engine.events.on((e) => events.push(e.type));
    const res = await s.call('PUT', '/config', { window: '1h' });
    expect(res.json()).toMatchObject({ windowMs: 3_600_000 });
    await waitFor(
      () => s.engine.db.prepare('SELECT count(*) FROM features WHERE window_ms = 3600000').pluck().get() === 10_000,
      'the 1 h recompute',
    );
    off();
    expect(events).toContain('features-progress');
    expect(mismatches(await exported(s, sourceId), reference('apache_logs.features_1h.csv.gz'))).toBe(0);
  });

  it("keeps the original's unit-test vector (CSV with its columns, 5 min window)", async () => {
    await s.call('PUT', '/config', { window: '5min' });
    const vector = JSON.parse(readFileSync(join(FIXTURES, 'seed_vector.json'), 'utf8')) as {
      logs: Array<{ timestamp: string; ip_address: string; service_endpoint: string; http_response_code: number }>;
      expected: Array<{ request_count: number; client_error_count: number; server_error_count: number }>;
    };
    const csv = [
      'timestamp,ip_address,service_endpoint,http_response_code',
      ...vector.logs.map((l) => `${l.timestamp},${l.ip_address},${l.service_endpoint},${l.http_response_code}`),
    ].join('\n');
    const path = join(s.dataDir, 'original.csv');
    writeFileSync(path, csv + '\n');
    const src = (await s.call('POST', '/sources', { path, watch: false })).json() as { id: number };
    await s.engine.ingest.idle();
    await waitFor(
      () => s.engine.db.prepare('SELECT count(*) FROM features WHERE window_ms = 300000').pluck().get() === 10_005,
      'features of every row under 5 min',
    );
    const got = await exported(s, src.id);
    // Line 1 is the header; entries are lines 2..6.
    expect(vector.expected.map((_, i) => got.get(i + 2))).toEqual(
      vector.expected.map((e) => `${e.request_count},${e.client_error_count},${e.server_error_count}`),
    );
  });
});
