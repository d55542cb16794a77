import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatClfTimestamp } from '../../../src/shared/time/timestamp';
import { AnomalyPageSchema, LogDetailSchema, ModelsOverviewSchema } from '../../../src/shared/schemas/analysis';
import { OPERATION_NAMES, operations } from '../../../src/shared/api';
import { request, startTestServer, type Answer, type TestServer } from '../../helpers/http';
import { waitFor } from '../../helpers/wait';
import { STACK_FRAME, generateAndTrain, openEvents, scalar, type EventStream } from './helpers';

const BURST_IP = '198.51.100.9';

/** Combined-format lines: steady traffic from a few IPs, and a burst of 5xx from one IP. */
function accessLog(lines: number, startMs: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const burst = i % 10 === 0;
    const ip = burst ? BURST_IP : `198.18.${(i >> 8) % 2}.${i % 200}`;
    const t = burst ? startMs + Math.floor(i / 100) * 1000 : startMs + i * 250;
    const status = burst ? 503 : [200, 200, 200, 304, 404][i % 5];
    out.push(
      `${ip} - - [${formatClfTimestamp(t)}] "GET /shop/item/${i % 500}?ref=${'r'.repeat(i % 40)} HTTP/1.1" ${status} ${
        1000 + (i % 3000)
      } "https://example.test/" "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"`,
    );
  }
  return out.join('\n') + '\n';
}

/** POST /ingest with a chunked body (no Content-Length), written piece by piece. */
function ingestChunked(s: TestServer, path: string, body: Buffer, contentType: string, chunk = 64 * 1024) {
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: s.port,
        method: 'POST',
        path,
        headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': contentType, 'Transfer-Encoding': 'chunked' },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    let at = 0;
    const pump = () => {
      while (at < body.length) {
        const piece = body.subarray(at, at + chunk);
        at += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('POST /ingest, GET /events, GET /anomalies, GET /logs/:id, OpenAPI', () => {
  let s: TestServer;
  let events: EventStream;
  let uploadSource = 0;

  beforeAll(async () => {
    s = await startTestServer();
    events = await openEvents(s);
    await generateAndTrain(s);
  });
  afterAll(async () => {
    events?.close();
    await s.close();
  });

  it('GET /events streams model-swapped after training, and ingest-progress', async () => {
    const live = (ModelsOverviewSchema.parse((await s.call('GET', '/models')).json()) as { live: number }).live;
    expect(live).toBeGreaterThan(0);
    const swapped = await events.waitFor('model-swapped', (e) => e.version === live);
    expect(swapped).toEqual({ type: 'model-swapped', version: live });
    const progress = await events.waitFor('ingest-progress', (e) => e.status === 'done');
    expect(progress.lines).toBeGreaterThan(0);
  });

  it('streams a multi-MB chunked body (well over the 1 MiB JSON limit) into an upload source', async () => {
    const text = accessLog(24_000, Date.now() - 30 * 60_000);
    const body = Buffer.from(text);
    expect(body.length).toBeGreaterThan(4 * 1024 * 1024);
    const res = await ingestChunked(s, '/ingest?name=access.log', body, 'application/octet-stream');
    expect(res.status, res.text).toBe(200);
    const result = res.json() as { sourceId: number; lines: number; parseErrors: number; bytes: number };
    expect(result).toMatchObject({ lines: 24_000, parseErrors: 0, bytes: body.length });
    uploadSource = result.sourceId;
    expect(scalar(s, 'SELECT count(*) FROM logs WHERE source_id = ?', uploadSource)).toBe(24_000);
    const sources = (await s.call('GET', '/sources')).json() as Array<{ id: number; kind: string; status: string }>;
    expect(sources.find((x) => x.id === uploadSource)).toMatchObject({ kind: 'upload', status: 'done' });

    // The engine tells listeners: progress of the upload, then the flagged entries once scored.
    await events.waitFor('ingest-progress', (e) => e.sourceId === uploadSource && e.status === 'done');
    const flagged = await events.waitFor('anomalies', (e) => e.rows.some((r) => r.ip === BURST_IP));
    const row = flagged.rows.find((r) => r.ip === BURST_IP)!;
    expect(row).toMatchObject({ isAnomaly: true, status: 503 });
  });

  it('takes a gzip body (recognised by its magic bytes) and refuses corrupt gzip with 400', async () => {
    const text = accessLog(2_000, Date.now() - 10 * 60_000);
    const res = await ingestChunked(s, '/ingest?name=rotated.log.gz', gzipSync(text), 'application/gzip', 4096);
    expect(res.status, res.text).toBe(200);
    expect(res.json()).toMatchObject({ lines: 2_000, parseErrors: 0, bytes: Buffer.byteLength(text) });
    // Declared as plain bytes: still recognised.
    const plain = await request(s.port, 'POST', '/ingest?name=upload', {
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/octet-stream' },
      body: gzipSync(accessLog(10, Date.now())),
    });
    expect(plain.json()).toMatchObject({ lines: 10, parseErrors: 0 });

    const corrupt = Buffer.concat([gzipSync(text).subarray(0, 200), Buffer.from('definitely not deflate data')]);
    const bad = await request(s.port, 'POST', '/ingest?name=broken.gz', {
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/gzip' },
      body: corrupt,
    });
    expect(bad.status).toBe(400);
    expect((bad.json() as { message: string }).message).toMatch(/^body: the gzip data is corrupt or truncated/);
    expect(bad.text).not.toMatch(STACK_FRAME);
  });

  it('answers a body in no known log format with a clear 400', async () => {
    const auth = { Authorization: `Bearer ${s.token}`, 'Content-Type': 'text/plain' };
    const prose = 'Dear diary,\nToday I wrote no logs at all.\nNone whatsoever.\n';
    const res = await request(s.port, 'POST', '/ingest?name=notes.txt', { headers: auth, body: prose });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({
      error: 'Bad Request',
      message: 'body: unrecognised log format (send ?format=combined|jsonl|csv)',
      detail: 'body: unrecognised log format (send ?format=combined|jsonl|csv)',
    });
    const badQuery = await request(s.port, 'POST', '/ingest?format=xml', { headers: auth, body: prose });
    expect(badQuery.status).toBe(400);
    expect((badQuery.json() as { message: string }).message).toMatch(/^format: /);
    const empty = await request(s.port, 'POST', '/ingest?name=empty', { headers: auth });
    expect(empty.status).toBe(400);
  });

  it('GET /anomalies pages with a cursor through every flagged row exactly once', async () => {
    // Let the background scoring of the uploads finish first: every entry has its score.
    await waitFor(
      () =>
        scalar(s, 'SELECT count(*) FROM logs l LEFT JOIN scores sc ON sc.log_id = l.id WHERE sc.log_id IS NULL') === 0,
      'every entry scored',
    );
    const flagged = (
      s.engine.db.prepare('SELECT log_id FROM scores WHERE is_anomaly = 1').pluck().all() as number[]
    ).sort((a, b) => a - b);
    expect(flagged.length).toBeGreaterThan(500);
    const LIMIT = 257;
    for (const query of ['sort=score&order=desc', 'sort=time&order=asc', 'sort=time&order=desc']) {
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const path: string = `/anomalies?${query}&limit=${LIMIT}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await s.call('GET', path);
        expect(res.status, res.text).toBe(200);
        const page = AnomalyPageSchema.parse(res.json());
        expect(page.total).toBe(flagged.length);
        for (const row of page.rows) {
          expect(row.isAnomaly).toBe(true);
          seen.push(row.id);
        }
        // Each page is in the requested order.
        const keys = page.rows.map((r) => (query.startsWith('sort=score') ? r.combinedScore : r.tsMs));
        const sorted = [...keys].sort((a, b) => (query.endsWith('asc') ? a - b : b - a));
        expect(keys).toEqual(sorted);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(Math.ceil(flagged.length / LIMIT) + (flagged.length % LIMIT === 0 ? 1 : 0));
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort((a, b) => a - b)).toEqual(flagged);
    }
    // Filters narrow the same set.
    const burst = AnomalyPageSchema.parse((await s.call('GET', `/anomalies?ip=${BURST_IP}&limit=5000`)).json());
    expect(burst.rows.length).toBeGreaterThan(0);
    expect(burst.rows.every((r) => r.ip === BURST_IP)).toBe(true);
    const bad = await s.call('GET', '/anomalies?limit=0');
    expect(bad.status).toBe(400);
    expect((bad.json() as { message: string }).message).toMatch(/^limit: /);
  });

  it('GET /logs/:id has the features, the per-model scores and thresholds', async () => {
    const id = s.engine.db
      .prepare(
        `SELECT l.id FROM logs l JOIN scores sc ON sc.log_id = l.id JOIN features f ON f.log_id = l.id
         WHERE l.ip = ? AND sc.is_anomaly = 1 ORDER BY f.request_count DESC LIMIT 1`,
      )
      .pluck()
      .get(BURST_IP) as number;
    const res = await s.call('GET', `/logs/${id}`);
    expect(res.status, res.text).toBe(200);
    const detail = LogDetailSchema.parse(res.json());
    expect(detail).toMatchObject({ id, ip: BURST_IP, status: 503, source: { id: uploadSource } });
    expect(detail.features).toMatchObject({ windowMs: 300_000 });
    expect(detail.features!.request_count).toBeGreaterThan(1);
    expect(detail.features!.server_error_count).toBe(detail.features!.request_count);
    const models = ModelsOverviewSchema.parse((await s.call('GET', '/models')).json());
    const live = models.versions.find((v) => v.version === models.live)!;
    expect(detail.score).toMatchObject({ modelVersion: live.version, isAnomaly: true });
    expect(Object.keys(detail.score!.models).sort()).toEqual(['iforest', 'knn', 'lof']);
    let votes = 0;
    for (const [name, m] of Object.entries(detail.score!.models)) {
      expect(m!.threshold).toBe(live.thresholds[name as keyof typeof live.thresholds]);
      expect(m!.vote).toBe(m!.score > m!.threshold);
      if (m!.vote) votes++;
    }
    expect(detail.score!.votes).toBe(votes);
    // The default (entity) model explains in words, the unusual features first; the burst's
    // 5xx count in the window is among them.
    expect(detail.featurePercentiles).toBeNull();
    expect(detail.explanation).toHaveLength(13);
    // Unusual: high (a percentile), or low where low is telling (the IP's age, "newer than").
    const unusual = detail.explanation!.filter((x) => /(percentile|client-IP hours)\)$/.test(x.text));
    expect(unusual.length).toBeGreaterThan(0);
    expect(detail.explanation!.slice(0, unusual.length)).toEqual(unusual);
    const errors = detail.explanation!.find((x) => x.feature === 'server_error_count')!;
    expect(errors).toMatchObject({ value: detail.features!.server_error_count });
    expect(errors.text).toMatch(/^\d+ 5xx answers to this IP in 5 min/);
    expect(detail.neighbours.length).toBeGreaterThan(0);
  });

  it('publishes /openapi.json and /docs without a token', async () => {
    const res = await request(s.port, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(ids).toEqual(expect.arrayContaining([...OPERATION_NAMES, 'ingest', 'events']));
    for (const name of OPERATION_NAMES) {
      const spec = operations[name];
      const path = spec.path.replace(/:(\w+)/g, '{$1}');
      expect(doc.paths[path]?.[spec.method.toLowerCase()]?.operationId, name).toBe(name);
    }
    const detect = doc.paths['/outlier/detect'].post;
    expect(Object.keys(detect.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '413', '503']));
    const docs = await request(s.port, 'GET', '/docs/');
    expect(docs.status).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
    expect(docs.text).toMatch(/swagger/i);
    const json = await request(s.port, 'GET', '/docs/json');
    expect((json.json() as { paths: object }).paths).toHaveProperty(['/outlier/detect']);
  });
});

describe('GET /events at shutdown', () => {
  it('ends open event streams so that closing the server does not wait for their clients', async () => {
    const s = await startTestServer();
    const stream = await openEvents(s);
    const ended = new Promise<void>((resolve) => stream.response.on('end', () => resolve()));
    // Without ending the streams, close() waits for the client forever (the test would time out).
    await s.close();
    await ended;
  });
});
