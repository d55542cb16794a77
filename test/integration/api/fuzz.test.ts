import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_INPUT } from '../../../src/main/api/fastInput';
import { operations } from '../../../src/shared/api';
import { DetectResponseSchema } from '../../../src/shared/schemas/original';
import { startTestServer, type TestServer } from '../../helpers/http';
import { STACK_FRAME, apiSourceId, generateAndTrain, scalar } from './helpers';

/** mulberry32: a small seeded PRNG, so a failing run can be replayed exactly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

const ODD_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  1e308,
  -1e308,
  5e-324,
  2 ** 53 + 2,
  -(2 ** 53),
  99,
  100,
  599,
  600,
  200.0001,
  1e21,
  1698400800,
  1698400800000,
  4102444800000,
  -1,
];
const ODD_STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e308',
  'null',
  'undefined',
  'true',
  '0x1F4',
  '500',
  '２００', // full-width digits
  '\u0000',
  '\u202e/nimda', // right-to-left override
  'a\u200bb', // zero-width space
  '😀🔥💥',
  '\ud83d', // a lone surrogate
  'İstanbul ǅ ß ﬀ',
  '<script>alert(1)</script>',
  "'; DROP TABLE logs; --",
  '../../etc/passwd',
  '%00%0a',
  'line\nbreak\r\n',
  '2023-10-27T10:00:00Z',
  '2023-02-29T10:00:00Z',
  '2023-10-27T24:00:00Z',
  '27/Oct/2023:10:00:00 +0000',
  '[27/Oct/2023:10:00:00 +0000]',
  '2023-10-27 10:00:00',
  '2023-10-27T10:00:00+05:30',
  '1698400800',
  '1698400800000',
  'Fri, 27 Oct 2023 10:00:00 GMT',
  '1969-12-31T23:59:59Z',
  '2101-01-01T00:00:00Z',
  '9999-99-99T99:99:99Z',
];
const UNICODE = ['é', 'ø', 'Ж', 'ज', '中', '한', '🙂', '\u0301', '\t', '"', '\\', '/', ' ', 'a', 'Z', '0', '-'];

function randomString(r: Rng): string {
  if (r.chance(0.3)) return r.pick(ODD_STRINGS);
  const n = r.chance(0.02) ? 1_000 + r.int(400_000) : r.int(40);
  if (n > 1000) return r.pick(UNICODE).repeat(n);
  let s = '';
  for (let i = 0; i < n; i++) s += r.chance(0.7) ? String.fromCharCode(32 + r.int(95)) : r.pick(UNICODE);
  return s;
}

function randomValue(r: Rng, depth = 0): unknown {
  const kind = r.int(depth > 3 ? 5 : 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.chance(0.6) ? r.pick(ODD_NUMBERS) : (r.next() - 0.5) * 10 ** r.int(20);
    case 3:
    case 4:
      return randomString(r);
    case 5:
      return Array.from({ length: r.int(5) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const keys = ['timestamp', 'ip_address', 'service_endpoint', 'http_response_code', 'entries', 'x', '', 'ü'];
      for (let i = r.int(6); i > 0; i--) o[r.pick(keys)] = randomValue(r, depth + 1);
      return o;
    }
  }
}

const wellFormed = (text: string) =>
  text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

const T0 = Date.UTC(2023, 9, 27, 10);
const IPS = ['10.0.0.5', '192.168.1.10', '2001:db8::1', 'client-ü', 'x'.repeat(256)];

/** An entry the schema accepts: every timestamp form, boundary lengths, any status class. */
function validEntry(r: Rng, k: number): Record<string, unknown> {
  const ms = T0 + k * 1000 + r.int(600_000) - 300_000;
  const d = new Date(ms);
  const timestamp = r.pick([
    () => d.toISOString(),
    () => d.toISOString().replace('.000Z', 'Z'),
    () => d.toISOString().replace('Z', '+00:00'),
    () => d.toISOString().slice(0, 19), // naive: UTC
    () => ms,
    () => Math.floor(ms / 1000),
    () => String(Math.floor(ms / 1000)),
    () => '27/Oct/2023:10:00:00 +0000',
  ])();
  const entry: Record<string, unknown> = {
    timestamp,
    ip_address: r.chance(0.8) ? r.pick(IPS) : randomString(r).slice(0, 256) || 'ip',
    service_endpoint: r.pick(['/admin', '/api/v1/items', '/ünïcödé/😀', '/' + 'e'.repeat(8191)]),
    http_response_code: r.pick([100, 200, 201, 301, 304, 400, 401, 403, 404, 418, 500, 502, 503, 599]),
  };
  if (r.chance(0.2)) entry.extra = randomValue(r); // unknown fields are ignored, as pydantic did
  return entry;
}

interface Sent {
  body: string;
  contentType: string;
}

function randomRequest(r: Rng, k: number): Sent {
  const json = 'application/json';
  const roll = r.next();
  if (roll < 0.3) return { body: JSON.stringify(validEntry(r, k)), contentType: json };
  if (roll < 0.75) {
    // A valid entry with one field broken, dropped or replaced.
    const e = validEntry(r, k);
    const field = r.pick(['timestamp', 'ip_address', 'service_endpoint', 'http_response_code']);
    if (r.chance(0.3)) delete e[field];
    else e[field] = r.chance(0.5) ? randomValue(r) : r.pick([...ODD_STRINGS, ...ODD_NUMBERS]);
    if (r.chance(0.05)) e.service_endpoint = '/' + 'e'.repeat(8192); // one over the limit
    if (r.chance(0.05)) e.ip_address = 'i'.repeat(257);
    return { body: JSON.stringify(e), contentType: json };
  }
  if (roll < 0.93) return { body: JSON.stringify(randomValue(r)) ?? 'null', contentType: json };
  if (roll < 0.97) {
    // Broken JSON: a valid body cut short, or with a stray byte.
    const text = JSON.stringify(validEntry(r, k));
    return { body: r.chance(0.5) ? text.slice(0, r.int(text.length)) : text.replace(':', '::'), contentType: json };
  }
  if (roll < 0.985) return { body: JSON.stringify(validEntry(r, k)), contentType: r.pick(['text/plain', '']) };
  // Larger than the 1 MiB limit.
  return { body: JSON.stringify({ ...validEntry(r, k), pad: 'p'.repeat(1024 * 1024) }), contentType: json };
}

function post(agent: Agent, port: number, token: string, sent: Sent): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      Authorization: `Bearer ${token}`,
      'Content-Length': Buffer.byteLength(sent.body),
    };
    if (sent.contentType) headers['Content-Type'] = sent.contentType;
    const req = httpRequest(
      { agent, host: '127.0.0.1', port, method: 'POST', path: '/outlier/detect', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(sent.body);
  });
}

const REQUESTS = 3_000;
const IN_FLIGHT = 4;

describe('the fast input path of detect and detect_batch', () => {
  it('accepts only what the zod schema accepts, and gives exactly its output', () => {
    const r = prng(7);
    const bodies: unknown[] = [];
    for (let k = 0; k < 20_000; k++) {
      const sent = randomRequest(r, k);
      if (sent.body.length > 100_000) continue;
      try {
        bodies.push(JSON.parse(sent.body));
      } catch {
        /* not JSON: never reaches validation */
      }
    }
    const edge = { timestamp: '2023-10-27T10:00:00Z', ip_address: 'i', service_endpoint: '/', http_response_code: 100 };
    for (const [field, values] of Object.entries({
      ip_address: ['', 'i'.repeat(256), 'i'.repeat(257), 5, null],
      service_endpoint: ['', 'e'.repeat(8192), 'e'.repeat(8193), []],
      http_response_code: [99, 100, 599, 600, 200.5, -0, 2 ** 53, '200', null, 1e308],
      timestamp: [0, -0, -1, 1e308, 4102444800000, 4102444799999, 1.5, '', ' ', 'NaN', true, {}],
    })) {
      for (const v of values) bodies.push({ ...edge, [field]: v });
    }
    bodies.push({ ...edge, extra: 1 }, { ...edge, timestamp: undefined }, Object.create(null));
    let accepted = 0;
    for (const body of bodies) {
      for (const [name, input] of [
        ['detect', body],
        ['detectBatch', { entries: [edge, body] }],
      ] as const) {
        const zod = operations[name].input.safeParse(input);
        const fast = FAST_INPUT[name]!(input);
        if (fast === undefined) continue;
        accepted++;
        expect(zod.success, JSON.stringify(input).slice(0, 300)).toBe(true);
        expect(fast, JSON.stringify(input).slice(0, 300)).toStrictEqual(zod.data);
      }
    }
    expect(accepted).toBeGreaterThan(2_000);
    // Batch size limits.
    expect(FAST_INPUT.detectBatch!({ entries: [] })).toBeUndefined();
    expect(FAST_INPUT.detectBatch!({ entries: Array(10_001).fill(edge) })).toBeUndefined();
    expect(FAST_INPUT.detectBatch!({ entries: Array(10_000).fill(edge) })).toStrictEqual(
      operations.detectBatch.input.parse({ entries: Array(10_000).fill(edge) }),
    );
  });
});

describe('fuzzing POST /outlier/detect', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
    await generateAndTrain(s);
  });
  afterAll(async () => s.close());

  it(`${REQUESTS} random requests: never a 5xx, every 200 well-formed, every stored row answered`, async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 20231027);
    const r = prng(seed);
    const requests = Array.from({ length: REQUESTS }, (_, k) => randomRequest(r, k));
    const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    const answers: Array<{ status: number; text: string }> = new Array(REQUESTS);
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < REQUESTS) {
          const k = next++;
          answers[k] = await post(agent, s.port, s.token, requests[k]);
        }
      }),
    );
    agent.destroy();

    const statuses = new Map<number, number>();
    const answered = new Map<number, { ip: string; endpoint: string; status: number }>();
    for (let k = 0; k < REQUESTS; k++) {
      const { status, text } = answers[k];
      const why = `request ${k} (seed ${seed}): ${requests[k].body.slice(0, 300)} → ${status} ${text.slice(0, 300)}`;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      // 422: the original's routes answer an invalid body as FastAPI did.
      expect([200, 400, 413, 415, 422], why).toContain(status);
      expect(text, why).not.toMatch(STACK_FRAME);
      const body = JSON.parse(text) as Record<string, unknown>;
      if (status !== 200) {
        expect(Object.keys(body).sort(), why).toEqual(['detail', 'error', 'message']);
        expect(typeof body.message, why).toBe('string');
        continue;
      }
      const parsed = DetectResponseSchema.strict().safeParse(body);
      expect(parsed.success, `${why}\n${parsed.error?.message}`).toBe(true);
      const a = parsed.data!;
      const sent = JSON.parse(requests[k].body) as Record<string, unknown>;
      // Lone surrogates cannot be stored as UTF-8: they come back (and are stored) as U+FFFD.
      expect(a.log_entry.ip_address, why).toBe(wellFormed(sent.ip_address as string));
      expect(a.log_entry.service_endpoint, why).toBe(wellFormed(sent.service_endpoint as string));
      expect(a.log_entry.http_response_code, why).toBe(sent.http_response_code);
      expect(a.log_entry.timestamp, why).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
      expect(Object.keys(a.model_predictions).sort(), why).toEqual(['iforest', 'knn', 'lof']);
      let votes = 0;
      for (const p of Object.values(a.model_predictions)) {
        expect(Number.isFinite(Number(p.score)), why).toBe(true);
        if (p.is_anomaly) votes++;
      }
      expect(a.final_decision.reason, why).toBe(`${votes} out of 3 models flagged it as an anomaly.`);
      expect(a.final_decision.is_anomaly, why).toBe(votes >= 1.5);
      const f = a.features_calculated;
      expect(Number.isInteger(f.request_count) && f.request_count >= 1, why).toBe(true);
      expect(f.client_error_count + f.server_error_count, why).toBeLessThanOrEqual(f.request_count);
      expect(answered.has(a.log_id), why).toBe(false);
      answered.set(a.log_id, {
        ip: a.log_entry.ip_address,
        endpoint: a.log_entry.service_endpoint,
        status: a.log_entry.http_response_code,
      });
    }
    // The generator must actually exercise both sides.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(REQUESTS * 0.2);
    expect((statuses.get(400) ?? 0) + (statuses.get(422) ?? 0)).toBeGreaterThan(REQUESTS * 0.4);
    expect(statuses.get(413) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(415) ?? 0).toBeGreaterThan(0);

    // Nothing half-written: the API source holds exactly the answered rows, each with its scores.
    const source = apiSourceId(s)!;
    const rows = s.engine.db
      .prepare('SELECT id, ip, endpoint, status FROM logs WHERE source_id = ? ORDER BY id')
      .all(source) as Array<{ id: number; ip: string; endpoint: string; status: number }>;
    expect(rows.length).toBe(statuses.get(200));
    for (const { id, ...row } of rows) expect(answered.get(id), `row ${id}`).toStrictEqual(row);
    expect(
      scalar(
        s,
        'SELECT count(*) FROM logs l LEFT JOIN scores sc ON sc.log_id = l.id WHERE l.source_id = ? AND sc.log_id IS NULL',
        source,
      ),
    ).toBe(0);
    // The source's own line counter agrees: no rolled-back request advanced it.
    expect(scalar(s, 'SELECT lines FROM sources WHERE id = ?', source)).toBe(rows.length);
  });
});
