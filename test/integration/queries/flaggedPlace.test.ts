/**
 * Flagged scores carry their entry's time and IP (migration 8), so Overview's top IPs and the
 * timeline's flagged counts read an index instead of joining every flagged row to `logs`. Whoever
 * writes the scores (a training, a retraining that flags other rows, a detection), every flagged
 * row must carry exactly its entry's time and IP, and the answers must equal the joined ones.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { overviewCounts, timeline } from '../../../src/main/queries/overview';
import { startTestServer, type TestServer } from '../../helpers/http';
import { count } from '../ingest/engineFixture';

let s: TestServer;

/** Flagged rows whose time or IP is not their entry's. */
const misplaced = () =>
  count(
    s.engine,
    `SELECT count(*) FROM scores x JOIN logs l ON l.id = x.log_id
     WHERE x.is_anomaly = 1 AND (x.ts_ms IS NOT l.ts_ms OR x.ip IS NOT l.ip)`,
  );

/** The top IPs and the flagged timeline as the old joined queries computed them. */
function joined() {
  const topIps = s.engine.db
    .prepare(
      `SELECT l.ip, count(*) AS flagged FROM scores x JOIN logs l ON l.id = x.log_id
       WHERE x.is_anomaly = 1 GROUP BY l.ip ORDER BY flagged DESC, l.ip LIMIT 10`,
    )
    .all();
  const t = timeline(s.engine.db, { buckets: 60 });
  const flagged = s.engine.db
    .prepare(
      `SELECT CAST((l.ts_ms - ?) / ? AS INTEGER) AS b, count(*) AS n FROM scores x JOIN logs l ON l.id = x.log_id
       WHERE x.is_anomaly = 1 AND l.ts_ms >= ? AND l.ts_ms < ? GROUP BY b`,
    )
    .all(t.from, t.bucketMs, t.from, t.to) as Array<{ b: number; n: number }>;
  const by = new Map(flagged.map((r) => [r.b, r.n]));
  return { topIps, points: t.points.map((p, k) => ({ ...p, flagged: by.get(k) ?? 0 })), got: t.points };
}

beforeAll(async () => {
  s = await startTestServer();
  expect((await s.call('POST', '/data/generate_sample', { rows: 8_000, seed: 5 })).status).toBe(200);
  expect((await s.call('POST', '/model/train_models')).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await s?.close();
});

describe('flagged scores carry their entry’s time and IP; the scored count stays exact', () => {
  test('after a training', () => {
    expect(count(s.engine, 'SELECT count(*) FROM scores WHERE is_anomaly = 1')).toBeGreaterThan(0);
    expect(misplaced()).toBe(0);
    expect(overviewCounts(s.engine.db).scored).toBe(count(s.engine, 'SELECT count(*) FROM scores'));
    const j = joined();
    expect(overviewCounts(s.engine.db).topIps).toEqual(j.topIps);
    expect(j.got).toEqual(j.points);
  });

  test('after a retraining that flags other entries', async () => {
    const before = count(s.engine, 'SELECT count(*) FROM scores WHERE is_anomaly = 1');
    expect((await s.call('PUT', '/config', { contamination: 0.2 })).status).toBe(200);
    expect((await s.call('POST', '/model/train_models')).status).toBe(200);
    expect(count(s.engine, 'SELECT count(*) FROM scores WHERE is_anomaly = 1')).toBeGreaterThan(before);
    expect(misplaced()).toBe(0);
    expect(overviewCounts(s.engine.db).scored).toBe(count(s.engine, 'SELECT count(*) FROM scores'));
    const j = joined();
    expect(overviewCounts(s.engine.db).topIps).toEqual(j.topIps);
    expect(j.got).toEqual(j.points);
  }, 120_000);

  test('after detections posted through the API', async () => {
    const ts = count(s.engine, 'SELECT max(ts_ms) FROM logs');
    const entries = Array.from({ length: 30 }, (_, k) => ({
      timestamp: ts + k,
      ip_address: '203.0.113.9',
      service_endpoint: `/wp-login.php?k=${k}`,
      http_response_code: 404,
    }));
    expect((await s.call('POST', '/outlier/detect_batch', { entries })).status).toBe(200);
    expect(misplaced()).toBe(0);
    expect(overviewCounts(s.engine.db).scored).toBe(count(s.engine, 'SELECT count(*) FROM scores'));
  });
});
