/**
 * The scheduler on a real SQLite store with an explicit clock (`tick(now)`) and a fake run:
 * periodic runs, the persisted next-run time, a missed run running once, the after-M-entries
 * trigger, failures not retried at every tick, and no overlapping runs.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ApiError } from '../../../src/shared/api';
import { AppConfigSchema, type AppConfig } from '../../../src/shared/config';
import { Scheduler } from '../../../src/main/models/scheduler';
import { readSetting, writeSetting } from '../../../src/main/store/configStore';
import { openDatabase, type Db } from '../../../src/main/store/db';
import { tempDir } from '../../helpers/tmp';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 1, 12);

let dir: ReturnType<typeof tempDir>;
let db: Db;
let config: AppConfig;
let runs: string[];
let outcome: () => Promise<unknown>;

function scheduler(): Scheduler {
  return new Scheduler({
    db,
    logger: pino({ level: 'silent' }),
    config: () => config,
    run: (reason) => {
      runs.push(reason);
      return outcome();
    },
  });
}

function addLogs(n: number): void {
  const source =
    (db.prepare("SELECT id FROM sources WHERE path = 'test.log'").pluck().get() as number | undefined) ??
    Number(
      db.prepare("INSERT INTO sources (path, kind, added_at) VALUES ('test.log', 'file', 0)").run().lastInsertRowid,
    );
  const insert = db.prepare(
    "INSERT INTO logs (source_id, line_no, ts_ms, ip, endpoint, status) VALUES (?, ?, ?, '10.0.0.1', '/', 200)",
  );
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(source, i, T0 + i);
  })();
}

beforeEach(() => {
  dir = tempDir();
  db = openDatabase(join(dir.dir, 'test.sqlite'));
  config = AppConfigSchema.parse({});
  runs = [];
  outcome = () => Promise.resolve(1);
});

afterEach(() => {
  db.close();
  dir.cleanup();
});

describe('periodic runs', () => {
  test('the first next-run time is N hours ahead and persisted', () => {
    const s = scheduler();
    const before = Date.now();
    const next = s.nextRunAt;
    expect(next).toBeGreaterThanOrEqual(before + 24 * HOUR);
    expect(next).toBeLessThanOrEqual(Date.now() + 24 * HOUR);
    expect(Number(readSetting(db, 'scheduler.nextRunAt'))).toBe(next);
    // A new scheduler (a restart) reads it back rather than starting over.
    expect(scheduler().nextRunAt).toBe(next);
  });

  test('runs when due, not before; the next run moves N hours past the run', async () => {
    config = AppConfigSchema.parse({ retrainEveryHours: 6 });
    addLogs(10);
    const s = scheduler();
    s.reschedule(T0);
    expect(s.nextRunAt).toBe(T0 + 6 * HOUR);
    expect(await s.tick(T0 + 6 * HOUR - 1)).toBe(false);
    expect(runs).toEqual([]);
    expect(await s.tick(T0 + 6 * HOUR)).toBe(true);
    expect(runs).toEqual(['schedule']);
    expect(s.nextRunAt).toBe(T0 + 12 * HOUR);
    expect(Number(readSetting(db, 'scheduler.nextRunAt'))).toBe(T0 + 12 * HOUR);
    expect(await s.tick(T0 + 6 * HOUR + 1000)).toBe(false);
    expect(runs).toHaveLength(1);
  });

  test('a run missed while the app was closed (or asleep) for days runs once', async () => {
    addLogs(10);
    writeSetting(db, 'scheduler.nextRunAt', String(T0 - 3 * 24 * HOUR));
    const s = scheduler(); // as after a restart
    expect(await s.tick(T0)).toBe(true);
    expect(await s.tick(T0 + 1)).toBe(false);
    expect(await s.tick(T0 + 23 * HOUR)).toBe(false);
    expect(runs).toEqual(['schedule']);
    expect(s.nextRunAt).toBe(T0 + 24 * HOUR);
  });

  test('nothing to train on: no run, and the schedule waits', async () => {
    const s = scheduler();
    s.reschedule(T0 - 48 * HOUR);
    expect(await s.tick(T0)).toBe(false);
    expect(runs).toEqual([]);
    addLogs(1);
    expect(await s.tick(T0)).toBe(true);
  });
});

describe('after M new entries', () => {
  test('runs once M entries arrived since the last run, then waits for M more', async () => {
    config = AppConfigSchema.parse({ retrainAfterEntries: 100 });
    const s = scheduler();
    s.reschedule(T0); // periodic run a day away
    addLogs(99);
    expect(await s.tick(T0 + 1)).toBe(false);
    addLogs(1);
    expect(await s.tick(T0 + 2)).toBe(true);
    expect(runs).toEqual(['100 new entries']);
    addLogs(99);
    expect(await s.tick(T0 + 3)).toBe(false);
    addLogs(1);
    expect(await s.tick(T0 + 4)).toBe(true);
    expect(runs).toHaveLength(2);
  });

  test('off (0) by default', async () => {
    const s = scheduler();
    s.reschedule(T0);
    addLogs(10_000);
    expect(await s.tick(T0 + 1)).toBe(false);
  });

  test('a manual training resets the count (noteTrained)', async () => {
    config = AppConfigSchema.parse({ retrainAfterEntries: 50 });
    const s = scheduler();
    s.reschedule(T0);
    addLogs(60);
    s.noteTrained();
    expect(await s.tick(T0 + 1)).toBe(false);
    addLogs(50);
    expect(await s.tick(T0 + 2)).toBe(true);
  });
});

describe('failures and overlap', () => {
  test('a failing run (too little data) is not retried at every tick', async () => {
    config = AppConfigSchema.parse({ retrainAfterEntries: 10 });
    outcome = () => Promise.reject(new ApiError(422, 'Training failed: too few entries'));
    const s = scheduler();
    s.reschedule(T0);
    addLogs(12);
    expect(await s.tick(T0 + 1)).toBe(false);
    expect(runs).toHaveLength(1);
    for (let i = 2; i < 20; i++) expect(await s.tick(T0 + i)).toBe(false);
    expect(runs).toHaveLength(1);
    addLogs(10);
    expect(await s.tick(T0 + 100)).toBe(false);
    expect(runs).toHaveLength(2);
  });

  test('a tick while a run is in progress does not start another', async () => {
    addLogs(1);
    let release!: () => void;
    outcome = () => new Promise<void>((r) => (release = r));
    const s = scheduler();
    s.reschedule(T0);
    const first = s.tick(T0 + 24 * HOUR);
    expect(await s.tick(T0 + 48 * HOUR)).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(runs).toEqual(['schedule']);
  });

  test('a training already running (409) counts as skipped, without a retry storm', async () => {
    addLogs(1);
    outcome = () => Promise.reject(new ApiError(409, 'A training run is already in progress'));
    const s = scheduler();
    s.reschedule(T0);
    expect(await s.tick(T0 + 24 * HOUR)).toBe(false);
    expect(await s.tick(T0 + 24 * HOUR + 1)).toBe(false);
    expect(runs).toHaveLength(1);
    expect(s.nextRunAt).toBe(T0 + 48 * HOUR);
  });
});
