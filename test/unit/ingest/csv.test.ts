import { describe, expect, it } from 'vitest';
import { createCsvParser, guessDelimiter, splitCsvRecord } from '../../../src/main/ingest/parse/csv';
import type { ParsedEntry, ParseResult } from '../../../src/main/ingest/parse/types';

function ok(r: ParseResult): ParsedEntry {
  if (!r.ok) throw new Error(r.reason);
  return r.entry;
}

function why(r: ParseResult): string {
  if (r.ok) throw new Error('expected an error');
  return r.reason;
}

/** The original project's test rows (seed_vector.json), as its CSV export would hold them. */
const SEED_CSV = [
  'timestamp,ip_address,service_endpoint,http_response_code',
  '2023-01-01 10:00:10,192.168.1.1,/home,200',
  '2023-01-01 10:00:20,192.168.1.1,/api,404',
  '2023-01-01 10:00:30,192.168.1.1,/home,500',
  '2023-01-01 10:00:40,192.168.1.2,/login,200',
  '2023-01-01 10:00:50,192.168.1.1,/api,401',
];
const SEED_TS = [1672567210000, 1672567220000, 1672567230000, 1672567240000, 1672567250000];

describe('splitCsvRecord', () => {
  it('follows RFC 4180 quoting', () => {
    expect(splitCsvRecord('a,b,c')).toEqual(['a', 'b', 'c']);
    expect(splitCsvRecord('"a,1","b ""q""",')).toEqual(['a,1', 'b "q"', '']);
    expect(splitCsvRecord('"",x')).toEqual(['', 'x']);
    expect(splitCsvRecord('a,b\r')).toEqual(['a', 'b']);
    expect(splitCsvRecord('"a","b"\r')).toEqual(['a', 'b']);
    expect(splitCsvRecord('a;"b;c"', ';')).toEqual(['a', 'b;c']);
    expect(splitCsvRecord('x,"unterminated')).toBeNull();
    expect(splitCsvRecord('')).toEqual(['']);
  });

  it('guesses the delimiter from the header', () => {
    expect(guessDelimiter('a,b,c')).toBe(',');
    expect(guessDelimiter('a;b;c')).toBe(';');
    expect(guessDelimiter('a\tb\tc')).toBe('\t');
    expect(guessDelimiter('"x;y",b,c')).toBe(',');
  });
});

describe('CSV parser', () => {
  it("reads the original's columns; the header is skipped, not an error", () => {
    const p = createCsvParser();
    expect(p.parse(SEED_CSV[0])).toEqual({ ok: false, reason: 'CSV header', skip: true });
    const entries = SEED_CSV.slice(1).map((l) => ok(p.parse(l)));
    expect(entries.map((e) => e.tsMs)).toEqual(SEED_TS);
    expect(entries[1]).toEqual({
      tsMs: 1672567220000,
      ip: '192.168.1.1',
      method: null,
      endpoint: '/api',
      protocol: null,
      status: 404,
      bytes: null,
      referer: null,
      userAgent: null,
    });
  });

  it('handles quotes, CRLF, a BOM, other column names and optional columns', () => {
    const p = createCsvParser();
    p.parse('\uFEFF"Time","Client_IP","Path","Status","Method","Bytes","User_Agent"\r');
    const e = ok(
      p.parse('"2023-01-01T10:00:00+01:00","10.0.0.1","/search?q=a,b ""c""",200,GET,-,"Mozilla/5.0 (X11, Linux)"\r'),
    );
    expect(e).toEqual({
      tsMs: Date.UTC(2023, 0, 1, 9),
      ip: '10.0.0.1',
      method: 'GET',
      endpoint: '/search?q=a,b "c"',
      protocol: null,
      status: 200,
      bytes: null,
      referer: null,
      userAgent: 'Mozilla/5.0 (X11, Linux)',
    });
    expect(ok(p.parse('1431857103,10.0.0.2,/x,304,,1024,')).bytes).toBe(1024);
  });

  it('splits a request column when there is no endpoint column', () => {
    const p = createCsvParser();
    p.parse('ts;clientip;request;status');
    expect(ok(p.parse('2023-01-01T00:00:00Z;1.1.1.1;GET /r HTTP/1.1;200'))).toMatchObject({
      method: 'GET',
      endpoint: '/r',
      protocol: 'HTTP/1.1',
    });
  });

  it('names the missing column on the header and on every row', () => {
    const p = createCsvParser();
    const header = why(p.parse('timestamp,ip_address,http_response_code'));
    expect(header).toMatch(/^CSV header: no endpoint column \(looked for endpoint, service_endpoint, path/);
    expect(why(p.parse('2023-01-01 10:00:10,192.168.1.1,200'))).toBe(header);
    expect(why(p.parse('2023-01-01 10:00:20,192.168.1.1,404'))).toBe(header);
    const two = createCsvParser();
    expect(why(two.parse('time,path'))).toMatch(/no ip column.*no status column/);
  });

  it('uses a FieldMapping for column names', () => {
    const p = createCsvParser({ timestamp: 'When', ip: 'Who', endpoint: 'What', status: 'Code' });
    p.parse('when,who,what,code');
    expect(ok(p.parse('2023-01-01T00:00:00Z,1.2.3.4,/w,503'))).toMatchObject({
      ip: '1.2.3.4',
      endpoint: '/w',
      status: 503,
    });
    const missing = createCsvParser({ ip: 'src' });
    expect(why(missing.parse('timestamp,ip,endpoint,status'))).toBe('CSV header: no column "src" (mapped to ip)');
  });

  it('reports bad rows with the column name', () => {
    const p = createCsvParser();
    p.parse(SEED_CSV[0]);
    expect(why(p.parse('2023-01-01 10:00:10,192.168.1.1,/home,abc'))).toBe(
      'field "http_response_code": "abc" is not an HTTP status (100..599)',
    );
    expect(why(p.parse('2023-02-30 10:00:10,192.168.1.1,/home,200'))).toMatch(/field "timestamp".*day 30/);
    expect(why(p.parse('2023-01-01 10:00:10,,/home,200'))).toBe('field "ip_address" is empty');
    expect(why(p.parse('2023-01-01 10:00:10,192.168.1.1'))).toMatch(/row has 2 fields/);
    expect(why(p.parse('2023-01-01 10:00:10,"192.168.1.1,/home,200'))).toMatch(/unterminated quoted field/);
    expect(p.parse('')).toMatchObject({ ok: false, skip: true });
  });

  it('exposes the header it read', () => {
    const p = createCsvParser();
    expect(p.header).toBeNull();
    p.parse(SEED_CSV[0]);
    expect(p.header?.index).toMatchObject({ timestamp: 0, ip: 1, endpoint: 2, status: 3, method: -1 });
  });
});
