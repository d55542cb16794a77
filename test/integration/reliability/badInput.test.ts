import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createParser,
  LineSplitter,
  MAX_LINE_BYTES,
  type LogFormat,
  type ParsedEntry,
} from '../../../src/main/ingest/parse';
import { request } from '../../helpers/http';
import { startTestServer, type TestServer } from '../../helpers/http';
import { body, COMBINED_CORPUS, CSV_CORPUS, JSONL_CORPUS, type HostileCase } from './hostileCorpus';

const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(2101, 0, 1);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What a stored or parsed entry must look like, whatever the input was. */
function expectSane(e: Pick<ParsedEntry, 'tsMs' | 'ip' | 'endpoint' | 'status' | 'bytes' | 'userAgent'>, what: string) {
  expect(Number.isInteger(e.tsMs), what).toBe(true);
  expect(e.tsMs >= MIN_MS && e.tsMs < MAX_MS, `${what}: time ${e.tsMs} in 1970..2100`).toBe(true);
  expect(Number.isInteger(e.status) && e.status >= 100 && e.status <= 599, `${what}: status ${e.status}`).toBe(true);
  expect(e.bytes === null || (Number.isSafeInteger(e.bytes) && e.bytes >= 0), `${what}: bytes ${e.bytes}`).toBe(true);
  expect(typeof e.ip === 'string' && e.ip.length > 0 && !/\s/.test(e.ip), `${what}: address`).toBe(true);
  expect(typeof e.endpoint, what).toBe('string');
  for (const s of [e.ip, e.endpoint, e.userAgent ?? '']) {
    expect(LONE_SURROGATE.test(s), `${what}: well-formed text`).toBe(false);
    expect(Buffer.byteLength(s), `${what}: no field beyond the line limit`).toBeLessThanOrEqual(MAX_LINE_BYTES);
  }
}

type Outcome = { kind: 'parsed'; entry: ParsedEntry } | { kind: 'error'; reason: string } | { kind: 'skipped' };

/** Each case through the splitter and the parser, as the ingest pipeline does it. */
function parseAll(format: LogFormat, corpus: HostileCase[]): Outcome[] {
  const parser = createParser(format, {});
  const split = new LineSplitter().push(body(corpus));
  expect(split).toHaveLength(corpus.length);
  return split.map((line) => {
    if (line.truncated) return { kind: 'error', reason: 'cut' };
    const r = parser.parse(line.text);
    if (r.ok) return { kind: 'parsed', entry: r.entry };
    return r.skip ? { kind: 'skipped' } : { kind: 'error', reason: r.reason };
  });
}

describe.each([
  ['combined', COMBINED_CORPUS],
  ['jsonl', JSONL_CORPUS],
  ['csv', CSV_CORPUS],
] as const)('hostile %s lines', (format, corpus) => {
  const outcomes = parseAll(format, corpus);

  it.each(corpus.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const o = outcomes[i];
    if (c.expect !== 'either') expect(o.kind).toBe(c.expect);
    if (o.kind === 'error') expect(o.reason.length).toBeGreaterThan(0);
    if (o.kind === 'parsed') {
      expectSane(o.entry, c.name);
      if (c.fields) expect(o.entry).toMatchObject(c.fields);
    }
  });

  describe('through POST /ingest on a real server', () => {
    let server: TestServer;
    let answer: { sourceId: number; lines: number; parseErrors: number; bytes: number };
    const raw = body(corpus);
    beforeAll(async () => {
      server = await startTestServer();
      const res = await request(server.port, 'POST', `/ingest?name=hostile.${format}&format=${format}`, {
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/octet-stream' },
        body: raw,
      });
      expect(res.status, res.text).toBe(200);
      answer = res.json() as typeof answer;
    });
    afterAll(async () => server?.close());

    it('accounts for every line: stored + errors + skipped = lines sent', () => {
      const db = server.engine.db;
      const stored = db.prepare('SELECT count(*) FROM logs WHERE source_id = ?').pluck().get(answer.sourceId) as number;
      const skipped = outcomes.filter((o) => o.kind === 'skipped').length;
      expect(answer.lines).toBe(corpus.length);
      expect(answer.bytes).toBe(raw.length);
      expect(stored + answer.parseErrors + skipped).toBe(corpus.length);
      expect(stored).toBe(outcomes.filter((o) => o.kind === 'parsed').length);
      expect(answer.parseErrors).toBe(outcomes.filter((o) => o.kind === 'error').length);
      const src = db.prepare('SELECT status, lines, parse_errors FROM sources WHERE id = ?').get(answer.sourceId);
      expect(src).toEqual({ status: 'done', lines: corpus.length, parse_errors: answer.parseErrors });
    });

    it('stores each line where the parser put it: rows for parsed lines, kept errors for the rest', () => {
      const db = server.engine.db;
      const rowLines = new Set(
        db.prepare('SELECT line_no FROM logs WHERE source_id = ?').pluck().all(answer.sourceId) as number[],
      );
      const errorLines = new Set(
        db.prepare('SELECT line_no FROM parse_errors WHERE source_id = ?').pluck().all(answer.sourceId) as number[],
      );
      outcomes.forEach((o, i) => {
        expect(rowLines.has(i + 1), corpus[i].name).toBe(o.kind === 'parsed');
        expect(errorLines.has(i + 1), corpus[i].name).toBe(o.kind === 'error');
      });
    });

    it('keeps stored fields sane, and hostile text verbatim (it is data, never markup)', () => {
      const rows = server.engine.db
        .prepare(
          'SELECT line_no AS lineNo, ts_ms AS tsMs, ip, endpoint, status, bytes, user_agent AS userAgent FROM logs WHERE source_id = ?',
        )
        .all(answer.sourceId) as Array<ParsedEntry & { lineNo: number }>;
      for (const r of rows) expectSane(r, corpus[r.lineNo - 1].name);
      const texts = rows.flatMap((r) => [r.endpoint, r.userAgent ?? '']);
      expect(texts.some((t) => t.includes('<script>alert('))).toBe(true);
    });

    it('still answers afterwards', async () => {
      const res = await server.call('GET', '/sources');
      expect(res.status).toBe(200);
    });
  });
});
