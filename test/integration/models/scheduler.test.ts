/**
 * The scheduler inside the engine: a run missed while the app was closed runs once at start
 * (features first, then training, then the swap), the next run time is persisted and shown,
 * the after-M-entries trigger, and a restart with a future next run does not train.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DB_FILE, Engine } from '../../../src/main/engine';
import { readSetting, writeSetting } from '../../../src/main/store/configStore';
import { tempDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';
import { count } from '../ingest/engineFixture';
import { captureLogger, recordEvents } from './helpers';

const HOUR = 3_600_000;
const ROWS = 3_000;

let dir: ReturnType<typeof tempDir>;
let engine: Engine;

beforeAll(async () => {
  dir = tempDir();
  engine = await Engine.start({ dataDir: dir.dir, schedule: false });
  await engine.call('generateSample', { rows: ROWS, seed: 21 });
});

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

describe('scheduler in the engine', () => {
  test('a missed run (next run in the past at start) runs once: features, then training, then the swap', async () => {
    await engine.close();
    // While the app is closed: the run is three days overdue, and the features are gone (as if
    // the app stopped before computing them), so the run must compute them first.
    const offline = new Database(join(dir.dir, DB_FILE));
    writeSetting(offline, 'scheduler.nextRunAt', String(Date.now() - 3 * 24 * HOUR));
    offline.prepare('DELETE FROM features').run();
    offline.close();

    const startedAt = Date.now();
    const log = captureLogger('debug');
    engine = await Engine.start({ dataDir: dir.dir, logger: log.logger }); // with the schedule
    await waitFor(() => engine.models.liveVersion === 1 && !engine.models.isTraining, 'the missed run', 60_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}; log: ${JSON.stringify(log.lines.filter((l) => Number(l.level) >= 30))}`);
      },
    );
    expect(count(engine, 'SELECT count(*) FROM features')).toBe(ROWS);
    expect(count(engine, 'SELECT count(*) FROM scores WHERE model_version = 1')).toBe(ROWS);
    const [v] = engine.models.registry.list(1);
    expect(v).toMatchObject({ version: 1, status: 'complete', rows: ROWS });

    // Persisted a day after the run, shown by GET /models and the overview.
    const next = Number(readSetting(engine.db, 'scheduler.nextRunAt'));
    expect(next).toBeGreaterThanOrEqual(startedAt + 24 * HOUR);
    expect(next).toBeLessThanOrEqual(Date.now() + 24 * HOUR);
    expect((await engine.call('listModels', {})).nextRunAt).toBe(next);
    expect((await engine.call('overview', {})).nextRunAt).toBe(next);

    // Once: neither another tick nor a restart trains again.
    expect(await engine.scheduler.tick(Date.now())).toBe(false);
    await engine.close();
    engine = await Engine.start({ dataDir: dir.dir });
    expect(await engine.scheduler.tick(Date.now() + HOUR)).toBe(false);
    expect(count(engine, 'SELECT count(*) FROM models')).toBe(1);
    expect(Number(readSetting(engine.db, 'scheduler.nextRunAt'))).toBe(next);
  });

  test('a due tick runs the stages in order and moves the next run', async () => {
    const { events, stop } = recordEvents(engine);
    const now = engine.scheduler.nextRunAt + 1;
    expect(await engine.scheduler.tick(now)).toBe(true);
    stop();
    expect(engine.models.liveVersion).toBe(2);
    const order = events.flatMap((e) =>
      e.type === 'model-swapped' ? ['swap'] : e.type === 'training-progress' && e.fraction < 1 ? [e.stage] : [],
    );
    expect(order[0]).toBe('computing features');
    expect(order.indexOf('fitting iforest')).toBeGreaterThan(0);
    expect(order.indexOf('writing scores')).toBeGreaterThan(order.indexOf('fitting iforest'));
    expect(order.indexOf('swap')).toBeGreaterThan(order.indexOf('writing scores'));
    expect(engine.scheduler.nextRunAt).toBe(now + 24 * HOUR);
  });

  test('changing the interval reschedules from now, persisted', async () => {
    const before = Date.now();
    await engine.call('putConfig', { retrainEveryHours: 2 });
    const next = Number(readSetting(engine.db, 'scheduler.nextRunAt'));
    expect(next).toBeGreaterThanOrEqual(before + 2 * HOUR);
    expect(next).toBeLessThanOrEqual(Date.now() + 2 * HOUR);
    expect((await engine.call('listModels', {})).nextRunAt).toBe(next);
  });

  test('after M new entries: the next tick trains, then waits for M more', async () => {
    await engine.call('putConfig', { retrainAfterEntries: 1_000 });
    const now = Date.now();
    expect(await engine.scheduler.tick(now)).toBe(false); // nothing new since the last run
    await engine.call('generateSample', { rows: 1_200, seed: 22 });
    expect(await engine.scheduler.tick(now + 1)).toBe(true);
    expect(engine.models.liveVersion).toBe(3);
    expect(count(engine, 'SELECT count(*) FROM scores WHERE model_version = 3')).toBe(ROWS + 1_200);
    expect(await engine.scheduler.tick(now + 2)).toBe(false);
  });

  test('an interrupted run and a missed run at the same start: the engine starts and trains once', async () => {
    await engine.close();
    const offline = new Database(join(dir.dir, DB_FILE));
    const before = offline.prepare('SELECT max(version) FROM models').pluck().get() as number;
    offline
      .prepare("INSERT INTO models (created_at, status, config) VALUES (?, 'training', '{}')")
      .run(Date.now() - HOUR);
    writeSetting(offline, 'scheduler.nextRunAt', String(Date.now() - HOUR));
    offline.close();

    engine = await Engine.start({ dataDir: dir.dir });
    expect(engine.models.liveVersion).toBe(before);
    const redone = before + 2;
    await waitFor(() => engine.models.liveVersion === redone && !engine.models.isTraining, 'one training');
    const versions = engine.models.registry.list(redone);
    expect(versions.find((v) => v.version === before + 1)).toMatchObject({ status: 'failed' });
    expect(versions.find((v) => v.version === redone)).toMatchObject({ status: 'complete', live: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(count(engine, 'SELECT max(version) FROM models')).toBe(redone);
  });
});
