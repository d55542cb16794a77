import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';
import type { WriteGate } from '../store/writeGate';
import type { ScoreArrays } from './protocol';

/** Rows per transaction when writing scores: each one is a short, synchronous write. */
const CHUNK = 20_000;

/**
 * Writes scores into `scores`, in chunks that each commit on their own, yielding between
 * them so a million-row rescoring never holds the event loop for long.
 */
export class ScoreWriter {
  private readonly upsert: Statement;

  constructor(
    private readonly db: Db,
    private readonly gate: WriteGate,
  ) {
    this.upsert = db.prepare(
      `INSERT OR REPLACE INTO scores (log_id, model_version, iforest_score, lof_score, knn_score, iforest_vote, lof_vote, knn_vote, votes, is_anomaly, combined_score)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Writes rows [from, to) of `s`; ids come from `s.ids` unless given. Synchronous: one transaction. */
  writeSync(version: number, s: ScoreArrays, from = 0, to = s.votes.length, ids: ArrayLike<number> = s.ids): void {
    const col = (name: string) => s.models.indexOf(name as ScoreArrays['models'][number]);
    const [fi, li, ki] = [col('iforest'), col('lof'), col('knn')];
    const score = (m: number, i: number) => (m < 0 ? null : s.scores[m][i]);
    const vote = (m: number, i: number) => (m < 0 ? null : s.scores[m][i] > s.thresholds[m] ? 1 : 0);
    this.db.transaction(() => {
      for (let i = from; i < to; i++) {
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
    })();
  }

  async write(version: number, s: ScoreArrays, onProgress?: (done: number, total: number) => void): Promise<void> {
    const n = s.votes.length;
    for (let from = 0; from < n; from += CHUNK) {
      await this.gate.idle();
      this.writeSync(version, s, from, Math.min(n, from + CHUNK));
      onProgress?.(Math.min(n, from + CHUNK), n);
      await yieldToLoop();
    }
  }
}
