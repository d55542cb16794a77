/**
 * A training that reads and scores only its span, then rescores the other entries in the
 * background (what a 10M-line log gets), must leave every entry with exactly the scores of the
 * ordinary run that scores everything at once: same model, same features (each chunk replayed
 * from a lookback earlier), ties at chunk edges kept together. Two engines on the same file: one
 * ordinary, one rescoring in the background in small chunks.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/http';
import { waitFor } from '../../helpers/wait';
import { count } from '../ingest/engineFixture';
import { captureLogger } from './helpers';
import { tempDir } from '../../helpers/tmp';

const ROWS = 12_000;
let ordinary: TestServer;
let background: TestServer;
/** Stopped while it rescored in the background, then started again on the same data folder. */
let restarted: TestServer;
const restartedDir = tempDir();
/** Entries without version 1's scores when the first run stopped. */
let staleAtStop = -1;
const log = captureLogger();
const restartLog = captureLogger();

/** Every score column of every entry, in id order. */
function scores(s: TestServer): unknown[][] {
  return s.engine.db
    .prepare(
      `SELECT log_id, model_version, iforest_score, lof_score, knn_score, iforest_vote, lof_vote, knn_vote,
              votes, is_anomaly, combined_score FROM scores ORDER BY log_id`,
    )
    .raw()
    .all() as unknown[][];
}

beforeAll(async () => {
  ordinary = await startTestServer();
  background = await startTestServer({
    engine: { logger: log.logger, backgroundRescore: { above: 0, chunkRows: 997 } },
  });
  // A 6 h span over a 24 h sample: three quarters of the entries lie outside it.
  for (const s of [ordinary, background])
    expect((await s.call('PUT', '/config', { trainingSpanHours: 6 })).status).toBe(200);
  expect((await ordinary.call('POST', '/data/generate_sample', { rows: ROWS, seed: 11 })).status).toBe(200);
  const [sample] = (ordinary.engine.db.prepare('SELECT path FROM sources').pluck().all() as string[]).slice(-1);
  expect((await background.call('POST', '/sources', { path: sample, watch: false })).status).toBe(200);
  await background.engine.ingest.idle();
  await waitFor(() => count(background.engine, 'SELECT count(*) FROM features') === ROWS, 'the copy has features');
  for (const s of [ordinary, background]) {
    const r = await s.call('POST', '/model/train_models');
    expect(r.status, r.text).toBe(200);
  }
  await background.engine.models.rescored();

  // The same training, stopped after its first chunks of the background rescoring: close() ends
  // the rescoring after the chunk in flight, as a quit does (a kill leaves the same record).
  // Small chunks (~90 of them): the stop comes long before the last.
  const first = await startTestServer({
    dataDir: restartedDir.dir,
    engine: { backgroundRescore: { above: 0, chunkRows: 101 } },
  });
  expect((await first.call('PUT', '/config', { trainingSpanHours: 6 })).status).toBe(200);
  expect((await first.call('POST', '/sources', { path: sample, watch: false })).status).toBe(200);
  await first.engine.ingest.idle();
  await waitFor(() => count(first.engine, 'SELECT count(*) FROM features') === ROWS, 'the third copy has features');
  expect((await first.call('POST', '/model/train_models')).status).toBe(200);
  await waitFor(() => count(first.engine, 'SELECT count(*) FROM scores WHERE model_version = 1') > 4000, 'some chunks');
  await first.close();
  const file = new Database(join(restartedDir.dir, 'outlier-desk.sqlite'), { readonly: true });
  staleAtStop = ROWS - (file.prepare('SELECT count(*) FROM scores WHERE model_version = 1').pluck().get() as number);
  file.close();
  restarted = await startTestServer({
    dataDir: restartedDir.dir,
    engine: { logger: restartLog.logger, backgroundRescore: { above: 0, chunkRows: 997 } },
  });
  await restarted.engine.models.rescored();
}, 240_000);

afterAll(async () => {
  await Promise.all([ordinary?.close(), background?.close(), restarted?.close()]);
  restartedDir.cleanup();
});

describe('a span-only training with the rest rescored in the background', () => {
  test('took the background path, in many chunks, to the end', () => {
    const done = log.lines.find((l) => l.msg === 'entries outside the span rescored');
    expect(done).toMatchObject({ version: 1, complete: true });
    const outside = count(
      ordinary.engine,
      'SELECT count(*) FROM logs WHERE ts_ms < (SELECT max(ts_ms) - 6 * 3600000 FROM logs)',
    );
    expect(outside).toBeGreaterThan(ROWS / 2);
    expect(done?.rows).toBe(outside);
  });

  test('every entry has exactly the scores of the ordinary run', () => {
    const want = scores(ordinary);
    expect(want).toHaveLength(ROWS);
    const got = scores(background);
    expect(got).toHaveLength(ROWS);
    const differing = got.filter((row, i) => JSON.stringify(row) !== JSON.stringify(want[i]));
    expect(differing.slice(0, 3)).toEqual([]);
  });

  test('the same model: equal thresholds and flags', () => {
    expect(background.engine.models.registry.thresholds(1)).toEqual(ordinary.engine.models.registry.thresholds(1));
    const flagged = (s: TestServer) => count(s.engine, 'SELECT count(*) FROM scores WHERE is_anomaly = 1');
    expect(flagged(background)).toBe(flagged(ordinary));
    expect(flagged(ordinary)).toBeGreaterThan(0);
  });

  test('a restart resumes a rescoring that a stop cut short, to the same scores', () => {
    expect(staleAtStop).toBeGreaterThan(1000);
    expect(restartLog.lines.find((l) => l.msg === 'resuming the rescoring of entries outside the span')).toBeDefined();
    expect(restartLog.lines.find((l) => l.msg === 'entries outside the span rescored')).toMatchObject({
      version: 1,
      complete: true,
    });
    const want = scores(ordinary);
    const got = scores(restarted);
    expect(got).toHaveLength(ROWS);
    const differing = got.filter((row, i) => JSON.stringify(row) !== JSON.stringify(want[i]));
    expect(differing.slice(0, 3)).toEqual([]);
    expect(restarted.engine.models.registry.pendingRescore(1)).toBeNull();
  });
});
