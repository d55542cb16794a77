import { ApiError } from '../../shared/api';
import type { FeedbackRequest, Suppression, SuppressionRule } from '../../shared/schemas/feedback';
import type { Db } from '../store/db';
import { hiddenByRuleSql } from './suppressed';

interface SuppressionRow {
  id: number;
  created_at: number;
  ip: string | null;
  endpoint_glob: string | null;
  ua_glob: string | null;
  note: string;
  expires_at: number | null;
}

export interface SuppressionPatch {
  ip?: string | null;
  endpoint?: string | null;
  userAgent?: string | null;
  note?: string;
  expiresAt?: number | null;
}

/**
 * The analyst's feedback: verdicts on entries and incidents (each labels the entries it covers,
 * the newest verdict winning), and suppression rules. Training reads the labels and rules
 * (models/entityModel.ts), the lists read the rules (suppressed.ts).
 */
export class FeedbackStore {
  constructor(private readonly db: Db) {}

  /** Records a verdict on `ids` (the entry, or an incident's flagged entries) and, optionally, a rule. */
  record(f: FeedbackRequest, ids: readonly number[], target: string) {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare('INSERT INTO feedback (created_at, verdict, note, target, entries) VALUES (?, ?, ?, ?, ?)')
          .run(Date.now(), f.verdict, f.note, target, ids.length).lastInsertRowid,
      );
      const label = this.db.prepare(
        `INSERT INTO entry_labels (log_id, verdict, feedback_id) VALUES (?, ?, ?)
         ON CONFLICT (log_id) DO UPDATE SET verdict = excluded.verdict, feedback_id = excluded.feedback_id`,
      );
      for (const logId of ids) label.run(logId, f.verdict, id);
      const suppression = f.suppress ? this.addSuppression(f.suppress, id) : null;
      return { id, verdict: f.verdict, entries: ids.length, suppression };
    })();
  }

  addSuppression(rule: SuppressionRule, feedbackId: number | null = null): Suppression {
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO suppressions (created_at, ip, endpoint_glob, ua_glob, note, expires_at, feedback_id)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          Date.now(),
          rule.ip ?? null,
          rule.endpoint ?? null,
          rule.userAgent ?? null,
          rule.note,
          rule.expiresAt ?? null,
          feedbackId,
        ).lastInsertRowid,
    );
    return this.suppression(id);
  }

  updateSuppression(id: number, patch: SuppressionPatch): Suppression {
    const row = this.row(id);
    const next = {
      ip: patch.ip !== undefined ? patch.ip : row.ip,
      endpoint_glob: patch.endpoint !== undefined ? patch.endpoint : row.endpoint_glob,
      ua_glob: patch.userAgent !== undefined ? patch.userAgent : row.ua_glob,
      note: patch.note ?? row.note,
      expires_at: patch.expiresAt !== undefined ? patch.expiresAt : row.expires_at,
    };
    if (next.ip === null && next.endpoint_glob === null && next.ua_glob === null)
      throw new ApiError(400, 'ip: a suppression needs at least one of ip, endpoint, userAgent');
    this.db
      .prepare(
        'UPDATE suppressions SET ip = @ip, endpoint_glob = @endpoint_glob, ua_glob = @ua_glob, note = @note, expires_at = @expires_at WHERE id = @id',
      )
      .run({ ...next, id });
    return this.suppression(id);
  }

  removeSuppression(id: number): void {
    this.row(id);
    this.db.prepare('DELETE FROM suppressions WHERE id = ?').run(id);
  }

  listSuppressions(): Suppression[] {
    const ids = this.db.prepare('SELECT id FROM suppressions ORDER BY id DESC').pluck().all() as number[];
    return ids.map((id) => this.suppression(id));
  }

  private row(id: number): SuppressionRow {
    const r = this.db.prepare('SELECT * FROM suppressions WHERE id = ?').get(id) as SuppressionRow | undefined;
    if (!r) throw new ApiError(404, `suppression ${id} does not exist`);
    return r;
  }

  /** A rule with the number of flagged entries it hides now. */
  private suppression(id: number): Suppression {
    const r = this.row(id);
    const hides = this.db
      .prepare(
        `SELECT count(*) FROM scores s JOIN logs l ON l.id = s.log_id WHERE s.is_anomaly = 1 AND ${hiddenByRuleSql()}`,
      )
      .pluck()
      .get(id) as number;
    return {
      id: r.id,
      createdAt: r.created_at,
      ip: r.ip,
      endpoint: r.endpoint_glob,
      userAgent: r.ua_glob,
      note: r.note,
      expiresAt: r.expires_at,
      hides,
    };
  }
}
