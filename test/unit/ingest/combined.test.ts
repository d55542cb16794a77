import { describe, expect, it } from 'vitest';
import { createCombinedParser, parseCombined } from '../../../src/main/ingest/parse/combined';
import type { ParsedEntry, ParseResult } from '../../../src/main/ingest/parse/types';

function entry(line: string): ParsedEntry {
  const r = parseCombined(line);
  if (!r.ok) throw new Error(`expected a parse, got: ${r.reason}`);
  return r.entry;
}

function reason(line: string): string {
  const r: ParseResult = parseCombined(line);
  if (r.ok) throw new Error(`expected an error for ${line}`);
  return r.reason;
}

const TS = '[10/Oct/2000:13:55:36 -0700]';
const TS_MS = Date.UTC(2000, 9, 10, 20, 55, 36);
const TAIL = '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"';

describe('combined / common log format', () => {
  it('parses the Apache documentation example', () => {
    expect(entry(`127.0.0.1 - frank ${TS} "GET /apache_pb.gif HTTP/1.0" 200 2326 ${TAIL}`)).toEqual({
      tsMs: TS_MS,
      ip: '127.0.0.1',
      method: 'GET',
      endpoint: '/apache_pb.gif',
      protocol: 'HTTP/1.0',
      status: 200,
      bytes: 2326,
      referer: 'http://www.example.com/start.html',
      userAgent: 'Mozilla/4.08 [en] (Win98; I ;Nav)',
    });
  });

  it('takes IPv6 clients', () => {
    for (const ip of ['2001:db8::1', '::1', '::ffff:10.0.0.1', 'fe80::1ff:fe23:4567:890a%eth0']) {
      expect(entry(`${ip} - - ${TS} "GET / HTTP/1.1" 200 10`).ip).toBe(ip);
    }
  });

  it('honours the zone offset', () => {
    const at = (zone: string) => entry(`1.2.3.4 - - [01/Jan/2024:00:00:00 ${zone}] "GET / HTTP/1.1" 200 1`).tsMs;
    expect(at('+0000')).toBe(Date.UTC(2024, 0, 1));
    expect(at('+0530')).toBe(Date.UTC(2023, 11, 31, 18, 30));
    expect(at('-1000')).toBe(Date.UTC(2024, 0, 1, 10));
  });

  it('reads `-` bytes as null', () => {
    expect(entry(`1.2.3.4 - - ${TS} "GET / HTTP/1.1" 304 - ${TAIL}`).bytes).toBeNull();
    expect(entry(`1.2.3.4 - - ${TS} "GET / HTTP/1.1" 304 0`).bytes).toBe(0);
  });

  it('un-escapes quotes inside request, referer and agent', () => {
    const e = entry(
      `1.2.3.4 - - ${TS} "GET /search?q=\\"x\\"&p=a\\\\b HTTP/1.1" 200 5 "http://r/\\"q\\"" "Agent \\"quoted\\" 1.0"`,
    );
    expect(e.endpoint).toBe('/search?q="x"&p=a\\b');
    expect(e.method).toBe('GET');
    expect(e.protocol).toBe('HTTP/1.1');
    expect(e.referer).toBe('http://r/"q"');
    expect(e.userAgent).toBe('Agent "quoted" 1.0');
  });

  it('keeps an escaped backslash right before the closing quote', () => {
    const e = entry(`1.2.3.4 - - ${TS} "GET /dir\\\\ HTTP/1.1" 200 5 "-" "ua\\\\"`);
    expect(e.endpoint).toBe('/dir\\');
    expect(e.userAgent).toBe('ua\\');
  });

  it('handles odd request lines: bare -, empty, only a path, HTTP/0.9, spaces in the path', () => {
    const req = (r: string) => {
      const e = entry(`1.2.3.4 - - ${TS} "${r}" 400 0 "-" "-"`);
      return [e.method, e.endpoint, e.protocol];
    };
    expect(req('-')).toEqual([null, '-', null]);
    expect(req('')).toEqual([null, '-', null]);
    expect(req('/only/a/path')).toEqual([null, '/only/a/path', null]);
    expect(req('GET /old')).toEqual(['GET', '/old', null]);
    expect(req('/x HTTP/1.1')).toEqual([null, '/x', 'HTTP/1.1']);
    expect(req('GET /a b  c HTTP/1.1')).toEqual(['GET', '/a b  c', 'HTTP/1.1']);
    expect(req('M-SEARCH * HTTP/1.1')).toEqual(['M-SEARCH', '*', 'HTTP/1.1']);
    expect(req('GET')).toEqual([null, 'GET', null]);
  });

  it('keeps binary junk in the request as the endpoint', () => {
    // Apache writes the bytes of a TLS hello sent to a plain port as \x escapes.
    const escaped = '\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03';
    const e = entry(`1.2.3.4 - - ${TS} "${escaped}" 400 226 "-" "-"`);
    expect(e).toMatchObject({
      method: null,
      endpoint: escaped,
      protocol: null,
      status: 400,
      referer: null,
      userAgent: null,
    });
    // Raw control characters and replacement characters (what a lossy decoder leaves).
    const raw = '\u0016\u0003\u0001\u0000\ufffd\ufffd junk \u0001';
    expect(entry(`1.2.3.4 - - ${TS} "${raw}" 400 0`).endpoint).toBe(raw);
  });

  it('parses the common format (no referer / agent)', () => {
    const e = entry(`127.0.0.1 - frank ${TS} "GET /apache_pb.gif HTTP/1.0" 200 2326`);
    expect(e).toMatchObject({ status: 200, bytes: 2326, referer: null, userAgent: null });
    expect(entry(`127.0.0.1 - - ${TS} "GET / HTTP/1.0" 200 -`).bytes).toBeNull();
  });

  it('ignores extra Nginx fields after the agent, and a trailing CR', () => {
    const e = entry(`10.0.0.1 - - ${TS} "GET / HTTP/2.0" 200 612 "-" "curl/8.5.0" "203.0.113.9" rt=0.003`);
    expect(e).toMatchObject({ protocol: 'HTTP/2.0', userAgent: 'curl/8.5.0', referer: null });
    expect(entry(`10.0.0.1 - - ${TS} "GET / HTTP/1.1" 200 612\r`).bytes).toBe(612);
  });

  it('rejects bad status codes', () => {
    for (const s of ['999', '099', '600', '2000', '20', 'abc', '-']) {
      expect(reason(`1.2.3.4 - - ${TS} "GET / HTTP/1.1" ${s} 5 ${TAIL}`)).toMatch(/status/);
    }
    for (const s of ['100', '599']) expect(entry(`1.2.3.4 - - ${TS} "GET / HTTP/1.1" ${s} 5`).status).toBe(Number(s));
  });

  it('rejects bad bytes', () => {
    expect(reason(`1.2.3.4 - - ${TS} "GET / HTTP/1.1" 200 12ab ${TAIL}`)).toMatch(/bytes/);
    expect(reason(`1.2.3.4 - - ${TS} "GET / HTTP/1.1" 200 x`)).toMatch(/bytes/);
  });

  it('rejects bad dates with the reason', () => {
    const bad = (ts: string) => reason(`1.2.3.4 - - [${ts}] "GET / HTTP/1.1" 200 5`);
    expect(bad('30/Feb/2015:10:00:00 +0000')).toMatch(/day 30/);
    expect(bad('29/Feb/2015:10:00:00 +0000')).toMatch(/day 29/);
    expect(bad('17/Foo/2015:10:00:00 +0000')).toMatch(/month/);
    expect(bad('17/May/2015:24:00:00 +0000')).toMatch(/hour/);
    expect(bad('17/May/2015:10:60:00 +0000')).toMatch(/minute/);
    expect(bad('17/May/1969:10:00:00 +0000')).toMatch(/year 1969/);
    expect(bad('17/May/2015:10:00:00')).toMatch(/timestamp/);
    expect(bad('2015-05-17T10:00:00Z')).toMatch(/timestamp/);
    expect(entry('1.2.3.4 - - [29/Feb/2016:10:00:00 +0000] "GET / HTTP/1.1" 200 5').tsMs).toBe(
      Date.UTC(2016, 1, 29, 10),
    );
  });

  it('reports every truncation of a line without throwing', () => {
    const line = `1.2.3.4 - - ${TS} "GET /a HTTP/1.1" 200 2326 ${TAIL}`;
    const afterBytes = line.indexOf(' 2326') + 5;
    for (let k = 0; k <= line.length; k++) {
      const r = parseCombined(line.slice(0, k));
      if (k < line.indexOf(' 200') + 4) {
        expect(r.ok, `cut at ${k}`).toBe(false);
        if (!r.ok && k > 0) expect(r.reason.length).toBeGreaterThan(5);
      } else if (k >= afterBytes) {
        // Cut inside referer or agent: the entry is usable, the cut field runs to the end.
        expect(r.ok, `cut at ${k}`).toBe(true);
        if (r.ok) expect(r.entry.bytes).toBe(2326);
      }
    }
    expect(reason(line.slice(0, line.indexOf('HTTP/1.1')))).toMatch(/unterminated "request"/);
    expect(reason(line.slice(0, line.indexOf('" 200') + 1))).toMatch(/no status/);
  });

  it('rejects lines that are not log lines', () => {
    expect(reason('hello world')).toMatch(/timestamp/);
    expect(reason('{"json": true}')).toMatch(/timestamp/);
    expect(reason('nospaces')).toMatch(/not a combined/);
    expect(reason(`1.2.3.4 - - ${TS} GET / HTTP/1.1 200 5`)).toMatch(/request/);
    expect(reason(` 1.2.3.4 - - ${TS} "GET / HTTP/1.1" 200 5`)).toMatch(/client/);
  });

  it('skips blank lines instead of counting them as errors', () => {
    expect(parseCombined('')).toEqual({ ok: false, reason: 'blank line', skip: true });
    expect(parseCombined('   \t')).toMatchObject({ ok: false, skip: true });
  });

  it('works through the LineParser interface', () => {
    const p = createCombinedParser();
    expect(p.format).toBe('combined');
    expect(p.parse(`1.2.3.4 - - ${TS} "GET / HTTP/1.1" 200 5`).ok).toBe(true);
  });
});
