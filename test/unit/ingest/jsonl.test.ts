import { describe, expect, it } from 'vitest';
import { createJsonlParser, parseJsonLine } from '../../../src/main/ingest/parse/jsonl';
import type { ParsedEntry, ParseResult } from '../../../src/main/ingest/parse/types';

function ok(r: ParseResult): ParsedEntry {
  if (!r.ok) throw new Error(r.reason);
  return r.entry;
}

function why(r: ParseResult): string {
  if (r.ok) throw new Error('expected an error');
  return r.reason;
}

const line = (o: unknown): string => JSON.stringify(o);

describe('JSON lines', () => {
  it('finds the original API body names by itself', () => {
    const e = ok(
      parseJsonLine(
        line({
          timestamp: '2023-01-01 10:00:10',
          ip_address: '192.168.1.1',
          service_endpoint: '/home',
          http_response_code: 200,
        }),
      ),
    );
    expect(e).toEqual({
      tsMs: 1_672_567_210_000,
      ip: '192.168.1.1',
      method: null,
      endpoint: '/home',
      protocol: null,
      status: 200,
      bytes: null,
      referer: null,
      userAgent: null,
    });
  });

  it('reads an Nginx-style object: @timestamp with offset, remote_addr, request line, string status', () => {
    const e = ok(
      parseJsonLine(
        line({
          '@timestamp': '2015-05-17T12:05:03+02:00',
          remote_addr: '2001:db8::7',
          request: 'POST /api/login?x=1 HTTP/2.0',
          status: '401',
          body_bytes_sent: '512',
          http_referer: '-',
          http_user_agent: 'curl/8.5.0',
        }),
      ),
    );
    expect(e).toEqual({
      tsMs: 1_431_857_103_000,
      ip: '2001:db8::7',
      method: 'POST',
      endpoint: '/api/login?x=1',
      protocol: 'HTTP/2.0',
      status: 401,
      bytes: 512,
      referer: null,
      userAgent: 'curl/8.5.0',
    });
  });

  it('takes each alias, epoch numbers and nested (ECS) fields', () => {
    expect(ok(parseJsonLine(line({ ts: 1_431_857_103, clientip: '1.1.1.1', path: '/a', status_code: 204 }))).tsMs).toBe(
      1_431_857_103_000,
    );
    expect(
      ok(parseJsonLine(line({ time: 1_431_857_103_000, client_ip: '1.1.1.1', url: '/b', response_code: 500 }))).status,
    ).toBe(500);
    expect(
      ok(parseJsonLine(line({ timestamp: '2015-05-17T10:05:03Z', ip: 'x', uri: '/c', status: 200 }))).endpoint,
    ).toBe('/c');
    expect(
      ok(parseJsonLine(line({ timestamp: '2015-05-17T10:05:03Z', remote_addr: 'x', request_uri: '/d?q', status: 200 })))
        .endpoint,
    ).toBe('/d?q');
    const ecs = ok(
      parseJsonLine(
        line({
          '@timestamp': '2015-05-17T10:05:03.250Z',
          source: { ip: '10.1.2.3' },
          url: { path: '/ecs' },
          http: { request: { method: 'GET' }, response: { status_code: 200, body: { bytes: 99 } } },
          user_agent: { original: 'UA' },
        }),
      ),
    );
    expect(ecs).toMatchObject({
      tsMs: 1_431_857_103_250,
      ip: '10.1.2.3',
      endpoint: '/ecs',
      method: 'GET',
      status: 200,
      bytes: 99,
      userAgent: 'UA',
    });
  });

  it('matches key names case-insensitively', () => {
    const e = ok(
      parseJsonLine(line({ Timestamp: '2023-01-01T00:00:00Z', IP: '1.2.3.4', Endpoint: '/x', Status: 404 })),
    );
    expect(e).toMatchObject({ ip: '1.2.3.4', endpoint: '/x', status: 404 });
  });

  it('uses a FieldMapping, including dotted paths', () => {
    const p = createJsonlParser({
      timestamp: 'when',
      ip: 'who.addr',
      endpoint: 'what',
      status: 'code',
      method: 'verb',
      bytes: 'size',
      userAgent: 'client',
    });
    const e = ok(
      p.parse(
        line({
          when: '2023-01-01T00:00:00Z',
          who: { addr: '9.9.9.9' },
          what: '/m',
          code: 302,
          verb: 'GET',
          size: 0,
          client: 'ua',
        }),
      ),
    );
    expect(e).toMatchObject({
      tsMs: Date.UTC(2023, 0, 1),
      ip: '9.9.9.9',
      endpoint: '/m',
      status: 302,
      method: 'GET',
      bytes: 0,
      userAgent: 'ua',
    });
    expect(p.format).toBe('jsonl');
    expect(why(p.parse(line({ timestamp: '2023-01-01T00:00:00Z', who: { addr: '1' }, what: '/m', code: 200 })))).toBe(
      'no field "when" (mapped to timestamp)',
    );
  });

  it('names the missing field and the names it looked for', () => {
    const r = why(parseJsonLine(line({ timestamp: '2023-01-01T00:00:00Z', endpoint: '/x', status: 200 })));
    expect(r).toMatch(/^no ip field \(looked for ip, ip_address, remote_addr, client_ip, clientip/);
    expect(why(parseJsonLine(line({ timestamp: '2023-01-01T00:00:00Z', ip: '1', status: 200 })))).toMatch(
      /no endpoint field/,
    );
  });

  it('rejects values of the wrong type, naming the field', () => {
    const base = { timestamp: '2023-01-01T00:00:00Z', ip: '1.2.3.4', endpoint: '/x', status: 200 };
    expect(why(parseJsonLine(line({ ...base, status: 'abc' })))).toBe(
      'field "status": "abc" is not an HTTP status (100..599)',
    );
    expect(why(parseJsonLine(line({ ...base, status: 99 })))).toMatch(/field "status": number 99/);
    expect(why(parseJsonLine(line({ ...base, status: 200.5 })))).toMatch(/field "status"/);
    expect(why(parseJsonLine(line({ ...base, status: { code: 200 } })))).toMatch(
      /field "status": expected an HTTP status number, got an object/,
    );
    expect(why(parseJsonLine(line({ ...base, ip: { v4: '1.2.3.4' } })))).toBe(
      'field "ip": expected a string, got an object',
    );
    expect(why(parseJsonLine(line({ ...base, endpoint: ['/x'] })))).toMatch(
      /field "endpoint": expected a string, got an array/,
    );
    expect(why(parseJsonLine(line({ ...base, timestamp: true })))).toMatch(/field "timestamp": expected a timestamp/);
    expect(why(parseJsonLine(line({ ...base, timestamp: 'NaN' })))).toMatch(/field "timestamp": unrecognised/);
    expect(why(parseJsonLine(line({ ...base, timestamp: '2023-02-30T00:00:00Z' })))).toMatch(
      /field "timestamp".*day 30/,
    );
    expect(why(parseJsonLine(line({ ...base, bytes: 'lots' })))).toMatch(/field "bytes"/);
    expect(why(parseJsonLine(line({ ...base, ip: null })))).toMatch(/field "ip" is empty/);
    // JSON has no NaN, but 1e999 overflows to Infinity.
    expect(why(parseJsonLine('{"timestamp":1e999,"ip":"1","endpoint":"/","status":200}'))).toMatch(
      /field "timestamp".*finite/,
    );
  });

  it('rejects invalid JSON and non-objects', () => {
    expect(why(parseJsonLine('{"timestamp": '))).toMatch(/^invalid JSON/);
    expect(why(parseJsonLine('not json'))).toMatch(/^invalid JSON/);
    expect(why(parseJsonLine('[1,2]'))).toBe('JSON line is an array, not an object');
    expect(why(parseJsonLine('42'))).toBe('JSON line is a number, not an object');
    expect(why(parseJsonLine('null'))).toBe('JSON line is null, not an object');
    expect(parseJsonLine('  ')).toMatchObject({ ok: false, skip: true });
  });

  it('does not find inherited properties', () => {
    const p = createJsonlParser({ ip: 'constructor' });
    expect(why(p.parse(line({ timestamp: '2023-01-01T00:00:00Z', endpoint: '/', status: 200 })))).toMatch(
      /"constructor"/,
    );
  });
});
