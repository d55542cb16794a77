import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';
import type { WriteGate } from '../store/writeGate';
import type { ScoreArrays } from './protocol';

/**
 * Longest a transaction of `write` may spend inserting before it commits. A row costs ~10 µs,
 * so a 300,000-row rescoring becomes a few hundred short transactions with the event loop
 * free between them (a fixed 20,000-row chunk held it for 60–140 ms on the 2-core CI
 * machine). WAL checkpoints run in their own thread (store/checkpointer.ts), not in these commits.
 */
const SLICE_MS = 8;
/** Rows written between two looks at the clock. */
const CHECK_EVERY = 256;

/**
 * Writes scores into `scores`. A row never goes back to an older model version: a score
 * computed by the previous model that arrives after the new model's score of the same entry
 * (a batch of new entries scored just before the swap) is dropped, so after a training every
 * entry ends up with the newest version's scores whatever the interleaving.
 */
export class ScoreWriter {
  private readonly upsert: Statement;

  constructor(
    private readonly db: Db,
    private readonly gate: WriteGate,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO scores (log_id, model_version, iforest_score, lof_score, knn_score, iforest_vote, lof_vote, knn_vote, votes, is_anomaly, combined_score)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (log_id) DO UPDATE SET
         model_version = excluded.model_version,
         iforest_score = excluded.iforest_score, lof_score = excluded.lof_score, knn_score = excluded.knn_score,
         iforest_vote = excluded.iforest_vote, lof_vote = excluded.lof_vote, knn_vote = excluded.knn_vote,
         votes = excluded.votes, is_anomaly = excluded.is_anomaly, combined_score = excluded.combined_score
       WHERE excluded.model_version >= scores.model_version`,
    );
  }

  /**
   * Writes rows [from, to) of `s` in one transaction (nested as a savepoint when the caller
   * has one open); ids come from `s.ids` unless given. With `budgetMs`, stops after the first
   * batch of rows that takes longer and returns where it stopped.
   */
  writeSync(
    version: number,
    s: ScoreArrays,
    from = 0,
    to = s.votes.length,
    ids: ArrayLike<number> = s.ids,
    budgetMs = Infinity,
  ): number {
    const col = (name: string) => s.models.indexOf(name as ScoreArrays['models'][number]);
    const [fi, li, ki] = [col('iforest'), col('lof'), col('knn')];
    const score = (m: number, i: number) => (m < 0 ? null : s.scores[m][i]);
    const vote = (m: number, i: number) => (m < 0 ? null : s.scores[m][i] > s.thresholds[m] ? 1 : 0);
    const started = performance.now();
    return this.db.transaction(() => {
      let i = from;
      while (i < to) {
        const stop = Math.min(to, i + CHECK_EVERY);
        for (; i < stop; i++) {
          this.upsert.run(
            ids[i],
            version,
            score(fi, i),
            score(li, i),
            score(ki, i),
            vote(fi, i),
            vote(li, i),
            vote(ki, i),
            s.votes[i],
            s.isAnomaly[i],
            s.combined[i],
          );
        }
        if (performance.now() - started >= budgetMs) break;
      }
      return i;
    })();
  }

  /** All rows of `s`, in short transactions that each commit on their own, yielding between them. */
  async write(version: number, s: ScoreArrays, onProgress?: (done: number, total: number) => void): Promise<void> {
    const n = s.votes.length;
    let from = 0;
    let reported = 0;
    while (from < n) {
      from = await this.gate.write(() => this.writeSync(version, s, from, n, s.ids, SLICE_MS));
      if (onProgress && (from - reported >= 20_000 || from === n)) {
        reported = from;
        onProgress(from, n);
      }
      await yieldToLoop();
    }
  }
}
