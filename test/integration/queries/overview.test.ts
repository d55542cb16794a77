import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAnomalies } from '../../../src/main/queries/anomalies';
import { overviewCounts, timeline } from '../../../src/main/queries/overview';
import { AnomalyQuerySchema } from '../../../src/shared/schemas/analysis';
import { openDatabase, type Db } from '../../../src/main/store/db';
import { ScoreWriter } from '../../../src/main/models/scoreWriter';
import type { ScoreArrays } from '../../../src/main/models/protocol';
import { WriteGate } from '../../../src/main/store/writeGate';
import { storeLogs } from '../../helpers/storeLogs';
import { tempDir } from '../../helpers/tmp';

describe('overview and timeline queries', () => {
  let db: Db;
  let cleanup: () => void;
  beforeEach(() => {
    const t = tempDir();
    cleanup = t.cleanup;
    db = openDatabase(join(t.dir, 'q.sqlite'));
    db.prepare("INSERT INTO sources (id, path, kind, added_at, parse_errors) VALUES (1, '/d', 'folder', 0, 0)").run();
    db.prepare(
      "INSERT INTO sources (id, path, kind, added_at, parse_errors, parent_id) VALUES (2, '/d/a.log', 'file', 0, 3, 1)",
    ).run();

    const score = db.prepare(
      'INSERT INTO scores (log_id, model_version, votes, is_anomaly, combined_score) VALUES (?, 1, ?, ?, 0.5)',
    );
    // 10 entries at t = 0, 1000, …, 9000 ms; every third one flagged, all from 10.0.0.x.
    for (let i = 0; i < 10; i++) {
      storeLogs(db, 2, [{ tsMs: i * 1000, ip: `10.0.0.${i % 2}` }]);
      score.run(i + 1, i % 3 === 0 ? 3 : 0, i % 3 === 0 ? 1 : 0);
    }
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  it('counts entries, top-level sources, parse errors and flagged entries', () => {
    expect(overviewCounts(db)).toEqual({
      logs: 10,
      sources: 1,
      parseErrors: 3,
      scored: 10,
      flagged: 4,
      firstTsMs: 0,
      lastTsMs: 9000,
      topIps: [
        { ip: '10.0.0.0', flagged: 2 },
        { ip: '10.0.0.1', flagged: 2 },
      ],
    });
  });

  it('counts scored entries as the score writer adds and rewrites them and as entries are removed', () => {
    const counted = () => db.prepare('SELECT count(*) FROM scores').pluck().get() as number;
    const scores = (ids: number[], flagged: boolean): ScoreArrays => ({
      ids: Float64Array.from(ids),
      models: ['iforest'],
      scores: [Float64Array.from(ids, () => 0.7)],
      thresholds: [0.6],
      votes: Uint8Array.from(ids, () => 1),
      isAnomaly: Uint8Array.from(ids, () => (flagged ? 1 : 0)),
      combined: Float64Array.from(ids, () => 0.7),
    });
    const writer = new ScoreWriter(db, new WriteGate());
    storeLogs(db, 2, [{ tsMs: 10_000 }, { tsMs: 11_000 }, { tsMs: 12_000 }]);
    // Entries 1–10 rescored by a newer model and 11–12 scored for the first time; 13 stays unscored.
    writer.writeSync(2, scores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], true));
    expect(overviewCounts(db).scored).toBe(12);
    // An older model's late rows change nothing, neither rows nor count.
    writer.writeSync(1, scores([11, 12], false));
    expect(overviewCounts(db).scored).toBe(12);
    expect(overviewCounts(db).flagged).toBe(12);
    // Removing the folder takes its file's entries and their scores along (foreign-key cascades).
    db.prepare('DELETE FROM sources WHERE id = 1').run();
    expect(counted()).toBe(0);
    expect(overviewCounts(db)).toMatchObject({ logs: 0, scored: 0, flagged: 0 });
  });

  it('puts every entry in exactly one bucket (integer bucket numbers)', () => {
    const t = timeline(db, { buckets: 3 });
    // Range [0, 9001) in 3 buckets of ceil(9001 / 3) ms.
    expect(t.bucketMs).toBe(3001);
    expect(t.points).toEqual([
      { t: 0, total: 4, flagged: 2 },
      { t: 3001, total: 3, flagged: 1 },
      { t: 6002, total: 3, flagged: 1 },
    ]);
    expect(t.points.reduce((s, p) => s + p.total, 0)).toBe(10);
  });

  it('pages flagged entries by cursor or by offset, in the same order', () => {
    const q = (extra: object) => AnomalyQuerySchema.parse({ limit: 2, ...extra });
    const first = listAnomalies(db, q({}));
    expect(first.rows.map((r) => r.id)).toEqual([10, 7]);
    expect(first.total).toBe(4);
    const next = listAnomalies(db, q({ cursor: first.nextCursor }));
    expect(next.rows.map((r) => r.id)).toEqual([4, 1]);
    expect(listAnomalies(db, q({ offset: 2 })).rows.map((r) => r.id)).toEqual([4, 1]);
    expect(listAnomalies(db, q({ onlyFlagged: false, offset: 8 })).rows.map((r) => r.id)).toEqual([2, 1]);
  });
});
