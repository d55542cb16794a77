/**
 * The detail view's per-model vote: a model votes when its score is strictly above its
 * threshold, as the scorer decides (ml/stats.ts `above`, models/scoreWriter.ts). Scores exactly
 * at the threshold are common on duplicate-heavy features (KNN's threshold is often 0), so the
 * tie is tested: `>=` here would show votes the model never cast.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { logDetail } from '../../../src/main/queries/logDetail';
import { addSource, tempDb } from '../features/helpers';

const t = tempDb();
afterAll(() => t.cleanup());

describe('per-model votes in the detail view', () => {
  it('a score equal to its threshold is not a vote; one above it is', () => {
    const src = addSource(t.db, '/logs/a.log');
    const id = Number(
      t.db
        .prepare(
          "INSERT INTO logs (source_id, line_no, ts_ms, ip, endpoint, status, raw) VALUES (?, 1, 1000, '10.0.0.1', '/', 200, 'x')",
        )
        .run(src).lastInsertRowid,
    );
    t.db
      .prepare(
        `INSERT INTO scores (log_id, model_version, iforest_score, lof_score, knn_score, iforest_vote, lof_vote, knn_vote, votes, is_anomaly, combined_score)
         VALUES (?, 1, 0.5, 1.5000000001, 0, 0, 1, 0, 1, 0, 0.4)`,
      )
      .run(id);
    const d = logDetail(t.db, id, () => ({ iforest: 0.5, lof: 1.5, knn: 0 }), 300_000)!;
    expect(d.score!.models).toEqual({
      iforest: { score: 0.5, threshold: 0.5, vote: false },
      lof: { score: 1.5000000001, threshold: 1.5, vote: true },
      knn: { score: 0, threshold: 0, vote: false },
    });
  });
});
