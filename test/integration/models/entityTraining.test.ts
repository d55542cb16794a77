/**
 * The default scoring (`entity` feature set) through the real HTTP API, the real worker and a
 * real SQLite file, on a labelled 40,000-row sample: what is flagged stays within the
 * contamination (per model and combined), the injected anomalies rank on top, new entries are
 * scored as they arrive, detections and explanations work, and switching the feature set
 * retrains with progress.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LogDetailSchema, ModelsOverviewSchema } from '../../../src/shared/schemas/analysis';
import { rocAuc } from '../../../src/main/detectors/stats';
import { request, startTestServer, type TestServer } from '../../helpers/http';
import { waitFor } from '../../helpers/wait';
import { count } from '../ingest/engineFixture';
import { recordEvents } from './helpers';

const ROWS = 40_000;
const CONTAMINATION = 0.05;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  expect((await server.call('POST', '/data/generate_sample', { rows: ROWS, seed: 7 })).status).toBe(200);
  const r = await server.call('POST', '/model/train_models');
  expect(r.status, r.text).toBe(200);
});

afterAll(async () => {
  await server?.close();
});

async function models() {
  return ModelsOverviewSchema.parse((await server.call('GET', '/models')).json());
}

describe('entity scoring (the default)', () => {
  test('the version records the entity feature set; every entry is scored by it', async () => {
    const [v] = (await models()).versions;
    expect(v).toMatchObject({ version: 1, status: 'complete', live: true, rows: ROWS });
    expect(v.config.featureSet).toBe('entity');
    expect(server.engine.models.liveFeatureSet).toBe('entity');
    expect(count(server.engine, 'SELECT count(*) FROM scores WHERE model_version = 1')).toBe(ROWS);
  });

  test('at most contamination + 0.5 pp of entries are flagged, and voted for by each model', async () => {
    const e = server.engine;
    const share = (sql: string) => count(e, sql) / ROWS;
    const flagged = share('SELECT count(*) FROM scores WHERE is_anomaly = 1');
    const perModel = ['iforest', 'lof', 'knn'].map((m) => share(`SELECT count(*) FROM scores WHERE ${m}_vote = 1`));
    console.log(`entity scoring on the sample: flagged ${flagged}, votes per model ${perModel.join(' / ')}`);
    expect(flagged).toBeGreaterThan(0);
    expect(flagged).toBeLessThanOrEqual(CONTAMINATION + 0.005);
    for (const s of perModel) expect(s).toBeLessThanOrEqual(CONTAMINATION + 0.005);
    // Votes follow the stored thresholds; the flag follows the combined score, not the vote.
    const th = e.models.registry.thresholds(1);
    const wrong = e.db
      .prepare(
        `SELECT count(*) FROM scores WHERE iforest_vote != (iforest_score > @i) OR lof_vote != (lof_score > @l)
           OR knn_vote != (knn_score > @k) OR votes != iforest_vote + lof_vote + knn_vote
           OR combined_score < 0 OR combined_score > 1`,
      )
      .pluck()
      .get({ i: th.iforest, l: th.lof, k: th.knn });
    expect(wrong).toBe(0);
    const minFlagged = e.db
      .prepare('SELECT min(combined_score) FROM scores WHERE is_anomaly = 1')
      .pluck()
      .get() as number;
    const maxUnflagged = e.db
      .prepare('SELECT max(combined_score) FROM scores WHERE is_anomaly = 0')
      .pluck()
      .get() as number;
    expect(minFlagged).toBeGreaterThan(maxUnflagged);
  });

  test('the injected anomalies rank high: ROC-AUC of the combined score and precision of the top 100', async () => {
    const rows = server.engine.db
      .prepare(
        `SELECT s.combined_score AS score, sl.label IS NOT NULL AS hit FROM scores s
         LEFT JOIN sample_labels sl ON sl.log_id = s.log_id ORDER BY s.combined_score DESC, s.log_id`,
      )
      .raw()
      .all() as Array<[number, number]>;
    const auc = rocAuc(
      rows.map((r) => r[0]),
      rows.map((r) => r[1]),
    );
    const top100 = rows.slice(0, 100).filter((r) => r[1] === 1).length / 100;
    const [v] = (await models()).versions;
    console.log(
      `entity scoring on the sample: ROC-AUC ${auc.toFixed(3)}, top-100 precision ${top100}, ` +
        `recall ${v.metrics.recall?.toFixed(3)}, precision ${v.metrics.precision?.toFixed(3)}`,
    );
    expect(auc).toBeGreaterThan(0.9);
    expect(v.metrics.recall!).toBeGreaterThan(0.5);
  });

  test('GET /logs/:id explains a flagged entry in words, the unusual features first', async () => {
    // The injected 404 scan's busiest flagged line (its first lines have little history yet).
    const id = server.engine.db
      .prepare(
        `SELECT s.log_id FROM scores s JOIN sample_labels sl ON sl.log_id = s.log_id
         JOIN features f ON f.log_id = s.log_id
         WHERE sl.label = '404_scan' AND s.is_anomaly = 1 ORDER BY f.request_count DESC, s.log_id LIMIT 1`,
      )
      .pluck()
      .get() as number;
    const detail = LogDetailSchema.parse((await server.call('GET', `/logs/${id}`)).json());
    expect(detail.score?.isAnomaly).toBe(true);
    const ex = detail.explanation!;
    expect(ex.map((x) => x.feature).sort()).toHaveLength(13);
    // The most unusual feature leads (high, or the IP's age when it is new); a scan is many 4xx
    // and many distinct paths from a new IP.
    expect(ex[0].text).toMatch(/(percentile|client-IP hours)\)$/);
    expect(ex.find((x) => x.feature === 'ip_age_min')!.text).toMatch(/^IP first seen \d+ min earlier \(newer than/);
    const unusual = ex.filter((x) => /percentile\)$/.test(x.text)).map((x) => x.feature);
    expect(unusual).toEqual(expect.arrayContaining(['client_error_count', 'distinct_paths_long']));
    console.log(`why entry ${id} is flagged: ${ex.map((x) => x.text).join('; ')}`);
    const requests = ex.find((x) => x.feature === 'request_count')!;
    expect(requests.value).toBe(detail.features!.request_count);
  });

  test('a detection is scored with the 13 features; its first three are the original counts', async () => {
    const hi = server.engine.db.prepare('SELECT max(ts_ms) FROM logs').pluck().get() as number;
    const body = {
      timestamp: hi + 1000,
      ip_address: '192.168.1.5',
      service_endpoint: '/login',
      http_response_code: 401,
    };
    const r = await server.call('POST', '/outlier/detect', body);
    expect(r.status, r.text).toBe(200);
    const a = r.json() as {
      features_calculated: Record<string, number>;
      model_predictions: Record<string, { is_anomaly: boolean; score: string }>;
      final_decision: { is_anomaly: boolean };
      log_id: number;
    };
    expect(Object.keys(a.model_predictions).sort()).toEqual(['iforest', 'knn', 'lof']);
    const window = count(
      server.engine,
      'SELECT count(*) FROM logs WHERE ip = ? AND ts_ms > ? AND ts_ms <= ?',
      body.ip_address,
      body.timestamp - 300_000,
      body.timestamp,
    );
    expect(a.features_calculated.request_count).toBe(window);
    const stored = server.engine.db.prepare('SELECT is_anomaly FROM scores WHERE log_id = ?').pluck().get(a.log_id);
    expect(stored).toBe(a.final_decision.is_anomaly ? 1 : 0);
  });

  test('entries ingested after training are scored by the live model as they arrive', async () => {
    const hi = server.engine.db.prepare('SELECT max(ts_ms) FROM logs').pluck().get() as number;
    const clf = (t: number) => new Date(t).toISOString().replace(/^(\d+)-(\d+)-(\d+)T([\d:]+)\.\d+Z$/, '$3/$2/$1:$4');
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const stamp = (t: number) => {
      const [d, m, rest] = clf(t).split('/');
      return `${d}/${months[Number(m) - 1]}/${rest} +0000`;
    };
    // A scanner: one new IP, 300 different paths, all 404, two a second.
    const lines = Array.from(
      { length: 300 },
      (_, i) =>
        `203.0.113.99 - - [${stamp(hi + 5000 + i * 500)}] "GET /probe-${i}.php HTTP/1.1" 404 120 "-" "sqlmap/1.7"`,
    ).join('\n');
    const up = await request(server.port, 'POST', '/ingest?name=scan.log', {
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'text/plain' },
      body: Buffer.from(lines),
    });
    expect(up.status, up.text).toBe(200);
    await waitFor(
      () =>
        count(
          server.engine,
          "SELECT count(*) FROM scores s JOIN logs l ON l.id = s.log_id WHERE l.ip = '203.0.113.99'",
        ) === 300,
      'the scanner lines to be scored',
    );
    const flagged = count(
      server.engine,
      "SELECT count(*) FROM scores s JOIN logs l ON l.id = s.log_id WHERE l.ip = '203.0.113.99' AND s.is_anomaly = 1",
    );
    console.log(`live scoring: ${flagged} of the scanner's 300 lines flagged`);
    expect(flagged).toBeGreaterThan(240);
  });

  test('switching to the original feature set retrains with progress; the new version scores the original way', async () => {
    const { events, stop } = recordEvents(server.engine);
    const r = await server.call('PUT', '/config', { featureSet: 'original' });
    expect(r.status, r.text).toBe(200);
    await waitFor(
      async () => (await models()).versions.some((v) => v.version === 2 && v.status === 'complete' && v.live),
      'version 2',
    );
    stop();
    const [v] = (await models()).versions;
    expect(v.config.featureSet).toBe('original');
    expect(server.engine.models.liveFeatureSet).toBe('original');
    expect(events.some((e) => e.type === 'training-progress' && e.stage === 'fitting iforest')).toBe(true);
    // The original's flag is the majority vote.
    expect(
      count(server.engine, 'SELECT count(*) FROM scores WHERE model_version = 2 AND is_anomaly != (votes >= 2)'),
    ).toBe(0);
  });
});
