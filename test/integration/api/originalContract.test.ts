/**
 * The original service's own test file (tests/test_outlier_detector_api.py) and its README's
 * curl walkthrough, replayed over real HTTP on 127.0.0.1 against the running app: every key
 * those tests, curl users and scripts read must be there, with the original's types. Where its
 * test mocked the models, a real trained ensemble answers.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestServer, type Answer, type TestServer } from '../../helpers/http';
import { apiSourceId, generateAndTrain, scalar } from './helpers';

/** A float as Python's str() writes one: what the original's `score` held ('0.678' in its test). */
const PY_FLOAT = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** The original's LogEntry, as its test sent it. */
const TEST_PAYLOAD = {
  timestamp: '2023-10-27T10:00:00Z',
  ip_address: '192.168.1.50',
  service_endpoint: '/api/v1/data',
  http_response_code: 404,
};

/** The `-d` text of the original README's step 4, byte for byte. */
const README_DETECT_BODY = `{
  "timestamp": "2023-10-27T10:00:00Z",
  "ip_address": "10.0.0.5",
  "service_endpoint": "/admin",
  "http_response_code": 500
}`;

/**
 * `curl -X POST [-H "Content-Type: ..."] [-d DATA] URL` as curl sends it, on a raw socket (no
 * Content-Length without -d, curl's User-Agent and Accept), plus the bearer token this app needs.
 */
function curlPost(s: TestServer, path: string, opts: { contentType?: string; data?: string } = {}): Promise<Answer> {
  const lines = [
    `POST ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${s.port}`,
    'User-Agent: curl/8.5.0',
    'Accept: */*',
    `Authorization: Bearer ${s.token}`,
    'Connection: close',
  ];
  if (opts.data !== undefined) {
    lines.push(`Content-Type: ${opts.contentType ?? 'application/x-www-form-urlencoded'}`);
    lines.push(`Content-Length: ${Buffer.byteLength(opts.data)}`);
  }
  return new Promise((resolve, reject) => {
    const socket = connect(s.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      const [statusLine, ...headerLines] = raw.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const h of headerLines) {
        const colon = h.indexOf(':');
        headers[h.slice(0, colon).toLowerCase()] = h.slice(colon + 1).trim();
      }
      const text = raw.slice(split + 4);
      resolve({ status: Number(statusLine.split(' ')[1]), headers, text, json: () => JSON.parse(text) });
    });
    // Written, not ended: the server closes once it has answered (Connection: close).
    socket.write(lines.join('\r\n') + '\r\n\r\n' + (opts.data ?? ''));
  });
}

const keys = (v: unknown) => Object.keys(v as object).sort();

/** The keys of a successful detection that the original's test and its users read, with their types. */
function expectDetection(body: Record<string, unknown>): void {
  expect(body.status).toBe('success');
  const decision = body.final_decision as { is_anomaly: unknown; reason: unknown };
  expect(typeof decision.is_anomaly).toBe('boolean');
  const predictions = body.model_predictions as Record<string, { is_anomaly: unknown; score: unknown }>;
  // The original's MODELS_TO_TRAIN: lof, iforest, knn.
  expect(keys(predictions)).toEqual(['iforest', 'knn', 'lof']);
  let votes = 0;
  for (const p of Object.values(predictions)) {
    expect(typeof p.is_anomaly).toBe('boolean');
    expect(p.score).toEqual(expect.stringMatching(PY_FLOAT));
    expect(Number.isFinite(Number(p.score))).toBe(true);
    if (p.is_anomaly) votes++;
  }
  // The original's majority vote: anomaly_votes >= len(models) / 2.
  expect(decision.is_anomaly).toBe(votes >= 1.5);
  expect(decision.reason).toBe(`${votes} out of 3 models flagged it as an anomaly.`);
  expect(keys(body.features_calculated)).toEqual(['client_error_count', 'request_count', 'server_error_count']);
  for (const v of Object.values(body.features_calculated as object)) expect(typeof v).toBe('number');
}

describe('tests/test_outlier_detector_api.py, replayed', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => s?.close());

  it('test_detect_outlier_no_models_loaded: 500, "No models are loaded" in detail, nothing stored', async () => {
    const res = await s.call('POST', '/outlier/detect', { ...TEST_PAYLOAD, http_response_code: 200 });
    expect(res.status).toBe(500);
    expect((res.json() as { detail: string }).detail).toContain('No models are loaded');
    const id = apiSourceId(s);
    expect(id === null ? 0 : scalar(s, 'SELECT count(*) FROM logs WHERE source_id = ?', id)).toBe(0);
    // Our own batch route keeps the more exact 503 (no client of the original reads it).
    const batch = await s.call('POST', '/outlier/detect_batch', { entries: [TEST_PAYLOAD] });
    expect(batch.status).toBe(503);
    expect((batch.json() as { detail: string }).detail).toContain('No models are loaded');
  });

  it('test_detect_outlier_endpoint: a real ensemble flags the payload after a burst of 404s from its IP', async () => {
    await generateAndTrain(s);
    // The mock's place: a trained model, and 60 earlier 404s from 192.168.1.50 within its window.
    for (let i = 60; i >= 1; i--) {
      const t = new Date(Date.parse(TEST_PAYLOAD.timestamp) - i * 1000).toISOString();
      const r = await s.call('POST', '/outlier/detect', { ...TEST_PAYLOAD, timestamp: t });
      expect(r.status, r.text).toBe(200);
    }
    const response = await s.call('POST', '/outlier/detect', TEST_PAYLOAD);
    expect(response.status).toBe(200);
    const data = response.json() as {
      status: string;
      final_decision: { is_anomaly: boolean };
      model_predictions: Record<string, { score: string }>;
      features_calculated: Record<string, number>;
    };
    expect(data.status).toBe('success');
    expect(data.final_decision.is_anomaly).toBe(true);
    expect(data).toHaveProperty('model_predictions');
    expect(data.model_predictions).toHaveProperty('lof');
    // The mock's '0.678' is a real score here: still a string, still a number.
    expect(data.model_predictions.lof.score).toEqual(expect.stringMatching(PY_FLOAT));
    expectDetection(data as unknown as Record<string, unknown>);
    expect(data.features_calculated).toStrictEqual({
      request_count: 61,
      client_error_count: 61,
      server_error_count: 0,
    });
    // The score is the stored one, written as a string.
    const logId = (data as unknown as { log_id: number }).log_id;
    const stored = s.engine.db.prepare('SELECT lof_score FROM scores WHERE log_id = ?').pluck().get(logId);
    expect(Number(data.model_predictions.lof.score)).toBe(stored);

    // The verdict is the model's, not a constant: of the ten most ordinary entries of the sample's
    // last minute (where the live window holds their neighbours), sent again, some pass.
    const usual = s.engine.db
      .prepare(
        `SELECT l.ip, l.endpoint, l.status, l.ts_ms FROM logs l JOIN scores c ON c.log_id = l.id
         WHERE l.source_id != ? AND l.ts_ms >= (SELECT max(ts_ms) FROM logs) - 60000
         ORDER BY c.combined_score LIMIT 10`,
      )
      .all(apiSourceId(s)) as Array<{ ip: string; endpoint: string; status: number; ts_ms: number }>;
    expect(usual.length).toBe(10);
    const verdicts: boolean[] = [];
    for (const u of usual) {
      const ordinary = await s.call('POST', '/outlier/detect', {
        timestamp: new Date(u.ts_ms + 1).toISOString(),
        ip_address: u.ip,
        service_endpoint: u.endpoint,
        http_response_code: u.status,
      });
      expect(ordinary.status, ordinary.text).toBe(200);
      verdicts.push((ordinary.json() as { final_decision: { is_anomaly: boolean } }).final_decision.is_anomaly);
    }
    expect(verdicts, 'ordinary entries sent again').toContain(false);
  });
});

describe("the original README's curl walkthrough, step by step", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => s?.close());

  it('step 2: curl -X POST /data/generate_sample (no body: 300,000 rows)', async () => {
    const res = await curlPost(s, '/data/generate_sample');
    expect(res.status, res.text).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json() as { message: string; source_id: number };
    expect(body.message).toMatch(/^300000 rows of sample data saved to the 'logs' table in \S/);
    expect(scalar(s, 'SELECT count(*) FROM logs WHERE source_id = ?', body.source_id)).toBe(300_000);
  }, 240_000);

  it("the DAG's first task: curl -X POST /features/generate_features", async () => {
    const res = await curlPost(s, '/features/generate_features');
    expect(res.status, res.text).toBe(200);
    expect(res.json()).toStrictEqual({ status: 'success', message: 'Feature generation task completed successfully.' });
  });

  it('step 3: curl -X POST /model/train_models', async () => {
    const res = await curlPost(s, '/model/train_models');
    expect(res.status, res.text).toBe(200);
    const body = res.json() as { status: string; message: string };
    expect(keys(body)).toEqual(['message', 'status']);
    expect(body.status).toBe('success');
    // str() of the original's model list: ['lof', 'iforest', 'knn'], in our order.
    const listed = /^Model training initiated for: \[('\w+'(?:, '\w+')*)\]$/.exec(body.message);
    expect(listed).not.toBeNull();
    expect(listed![1].split(', ').sort()).toEqual(["'iforest'", "'knn'", "'lof'"]);
  }, 240_000);

  it('step 4: curl -H "Content-Type: application/json" -d {…} /outlier/detect', async () => {
    const res = await curlPost(s, '/outlier/detect', { contentType: 'application/json', data: README_DETECT_BODY });
    expect(res.status, res.text).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json() as Record<string, unknown>;
    // The original's five keys are all there (ours adds log_id and model_version).
    expect(keys(body)).toEqual(
      expect.arrayContaining(['features_calculated', 'final_decision', 'log_entry', 'model_predictions', 'status']),
    );
    expect(body.log_entry).toStrictEqual(JSON.parse(README_DETECT_BODY));
    expectDetection(body);
    // 2023 is years before the sample's day: the entry is alone in its window.
    expect(body.features_calculated).toStrictEqual({ request_count: 1, client_error_count: 0, server_error_count: 1 });
  });

  it("the DAG's reload after training: curl -X POST /outlier/reload_models, then detection goes on", async () => {
    const res = await curlPost(s, '/outlier/reload_models');
    expect(res.status, res.text).toBe(200);
    expect(res.json()).toStrictEqual({ status: 'success', message: 'Models reloaded successfully.' });
    const again = await curlPost(s, '/outlier/detect', { contentType: 'application/json', data: README_DETECT_BODY });
    expect(again.status, again.text).toBe(200);
    expectDetection(again.json() as Record<string, unknown>);
    // Both detections were stored, as the original inserted each entry.
    expect(scalar(s, 'SELECT count(*) FROM logs WHERE source_id = ?', apiSourceId(s))).toBe(2);
  });
});

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
}
type Responses = Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;

describe("the OpenAPI document describes the original routes' errors", () => {
  let s: TestServer;
  let paths: Record<string, Record<string, { responses: Responses }>>;
  beforeAll(async () => {
    s = await startTestServer();
    paths = ((await request(s.port, 'GET', '/openapi.json')).json() as { paths: typeof paths }).paths;
  });
  afterAll(async () => s?.close());

  const responses = (path: string) => paths[path].post.responses;
  const schemaOf = (path: string, status: string) => responses(path)[status].content!['application/json'].schema;

  it('a 422 with the validation list on each original route; none on our own', () => {
    for (const path of [
      '/data/generate_sample',
      '/features/generate_features',
      '/model/train_models',
      '/outlier/detect',
      '/outlier/reload_models',
    ]) {
      const schema = schemaOf(path, '422');
      expect(schema.required, path).toEqual(expect.arrayContaining(['detail']));
      expect(schema.properties!.detail.type).toBe('array');
      expect(schema.properties!.detail.items!.required).toEqual(['loc', 'msg', 'type']);
    }
    expect(responses('/outlier/detect_batch')).not.toHaveProperty('422');
    expect(schemaOf('/outlier/detect_batch', '400').properties!.detail.type).toBe('string');
  });

  it('what it describes is what a bad body gets, and detect documents the 500 before any model', async () => {
    const res = await s.call('POST', '/outlier/detect', { ...TEST_PAYLOAD, http_response_code: 'ok', extra: 1 });
    expect(res.status).toBe(422);
    const schema = schemaOf('/outlier/detect', '422');
    const body = res.json() as { detail: Array<Record<string, unknown>> };
    for (const k of schema.required!) expect(body).toHaveProperty(k);
    const item = schema.properties!.detail.items!;
    expect(body.detail.map((d) => d.type).sort()).toEqual(['extra_forbidden', 'int_parsing']);
    for (const d of body.detail) {
      expect(keys(d)).toEqual(Object.keys(item.properties!).sort());
      expect((d.loc as unknown[])[0]).toBe('body');
    }
    expect(responses('/outlier/detect')['500'].description).toMatch(/No models are loaded/);
    const noModel = await s.call('POST', '/outlier/detect', TEST_PAYLOAD);
    expect(noModel.status).toBe(500);
    for (const k of schemaOf('/outlier/detect', '500').required!) expect(noModel.json()).toHaveProperty(k);
  });
});
