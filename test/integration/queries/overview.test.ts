import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAnomalies } from '../../../src/main/queries/anomalies';
import { overviewCounts, timeline } from '../../../src/main/queries/overview';
import { AnomalyQuerySchema } from '../../../src/shared/schemas/analysis';
import { openDatabase, type Db } from '../../../src/main/store/db';
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
