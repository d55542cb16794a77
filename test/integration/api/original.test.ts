import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestServer, type TestServer } from '../../helpers/http';
import { ORIGINAL_ENTRY, SAMPLE_ROWS, apiSourceId, scalar } from './helpers';

/**
 * The original service's curl workflow, step by step, over a real server on 127.0.0.1:
 * generate sample data, (generate features), train, detect the README's entry, reload.
 * Answer shapes are checked key by key, with the original's types (`score` is a string).
 */
describe("the original's curl workflow", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => s.close());

  const keys = (v: unknown) => Object.keys(v as object).sort();

  it('GET / greets like the original', async () => {
    const res = await request(s.port, 'GET', '/');
    expect(res.status).toBe(200);
    expect(res.json()).toStrictEqual({ message: 'Welcome to the Outlier Detector API' });
  });

  it('POST /outlier/detect before any training answers 500 (as the original) saying to train first, and stores nothing', async () => {
    const res = await s.call('POST', '/outlier/detect', ORIGINAL_ENTRY);
    expect(res.status).toBe(500);
    const body = res.json() as { error: string; message: string; detail: string };
    expect(keys(body)).toEqual(['detail', 'error', 'message']);
    expect(body.message).toMatch(/train/i);
    // What the original's own test reads: `"No models are loaded" in response.json()['detail']`.
    expect(body.detail).toContain('No models are loaded');
    // Our own routes keep the more exact 503.
    const batch = await s.call('POST', '/outlier/detect_batch', { entries: [ORIGINAL_ENTRY] });
    expect(batch.status).toBe(503);
    const id = apiSourceId(s);
    expect(id === null ? 0 : scalar(s, 'SELECT count(*) FROM logs WHERE source_id = ?', id)).toBe(0);
    const reload = await s.call('POST', '/outlier/reload_models');
    expect(reload.status).toBe(503);
    expect((reload.json() as { message: string }).message).toMatch(/train/i);
  });

  it('POST /data/generate_sample answers {message} (plus the counts)', async () => {
    const res = await s.call('POST', '/data/generate_sample', { rows: SAMPLE_ROWS, seed: 3 });
    expect(res.status).toBe(200);
    const body = res.json() as Record<string, unknown>;
    expect(keys(body)).toEqual(['anomalies', 'message', 'path', 'rows', 'source_id']);
    expect(body.message).toEqual(expect.stringMatching(new RegExp(`^${SAMPLE_ROWS} rows of sample data saved`)));
    expect(body.rows).toBe(SAMPLE_ROWS);
    expect(typeof body.anomalies).toBe('number');
    expect(scalar(s, 'SELECT count(*) FROM logs WHERE source_id = ?', body.source_id)).toBe(SAMPLE_ROWS);
  });

  it('POST /features/generate_features answers {status, message}', async () => {
    const res = await s.call('POST', '/features/generate_features');
    expect(res.status).toBe(200);
    expect(res.json()).toStrictEqual({ status: 'success', message: 'Feature generation task completed successfully.' });
    expect(scalar(s, 'SELECT count(*) FROM features')).toBe(SAMPLE_ROWS);
  });

  it('POST /model/train_models answers {status, message}', async () => {
    const res = await s.call('POST', '/model/train_models');
    expect(res.status).toBe(200);
    expect(res.json()).toStrictEqual({
      status: 'success',
      message: "Model training initiated for: ['iforest', 'lof', 'knn']",
    });
  });

  it("POST /outlier/detect with the README's entry answers the original's shape", async () => {
    const res = await s.call('POST', '/outlier/detect', ORIGINAL_ENTRY);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json() as Record<string, unknown>;
    // The original's five keys, and two of ours (the stored row and the model version).
    expect(keys(body)).toEqual([
      'features_calculated',
      'final_decision',
      'log_entry',
      'log_id',
      'model_predictions',
      'model_version',
      'status',
    ]);
    expect(body.status).toBe('success');
    expect(body.log_entry).toStrictEqual(ORIGINAL_ENTRY);

    const decision = body.final_decision as Record<string, unknown>;
    expect(keys(decision)).toEqual(['is_anomaly', 'reason']);
    expect(typeof decision.is_anomaly).toBe('boolean');
    expect(decision.reason).toMatch(/^[0-3] out of 3 models flagged it as an anomaly\.$/);

    const predictions = body.model_predictions as Record<string, Record<string, unknown>>;
    expect(keys(predictions)).toEqual(['iforest', 'knn', 'lof']);
    let votes = 0;
    for (const p of Object.values(predictions)) {
      expect(keys(p)).toEqual(['is_anomaly', 'score']);
      expect(typeof p.is_anomaly).toBe('boolean');
      expect(typeof p.score).toBe('string'); // str(numpy float) in the original
      expect(Number.isFinite(Number(p.score))).toBe(true);
      if (p.is_anomaly) votes++;
    }
    expect(decision.reason).toBe(`${votes} out of 3 models flagged it as an anomaly.`);
    expect(decision.is_anomaly).toBe(votes >= 1.5);

    const features = body.features_calculated as Record<string, unknown>;
    expect(keys(features)).toEqual(['client_error_count', 'request_count', 'server_error_count']);
    // 10.0.0.5 is one of the sample's IPs, but this 2023 entry is years older than its window.
    expect(features).toStrictEqual({ request_count: 1, client_error_count: 0, server_error_count: 1 });
    expect(typeof body.log_id).toBe('number');
    expect(typeof body.model_version).toBe('number');

    // Inserted as the original did, with its scores.
    const row = s.engine.db.prepare('SELECT ip, endpoint, status, ts_ms, raw FROM logs WHERE id = ?').get(body.log_id);
    expect(row).toEqual({
      ip: '10.0.0.5',
      endpoint: '/admin',
      status: 500,
      ts_ms: Date.UTC(2023, 9, 27, 10),
      raw: JSON.stringify(ORIGINAL_ENTRY),
    });
    expect(scalar(s, 'SELECT count(*) FROM scores WHERE log_id = ?', body.log_id)).toBe(1);

    // A new IP, twice within the window: the second entry counts both.
    const fresh = { ...ORIGINAL_ENTRY, ip_address: '203.0.113.7' };
    const first = await s.call('POST', '/outlier/detect', fresh);
    const again = await s.call('POST', '/outlier/detect', { ...fresh, timestamp: '2023-10-27T10:01:00Z' });
    expect((first.json() as { features_calculated: unknown }).features_calculated).toStrictEqual({
      request_count: 1,
      client_error_count: 0,
      server_error_count: 1,
    });
    expect((again.json() as { features_calculated: unknown }).features_calculated).toStrictEqual({
      request_count: 2,
      client_error_count: 0,
      server_error_count: 2,
    });
  });

  it('POST /outlier/reload_models answers {status, message}', async () => {
    const res = await s.call('POST', '/outlier/reload_models');
    expect(res.status).toBe(200);
    expect(res.json()).toStrictEqual({ status: 'success', message: 'Models reloaded successfully.' });
    const after = await s.call('POST', '/outlier/detect', ORIGINAL_ENTRY);
    expect(after.status).toBe(200);
  });
});
