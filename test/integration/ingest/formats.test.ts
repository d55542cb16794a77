import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { splitCsvRecord } from '../../../src/main/ingest/parse';
import { apacheLogBytes, apacheLogLines, parsedCsvLines } from '../../unit/ingest/fixtures';
import { count, duplicateLines, engineFixture, rawLines, type EngineFixture } from './engineFixture';

const line = (ip: string, ts: string, path: string, status: number) =>
  `${ip} - - [${ts}] "GET ${path} HTTP/1.1" ${status} 512 "-" "curl/8.0"`;

describe('ingesting real files', () => {
  let fx: EngineFixture;
  beforeEach(async () => (fx = await engineFixture()));
  afterEach(async () => fx.close());

  async function ingest(
    name: string,
    content: string | Buffer,
    format: 'auto' | 'combined' | 'jsonl' | 'csv' = 'auto',
  ) {
    const path = join(fx.dir, name);
    writeFileSync(path, content);
    const s = await fx.engine.api.addSource({ path, format, watch: false });
    await fx.engine.ingest.idle();
    return (await fx.engine.api.listSources({})).find((x) => x.id === s.id)!;
  }

  it('ingests the 10,000-line reference Apache log fully, field for field', async () => {
    const src = await ingest('apache_logs', apacheLogBytes());
    expect(src).toMatchObject({ lines: 10_000, parseErrors: 0, format: 'combined', status: 'done' });
    expect(src.bytesDone).toBe(apacheLogBytes().length);
    expect(count(fx.engine, 'SELECT count(*) FROM logs')).toBe(10_000);
    expect(rawLines(fx.engine, src.id)).toEqual(apacheLogLines());
    // Spot-check every row's parsed fields against the reference parse.
    const expected = parsedCsvLines()
      .slice(1)
      .map((l) => splitCsvRecord(l)!);
    const rows = fx.engine.db.prepare('SELECT line_no, ip, ts_ms, status FROM logs ORDER BY line_no').all() as Array<{
      line_no: number;
      ip: string;
      ts_ms: number;
      status: number;
    }>;
    rows.forEach((r, i) => {
      expect([r.line_no, r.ip, r.ts_ms, r.status]).toEqual([
        Number(expected[i][0]),
        expected[i][1],
        Number(expected[i][2]),
        Number(expected[i][7]),
      ]);
    });
    expect(duplicateLines(fx.engine)).toBe(0);
  });

  it('ingests JSON lines with common field names and counts the bad ones', async () => {
    const lines = [
      JSON.stringify({ '@timestamp': '2024-03-01T10:00:00+02:00', remote_addr: '10.0.0.1', path: '/a', status: 200 }),
      JSON.stringify({ time: '2024-03-01T08:00:01Z', client_ip: '2001:db8::1', request_uri: '/b', status_code: '404' }),
      '{"time": "2024-03-01T08:00:02Z", "ip": "10.0.0.2", "path": "/c", "status": "abc"}',
      'not json at all',
      '[1,2,3]',
    ];
    const src = await ingest('app.jsonl', lines.join('\n') + '\n');
    expect(src).toMatchObject({ format: 'jsonl', lines: 5, parseErrors: 3 });
    const rows = fx.engine.db.prepare('SELECT ip, ts_ms, endpoint, status FROM logs ORDER BY line_no').all();
    expect(rows).toEqual([
      { ip: '10.0.0.1', ts_ms: Date.UTC(2024, 2, 1, 8, 0, 0), endpoint: '/a', status: 200 },
      { ip: '2001:db8::1', ts_ms: Date.UTC(2024, 2, 1, 8, 0, 1), endpoint: '/b', status: 404 },
    ]);
    const errors = await fx.engine.api.sourceErrors({ id: src.id, limit: 10 });
    expect(errors.errors.map((e) => e.lineNo)).toEqual([3, 4, 5]);
    expect(errors.errors[0].reason).toMatch(/status/);
  });

  it("ingests CSV with the original's columns, CRLF line ends and quoted fields", async () => {
    const csv = [
      'timestamp,ip_address,service_endpoint,http_response_code',
      '2023-01-01 10:00:10,192.168.1.1,/home,200',
      '2023-01-01 10:00:20,192.168.1.1,"/api,v2",404',
      '2023-01-01 10:00:30,192.168.1.1,/home,500',
    ].join('\r\n');
    const src = await ingest('orig.csv', csv + '\r\n');
    expect(src).toMatchObject({ format: 'csv', lines: 4, parseErrors: 0 });
    const rows = fx.engine.db.prepare('SELECT ip, ts_ms, endpoint, status FROM logs ORDER BY line_no').all();
    expect(rows).toEqual([
      { ip: '192.168.1.1', ts_ms: 1672567210000, endpoint: '/home', status: 200 },
      { ip: '192.168.1.1', ts_ms: 1672567220000, endpoint: '/api,v2', status: 404 },
      { ip: '192.168.1.1', ts_ms: 1672567230000, endpoint: '/home', status: 500 },
    ]);
  });

  it('reads gzip files as streams', async () => {
    const src = await ingest('apache_logs.gz', gzipSync(apacheLogBytes()));
    expect(src).toMatchObject({ lines: 10_000, parseErrors: 0, status: 'done' });
    expect(rawLines(fx.engine, src.id)).toEqual(apacheLogLines());
  });

  it('counts binary junk and cuts a 1 MiB line without losing its neighbours', async () => {
    const junk = Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xc3, 0x28, 0x00]);
    const big = 'x'.repeat(1024 * 1024);
    const parts = [
      Buffer.from(line('10.1.1.1', '10/Oct/2023:13:55:36 +0000', '/one', 200) + '\n'),
      Buffer.concat([junk, Buffer.from('\n')]),
      Buffer.from(big + '\n'),
      Buffer.from(line('10.1.1.2', '10/Oct/2023:13:55:37 +0000', '/two', 404) + '\r\n'),
      Buffer.from(line('10.1.1.3', '10/Oct/2023:13:55:38 +0000', '/three', 500)), // no final newline: flushed at the end
    ];
    const src = await ingest('junk.log', Buffer.concat(parts), 'combined');
    expect(src).toMatchObject({ lines: 5, parseErrors: 2 });
    expect(fx.engine.db.prepare('SELECT endpoint FROM logs ORDER BY line_no').pluck().all()).toEqual([
      '/one',
      '/two',
      '/three',
    ]);
    const errors = await fx.engine.api.sourceErrors({ id: src.id, limit: 10 });
    expect(errors.errors.map((e) => e.lineNo)).toEqual([2, 3]);
    expect(errors.errors[1].reason).toMatch(/64 KiB/);
    expect(errors.errors[1].line.length).toBeLessThanOrEqual(2000);
  });

  it('refuses a path that does not exist, naming it', async () => {
    await expect(
      fx.engine.api.addSource({ path: join(fx.dir, 'nope.log'), format: 'auto', watch: true }),
    ).rejects.toThrow(/nope\.log does not exist/);
  });

  it("keeps a file's lines in the file (byte offsets), shows them again, and says when the file changed", async () => {
    const src = await ingest('kept.log', apacheLogBytes().subarray(0, 50_000), 'combined');
    const stored = fx.engine.db
      .prepare(
        'SELECT count(*) AS n, count(raw) AS copies, count(byte_offset) AS offsets FROM logs WHERE source_id = ?',
      )
      .get(src.id);
    expect(stored).toMatchObject({ copies: 0 });
    expect((stored as { n: number; offsets: number }).offsets).toBe((stored as { n: number }).n);
    const id = fx.engine.db
      .prepare('SELECT id FROM logs WHERE source_id = ? AND line_no = 7')
      .pluck()
      .get(src.id) as number;
    expect((await fx.engine.call('getLog', { id })).raw).toBe(apacheLogLines()[6]);

    // Rewritten with other content: the old offset no longer holds this entry's line.
    writeFileSync(join(fx.dir, 'kept.log'), 'x'.repeat(60_000) + '\n');
    expect((await fx.engine.call('getLog', { id })).raw).toBeNull();
  });
});
