import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseCombined } from '../../../src/main/ingest/parse/combined';
import type { ParsedEntry } from '../../../src/main/ingest/parse/types';
import { apacheLogBytes, apacheLogLines, parsedCsvLines } from './fixtures';

/** A small RFC 4180 record reader of its own, so the check does not lean on csv.ts. */
function readRecord(line: string): string[] {
  const out: string[] = [];
  const re = /(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) {
    out.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]);
    if (re.lastIndex === line.length) break;
  }
  return out;
}

describe('reference Apache log (elastic/examples apache_logs)', () => {
  const lines = apacheLogLines();
  const csv = parsedCsvLines();

  it('is the byte-for-byte copy the reference describes', () => {
    const bytes = apacheLogBytes();
    expect(bytes.length).toBe(2_370_789);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      'f15c31e905f86c7b4b6ab44aee74d0a2086dce89f010187d983edea7ef0364ef',
    );
    expect(lines).toHaveLength(10_000);
    expect(csv[0]).toBe('line_no,ip,ts_ms,ts_raw,method,path,protocol,status,bytes,request');
    expect(csv).toHaveLength(10_001);
  });

  it('parses every line to exactly the expected fields', () => {
    const failures: string[] = [];
    const mismatches: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const r = parseCombined(lines[i]);
      if (!r.ok) {
        failures.push(`${i + 1}: ${r.reason}`);
        continue;
      }
      const [lineNo, ip, tsMs, , method, path, protocol, status, bytes] = readRecord(csv[i + 1]);
      const e = r.entry;
      const expected = {
        ip,
        tsMs: Number(tsMs),
        method,
        endpoint: path,
        protocol,
        status: Number(status),
        bytes: bytes === '' ? null : Number(bytes),
      };
      const got = {
        ip: e.ip,
        tsMs: e.tsMs,
        method: e.method,
        endpoint: e.endpoint,
        protocol: e.protocol,
        status: e.status,
        bytes: e.bytes,
      };
      expect(Number(lineNo)).toBe(i + 1);
      if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push(`${i + 1}: ${JSON.stringify(got)}`);
    }
    expect(failures).toEqual([]);
    expect(mismatches).toEqual([]);
  });

  it('agrees with the reference summary', () => {
    const entries = lines.map((l) => parseCombined(l)).flatMap((r) => (r.ok ? [r.entry] : []));
    const statusCounts: Record<string, number> = {};
    for (const e of entries) statusCounts[e.status] = (statusCounts[e.status] ?? 0) + 1;
    expect(statusCounts).toEqual({ 200: 9126, 206: 45, 301: 164, 304: 445, 403: 2, 404: 213, 416: 2, 500: 3 });
    expect(new Set(entries.map((e) => e.ip)).size).toBe(1753);
    expect(entries.filter((e) => e.bytes === null)).toHaveLength(669);
    expect(Math.min(...entries.map((e) => e.tsMs))).toBe(1_431_857_100_000);
    expect(Math.max(...entries.map((e) => e.tsMs))).toBe(1_432_155_959_000);
  });

  it('reads referer and agent, including the one line whose agent lost its closing quote', () => {
    const first = parseCombined(lines[0]);
    expect(first.ok && first.entry).toMatchObject<Partial<ParsedEntry>>({
      referer: 'http://semicomplete.com/presentations/logstash-monitorama-2013/',
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36',
    });
    const cut = lines.findIndex((l) => l.split('"').length !== 7);
    expect(cut).toBeGreaterThan(0);
    const r = parseCombined(lines[cut]);
    expect(r.ok && r.entry.userAgent).toBe('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html');
    expect(r.ok && r.entry.referer).toBeNull();
  });
});
