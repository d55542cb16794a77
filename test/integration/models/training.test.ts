/**
 * Training through the real HTTP API on a labelled 40,000-row sample: the registry row of a
 * version, scores for every entry, recall/precision against the injected anomalies, a second
 * concurrent training refused, progress, new entries scored as they arrive, retraining, reload.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ModelsOverviewSchema } from '../../../src/shared/schemas/analysis';
import { startTestServer, type TestServer } from '../../helpers/http';
import { waitFor } from '../../helpers/wait';
import { count } from '../ingest/engineFixture';
import { recordEvents } from './helpers';

const ROWS = 40_000;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  // This file checks the original's vote rule (entityTraining.test.ts checks the default).
  expect((await server.call('PUT', '/config', { featureSet: 'original' })).status).toBe(200);
  const r = await server.call('POST', '/data/generate_sample', { rows: ROWS, seed: 7 });
  expect(r.status).toBe(200);
});

afterAll(async () => {
  await server?.close();
});

async function models() {
  const r = await server.call('GET', '/models');
  expect(r.status).toBe(200);
  return ModelsOverviewSchema.parse(r.json());
}

describe('training', () => {
  test('a second training while one runs is refused with 409 and a message; the first completes', async () => {
    const { events, stop } = recordEvents(server.engine);
    const first = server.call('POST', '/model/train_models');
    // The first request is in the engine once the run has begun.
    await waitFor(() => server.engine.models.isTraining, 'the first training to start');
    const second = await server.call('POST', '/model/train_models');
    expect(second.status).toBe(409);
    expect(second.text).toMatch(/already in progress/);
    const done = await first;
    expect(done.status).toBe(200);
    expect(done.json()).toMatchObject({ status: 'success' });
    stop();

    // Progress: reported, never going backwards, ending at 1 after the swap.
    const progress = events.filter((e) => e.type === 'training-progress');
    expect(progress.length).toBeGreaterThan(5);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i].fraction).toBeGreaterThanOrEqual(progress[i - 1].fraction);
    }
    expect(progress[0].stage).toBe('computing features');
    expect(progress.at(-1)).toMatchObject({ fraction: 1, stage: 'done' });
    const swapped = events.findIndex((e) => e.type === 'model-swapped');
    const writing = events.findIndex((e) => e.type === 'training-progress' && e.stage === 'writing scores');
    expect(writing).toBeGreaterThan(-1);
    expect(swapped).toBeGreaterThan(writing); // the swap comes after the scores are written
  });

  test('the registry lists the version with config, span, rows, thresholds, time and metrics', async () => {
    const m = await models();
    expect(m.live).toBe(1);
    expect(m.training).toBe(false);
    expect(m.nextRunAt).toBeGreaterThan(Date.now());
    const [v] = m.versions;
    expect(v).toMatchObject({ version: 1, status: 'complete', live: true, comparable: true, rows: ROWS, error: null });
    expect(v.config).toMatchObject({ models: ['iforest', 'lof', 'knn'], contamination: 0.05, trainingSpanHours: 24 });
    const { lo, hi } = server.engine.db.prepare('SELECT min(ts_ms) AS lo, max(ts_ms) AS hi FROM logs').get() as {
      lo: number;
      hi: number;
    };
    expect(v.spanEndMs).toBe(hi);
    expect(v.spanStartMs).toBe(hi - 24 * 3_600_000);
    expect(v.spanStartMs!).toBeLessThanOrEqual(lo);
    expect(Object.keys(v.thresholds).sort()).toEqual(['iforest', 'knn', 'lof']);
    for (const t of Object.values(v.thresholds)) expect(Number.isFinite(t)).toBe(true);
    expect(v.trainMs).toBeGreaterThan(0);
    expect(v.metrics.scored).toBe(ROWS);
    expect(v.metrics.labelled).toBeGreaterThan(100);
    // The stored parameters are gzip'd JSON.
    const params = server.engine.models.registry.params(1)!;
    expect([params[0], params[1]]).toEqual([0x1f, 0x8b]);
  });

  test('every entry has per-model scores, votes and the flag of the live version', async () => {
    const db = server.engine.db;
    expect(count(server.engine, 'SELECT count(*) FROM scores')).toBe(ROWS);
    expect(count(server.engine, 'SELECT count(*) FROM scores WHERE model_version = 1')).toBe(ROWS);
    expect(
      count(
        server.engine,
        'SELECT count(*) FROM scores WHERE iforest_score IS NULL OR lof_score IS NULL OR knn_score IS NULL',
      ),
    ).toBe(0);
    const th = server.engine.models.registry.thresholds(1);
    // Votes follow the stored thresholds; the flag is the majority (2 of 3).
    const wrong = db
      .prepare(
        `SELECT count(*) FROM scores WHERE
           iforest_vote != (iforest_score > @i) OR lof_vote != (lof_score > @l) OR knn_vote != (knn_score > @k)
           OR votes != iforest_vote + lof_vote + knn_vote OR is_anomaly != (votes >= 2)
           OR combined_score < 0 OR combined_score > 1`,
      )
      .pluck()
      .get({ i: th.iforest, l: th.lof, k: th.knn });
    expect(wrong).toBe(0);
  });

  test('recall and precision on the sample: stored metrics match the labels', async () => {
    const [v] = (await models()).versions;
    const e = server.engine;
    const labelled = count(e, 'SELECT count(*) FROM sample_labels');
    const flagged = count(e, 'SELECT count(*) FROM scores WHERE is_anomaly = 1');
    const hits = count(
      e,
      'SELECT count(*) FROM scores s JOIN sample_labels l ON l.log_id = s.log_id WHERE s.is_anomaly = 1',
    );
    expect(v.metrics.labelled).toBe(labelled);
    expect(v.metrics.flagged).toBe(flagged);
    expect(v.metrics.recall).toBeCloseTo(hits / labelled, 12);
    expect(v.metrics.precision).toBeCloseTo(hits / flagged, 12);
    const perLabel = e.db
      .prepare(
        `SELECT l.label, count(*) AS n, sum(s.is_anomaly) AS caught FROM sample_labels l
         JOIN scores s ON s.log_id = l.log_id GROUP BY l.label ORDER BY l.label`,
      )
      .all();
    console.log(
      `sample quality (${ROWS} rows, ${labelled} labelled): recall ${v.metrics.recall?.toFixed(3)}, ` +
        `precision ${v.metrics.precision?.toFixed(3)}, flagged ${flagged}; per label ${JSON.stringify(perLabel)}`,
    );
    expect(v.metrics.recall!).toBeGreaterThan(0.3);
    // 5 % contamination per model against ~0.5 % injected rows: precision is bounded by ~0.2.
    expect(v.metrics.precision!).toBeGreaterThan(0.05);
  });

  test('new entries are scored by the live model as they arrive', async () => {
    const r = await server.call('POST', '/data/generate_sample', { rows: 2_000, seed: 8 });
    expect(r.status).toBe(200);
    await waitFor(
      () => count(server.engine, 'SELECT count(*) FROM scores WHERE model_version = 1') === ROWS + 2_000,
      'the new entries to be scored',
    );
    expect(
      count(server.engine, 'SELECT count(*) FROM logs l LEFT JOIN scores s ON s.log_id = l.id WHERE s.log_id IS NULL'),
    ).toBe(0);
  });

  test('retraining makes a new live version and rescores every entry; reload keeps the newest', async () => {
    const r = await server.call('POST', '/model/train_models');
    expect(r.status).toBe(200);
    const m = await models();
    expect(m.live).toBe(2);
    expect(m.versions.map((v) => [v.version, v.status, v.live])).toEqual([
      [2, 'complete', true],
      [1, 'complete', false],
    ]);
    const total = count(server.engine, 'SELECT count(*) FROM logs');
    expect(count(server.engine, 'SELECT count(*) FROM scores WHERE model_version = 2')).toBe(total);

    const reload = await server.call('POST', '/outlier/reload_models');
    expect(reload.status).toBe(200);
    expect(reload.json()).toEqual({ status: 'success', message: 'Models reloaded successfully.' });
    expect((await models()).live).toBe(2);
  });
});

describe('too little data', () => {
  test('no entries: 409 with a message; a handful: 422 naming the minimum; nothing goes live', async () => {
    const s = await startTestServer();
    try {
      const none = await s.call('POST', '/model/train_models');
      expect(none.status).toBe(409);
      expect(none.text).toMatch(/no log entries to train on/);

      const lines = Array.from(
        { length: 12 },
        (_, i) =>
          `10.0.0.${i % 3} - - [10/Oct/2024:13:55:${String(10 + i).padStart(2, '0')} +0000] "GET /a HTTP/1.1" 200 12 "-" "x"`,
      ).join('\n');
      await s.engine.streams.ingest({ name: 'tiny.log', format: 'auto' }, Readable.from([lines + '\n']));
      expect(count(s.engine, 'SELECT count(*) FROM logs')).toBe(12);

      const few = await s.call('POST', '/model/train_models');
      expect(few.status).toBe(422);
      expect(few.text).toMatch(/only 12 entries with features; at least 30 are needed/);
      const m = ModelsOverviewSchema.parse((await s.call('GET', '/models')).json());
      expect(m.live).toBeNull();
      expect(m.versions[0]).toMatchObject({ status: 'failed' });
      expect(m.versions[0].error).toMatch(/at least 30/);

      const detect = await s.call('POST', '/outlier/detect', {
        timestamp: '2024-10-10T13:56:00Z',
        ip_address: '10.0.0.1',
        service_endpoint: '/a',
        http_response_code: 200,
      });
      // The original's own test expects 500 here (originalContract.test.ts).
      expect(detect.status).toBe(500);
    } finally {
      await s.close();
    }
  });
});
