/**
 * Hostile log lines: what a web server, an attacker or a broken disk can put in a log. Each
 * case says what must happen to it: parsed (with the listed fields), an error, or skipped
 * (blank). The corpus is built as bytes, so invalid UTF-8 and NUL bytes reach the parsers as such.
 */
export type Expect = 'parsed' | 'error' | 'skipped' | 'either';
// Notes on two cases: a line of NUL bytes (what a log holds after a crash preallocated it) is
// treated as blank and skipped; an epoch number of 253402300799000 (year 9999 in ms) is read as
// microseconds (1978) by the epoch heuristic, so it is "either": parsed, with an in-range time.

export interface HostileCase {
  name: string;
  bytes: Buffer;
  expect: Expect;
  /** For parsed lines: fields that must come out exactly so. */
  fields?: Partial<{ ip: string; endpoint: string; status: number; bytes: number | null; userAgent: string | null }>;
}

const TS = '[12/Oct/2023:10:00:00 +0000]';
const line = (ip: string, request: string, status = '200', bytes = '512', tail = ' "-" "curl/8"') =>
  `${ip} - - ${TS} "${request}" ${status} ${bytes}${tail}`;
const b = (s: string) => Buffer.from(s, 'utf8');

/** Deterministic pseudo-random bytes without a newline (a newline would make it several lines). */
function binary(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const v = (x >>> 16) & 0xff;
    out[i] = v === 0x0a ? 0x0b : v;
  }
  return out;
}

export const COMBINED_CORPUS: HostileCase[] = [
  {
    name: 'a normal line',
    bytes: b(line('10.0.0.1', 'GET /ok HTTP/1.1')),
    expect: 'parsed',
    fields: { ip: '10.0.0.1', endpoint: '/ok', status: 200, bytes: 512 },
  },
  { name: 'binary garbage', bytes: binary(300, 7), expect: 'error' },
  {
    name: 'binary garbage starting like an address',
    bytes: Buffer.concat([b('10.0.0.9 '), binary(200, 11)]),
    expect: 'error',
  },
  { name: 'NUL bytes only', bytes: Buffer.alloc(40, 0), expect: 'skipped' },
  {
    name: 'NUL inside the user agent',
    bytes: b(line('10.0.0.2', 'GET /nul HTTP/1.1', '200', '1', ' "-" "ag\u0000ent"')),
    expect: 'parsed',
    fields: { endpoint: '/nul', userAgent: 'ag\u0000ent' },
  },
  { name: 'NUL in the address', bytes: b(line('10.0\u0000.0.3', 'GET /x HTTP/1.1')), expect: 'either' },
  {
    name: 'invalid UTF-8 in the path',
    bytes: Buffer.concat([
      b('10.0.0.4 - - ' + TS + ' "GET /caf'),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
      b(' HTTP/1.1" 200 5 "-" "x"'),
    ]),
    expect: 'parsed',
    fields: { status: 200, bytes: 5 },
  },
  {
    name: 'a truncated multi-byte character at the end',
    bytes: Buffer.concat([b(line('10.0.0.5', 'GET /e HTTP/1.1', '200', '5', ' "-" "ua')), Buffer.from([0xe2, 0x82])]),
    expect: 'either',
  },
  {
    name: 'ANSI escapes in path and agent',
    bytes: b(line('10.0.0.6', 'GET /\u001b[31mred\u001b[0m HTTP/1.1', '404', '0', ' "-" "\u001b]0;pwned\u0007"')),
    expect: 'parsed',
    fields: { endpoint: '/\u001b[31mred\u001b[0m', status: 404 },
  },
  {
    name: 'an escape sequence instead of an address',
    bytes: b('\u001b[2J\u001b[H' + line('', 'GET / HTTP/1.1').slice(0)),
    expect: 'either',
  },
  {
    name: 'bytes beyond 2^53',
    bytes: b(line('10.0.0.7', 'GET /big HTTP/1.1', '200', '99999999999999999999')),
    expect: 'error',
  },
  {
    name: 'bytes with 15 digits',
    bytes: b(line('10.0.0.7', 'GET /big15 HTTP/1.1', '200', '999999999999999')),
    expect: 'parsed',
    fields: { bytes: 999999999999999 },
  },
  { name: 'negative bytes', bytes: b(line('10.0.0.7', 'GET /neg HTTP/1.1', '200', '-5')), expect: 'error' },
  { name: 'a five-digit status', bytes: b(line('10.0.0.8', 'GET /s HTTP/1.1', '99999')), expect: 'error' },
  { name: 'status 999', bytes: b(line('10.0.0.8', 'GET /s HTTP/1.1', '999')), expect: 'error' },
  { name: 'year 9999', bytes: b('10.0.0.9 - - [31/Dec/9999:23:59:59 +0000] "GET /y HTTP/1.1" 200 1'), expect: 'error' },
  { name: 'year 0000', bytes: b('10.0.0.9 - - [01/Jan/0000:00:00:00 +0000] "GET /y HTTP/1.1" 200 1'), expect: 'error' },
  {
    name: 'month 13 and day 32',
    bytes: b('10.0.0.9 - - [32/Xyz/2023:25:61:61 +0000] "GET /y HTTP/1.1" 200 1'),
    expect: 'error',
  },
  {
    name: 'a time zone of +9999',
    bytes: b('10.0.0.9 - - [12/Oct/2023:10:00:00 +9999] "GET /y HTTP/1.1" 200 1'),
    expect: 'either',
  },
  {
    name: 'IPv6 client',
    bytes: b(line('2001:db8::1', 'GET /v6 HTTP/1.1')),
    expect: 'parsed',
    fields: { ip: '2001:db8::1', endpoint: '/v6' },
  },
  { name: 'IPv6 loopback', bytes: b(line('::1', 'GET /v6lo HTTP/1.1')), expect: 'parsed', fields: { ip: '::1' } },
  {
    name: 'IPv4-mapped IPv6',
    bytes: b(line('::ffff:10.0.0.1', 'GET /mapped HTTP/1.1')),
    expect: 'parsed',
    fields: { ip: '::ffff:10.0.0.1' },
  },
  {
    name: 'spoofed quotes in the request',
    bytes: b('10.0.0.10 - - ' + TS + ' "GET /a" 500 1 "x" "y HTTP/1.1" 200 7 "-" "z"'),
    expect: 'either',
  },
  {
    name: 'escaped quotes in the request',
    bytes: b(line('10.0.0.10', 'GET /q\\"uote HTTP/1.1')),
    expect: 'parsed',
    fields: { status: 200 },
  },
  { name: 'an unterminated request', bytes: b('10.0.0.10 - - ' + TS + ' "GET /open HTTP/1.1 200 1'), expect: 'error' },
  {
    name: 'script in the user agent',
    bytes: b(line('10.0.0.11', 'GET /xss HTTP/1.1', '200', '1', ' "-" "<script>alert(document.cookie)</script>"')),
    expect: 'parsed',
    fields: { userAgent: '<script>alert(document.cookie)</script>' },
  },
  {
    name: 'script in the path',
    bytes: b(line('10.0.0.12', 'GET /<script>alert(1)</script>?q=<img src=x onerror=alert(1)> HTTP/1.1')),
    expect: 'parsed',
    fields: { endpoint: '/<script>alert(1)</script>?q=<img src=x onerror=alert(1)>' },
  },
  {
    name: 'SQL in the path',
    bytes: b(line('10.0.0.13', "GET /items?id=1'%20OR%201=1;DROP%20TABLE%20logs;-- HTTP/1.1")),
    expect: 'parsed',
    fields: { endpoint: "/items?id=1'%20OR%201=1;DROP%20TABLE%20logs;--" },
  },
  {
    name: 'a very long path (under the line limit)',
    bytes: b(line('10.0.0.14', `GET /${'a'.repeat(60_000)} HTTP/1.1`)),
    expect: 'parsed',
  },
  {
    name: 'a line longer than the limit',
    bytes: b(line('10.0.0.15', `GET /${'b'.repeat(200_000)} HTTP/1.1`)),
    expect: 'error',
  },
  { name: 'a blank line', bytes: b(''), expect: 'skipped' },
  { name: 'spaces only', bytes: b('    \t  '), expect: 'skipped' },
  {
    name: 'a CRLF line',
    bytes: b(line('10.0.0.16', 'GET /crlf HTTP/1.1') + '\r'),
    expect: 'parsed',
    fields: { endpoint: '/crlf', userAgent: 'curl/8' },
  },
  {
    name: 'emoji and a line separator',
    bytes: b(line('10.0.0.17', 'GET /😀\u2028x HTTP/1.1')),
    expect: 'parsed',
    fields: { endpoint: '/😀\u2028x' },
  },
  { name: 'JSON in a combined log', bytes: b('{"timestamp":"2023-10-12T10:00:00Z","ip":"1.2.3.4"}'), expect: 'error' },
  { name: 'a lone dash', bytes: b('-'), expect: 'error' },
  {
    name: 'a common-format line (no referer/agent)',
    bytes: b(line('10.0.0.18', 'GET /common HTTP/1.0', '304', '-', '')),
    expect: 'parsed',
    fields: { status: 304, bytes: null, userAgent: null },
  },
];

export const JSONL_CORPUS: HostileCase[] = [
  {
    name: 'a normal object',
    bytes: b(
      '{"timestamp":"2023-10-12T10:00:00Z","ip_address":"10.1.0.1","service_endpoint":"/ok","http_response_code":200}',
    ),
    expect: 'parsed',
    fields: { ip: '10.1.0.1', endpoint: '/ok', status: 200 },
  },
  {
    name: 'huge numbers',
    bytes: b('{"timestamp":1e400,"ip_address":"10.1.0.2","service_endpoint":"/n","http_response_code":1e308}'),
    expect: 'error',
  },
  {
    name: 'status as a huge integer',
    bytes: b(
      '{"timestamp":"2023-10-12T10:00:00Z","ip_address":"10.1.0.2","service_endpoint":"/n","http_response_code":123456789012345678901234567890}',
    ),
    expect: 'error',
  },
  {
    name: 'epoch in year 9999',
    bytes: b('{"timestamp":253402300799000,"ip_address":"10.1.0.3","service_endpoint":"/y","http_response_code":200}'),
    expect: 'either',
  },
  {
    name: 'ISO date in year 9999',
    bytes: b(
      '{"timestamp":"9999-12-31T23:59:59Z","ip_address":"10.1.0.3","service_endpoint":"/y","http_response_code":200}',
    ),
    expect: 'error',
  },
  {
    name: '__proto__ keys',
    bytes: b(
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"timestamp":"2023-10-12T10:00:00Z","ip_address":"10.1.0.4","service_endpoint":"/p","http_response_code":200}',
    ),
    expect: 'parsed',
    fields: { endpoint: '/p' },
  },
  {
    name: 'script everywhere',
    bytes: b(
      '{"timestamp":"2023-10-12T10:00:00Z","ip_address":"10.1.0.5","service_endpoint":"/<script>alert(1)</script>","http_response_code":200,"user_agent":"<script>x</script>"}',
    ),
    expect: 'parsed',
    fields: { endpoint: '/<script>alert(1)</script>' },
  },
  {
    name: 'IPv6 address',
    bytes: b(
      '{"timestamp":"2023-10-12T10:00:00Z","ip_address":"fe80::1%eth0","service_endpoint":"/v6","http_response_code":200}',
    ),
    expect: 'parsed',
    fields: { ip: 'fe80::1%eth0' },
  },
  {
    name: 'NUL escapes in strings',
    bytes: b(
      '{"timestamp":"2023-10-12T10:00:00Z","ip_address":"10.1.0.6","service_endpoint":"/a\\u0000b","http_response_code":200}',
    ),
    expect: 'parsed',
    fields: { endpoint: '/a\u0000b' },
  },
  {
    name: 'raw NUL bytes',
    bytes: Buffer.concat([
      b('{"timestamp":"2023-10-12T10:00:00Z","ip_address":"10.1.0.7'),
      Buffer.from([0, 0]),
      b('"}'),
    ]),
    expect: 'error',
  },
  {
    name: 'invalid UTF-8 in a string',
    bytes: Buffer.concat([
      b('{"timestamp":"2023-10-12T10:00:00Z","ip_address":"10.1.0.8","service_endpoint":"/'),
      Buffer.from([0xff, 0xc0, 0xaf]),
      b('","http_response_code":200}'),
    ]),
    expect: 'parsed',
    fields: { status: 200 },
  },
  {
    name: 'deeply nested arrays',
    bytes: b('{"timestamp":' + '['.repeat(5_000) + ']'.repeat(5_000) + '}'),
    expect: 'error',
  },
  { name: 'an array instead of an object', bytes: b('[1,2,3]'), expect: 'error' },
  { name: 'a truncated object', bytes: b('{"timestamp":"2023-10-12T10:00:00Z","ip_addr'), expect: 'error' },
  { name: 'binary garbage', bytes: binary(500, 3), expect: 'error' },
  {
    name: 'status as an object',
    bytes: b(
      '{"timestamp":"2023-10-12T10:00:00Z","ip_address":"10.1.0.9","service_endpoint":"/o","http_response_code":{"$gt":0}}',
    ),
    expect: 'error',
  },
  { name: 'a blank line', bytes: b(''), expect: 'skipped' },
  {
    name: 'a line longer than the limit',
    bytes: b(
      '{"timestamp":"2023-10-12T10:00:00Z","ip_address":"10.1.0.10","service_endpoint":"/' +
        'c'.repeat(100_000) +
        '","http_response_code":200}',
    ),
    expect: 'error',
  },
];

/** The corpus as one log body, one case per line. */
export function body(corpus: HostileCase[]): Buffer {
  return Buffer.concat(corpus.flatMap((c) => [c.bytes, Buffer.from('\n')]));
}

/** CSV: the first line is the header, the rest are hostile rows. */
export const CSV_CORPUS: HostileCase[] = [
  { name: 'the header', bytes: b('timestamp,ip_address,service_endpoint,http_response_code'), expect: 'skipped' },
  {
    name: 'a normal row',
    bytes: b('2023-10-12T10:00:00Z,10.2.0.1,/ok,200'),
    expect: 'parsed',
    fields: { ip: '10.2.0.1', endpoint: '/ok', status: 200 },
  },
  { name: 'an unbalanced quote', bytes: b('2023-10-12T10:00:00Z,10.2.0.2,"/open,200'), expect: 'error' },
  {
    name: 'a quoted comma and doubled quotes',
    bytes: b('2023-10-12T10:00:00Z,10.2.0.3,"/a,""b""",200'),
    expect: 'parsed',
    fields: { endpoint: '/a,"b"' },
  },
  {
    name: 'script in a cell',
    bytes: b('2023-10-12T10:00:00Z,10.2.0.4,"/<script>alert(1)</script>",200'),
    expect: 'parsed',
    fields: { endpoint: '/<script>alert(1)</script>' },
  },
  {
    name: 'a formula (CSV injection)',
    bytes: b('2023-10-12T10:00:00Z,10.2.0.5,=HYPERLINK("x"),200'),
    expect: 'either',
  },
  { name: 'year 9999', bytes: b('9999-12-31T23:59:59Z,10.2.0.6,/y,200'), expect: 'error' },
  { name: 'a huge status', bytes: b('2023-10-12T10:00:00Z,10.2.0.7,/s,99999999999999999999'), expect: 'error' },
  { name: 'too few cells', bytes: b('2023-10-12T10:00:00Z,10.2.0.8'), expect: 'error' },
  {
    name: 'too many cells',
    bytes: b('2023-10-12T10:00:00Z,10.2.0.9,/m,200,extra,cells'),
    expect: 'either',
  },
  { name: 'NUL bytes in a cell', bytes: b('2023-10-12T10:00:00Z,10.2.0.10,/n\u0000ul,200'), expect: 'either' },
  { name: 'binary garbage', bytes: binary(200, 5), expect: 'error' },
  { name: 'a blank line', bytes: b(''), expect: 'skipped' },
  {
    name: 'IPv6 in a cell',
    bytes: b('2023-10-12T10:00:00Z,2001:db8::2,/v6,200'),
    expect: 'parsed',
    fields: { ip: '2001:db8::2' },
  },
];
