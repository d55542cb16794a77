import { AppConfigSchema, type AppConfig, type ModelName } from '../../shared/config';
import type { ModelVersion } from '../../shared/schemas/analysis';
import type { Db } from '../store/db';

interface ModelRow {
  version: number;
  created_at: number;
  status: 'training' | 'complete' | 'failed';
  config: string;
  span_start_ms: number | null;
  span_end_ms: number | null;
  rows: number;
  thresholds: string;
  metrics: string;
  train_ms: number;
  error: string | null;
  comparable?: number;
}

export interface CompletedTraining {
  rows: number;
  thresholds: Partial<Record<ModelName, number>>;
  trainMs: number;
  params: Uint8Array;
  spanStartMs: number;
  spanEndMs: number;
}

/** A background rescoring still to run: entries with ids up to maxId outside the span, from fromTs on. */
export interface PendingRescore {
  maxId: number;
  spanStartMs: number;
  spanEndMs: number;
  fromTs: number;
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/**
 * Model versions in SQLite. A version is written as 'training' when a run starts, gets its
 * parameters when the worker is done, and becomes 'complete' in one UPDATE once its scores are
 * written. A crash or kill at any point before that leaves a row that is recognisably
 * unfinished (marked failed at the next start) and never a half-written live model.
 */
/** A version's stored config; versions from before feature sets were trained on the original's. */
function storedConfig(text: string): AppConfig {
  const raw = parseJson<Record<string, unknown>>(text, {});
  return AppConfigSchema.catch(AppConfigSchema.parse({})).parse({ featureSet: 'original', ...raw });
}

export class ModelRegistry {
  constructor(private readonly db: Db) {}

  begin(config: AppConfig): number {
    const info = this.db
      .prepare("INSERT INTO models (created_at, status, config) VALUES (?, 'training', ?)")
      .run(Date.now(), JSON.stringify(config));
    return Number(info.lastInsertRowid);
  }

  /**
   * Stores what the worker produced (parameters, thresholds, span, rows, time) while the row
   * stays 'training': the version only becomes a candidate for the live model in `complete`,
   * after its scores are written, so a kill in between leaves the previous version live.
   */
  trained(version: number, t: CompletedTraining): void {
    this.db
      .prepare(
        `UPDATE models SET rows = ?, thresholds = ?, train_ms = ?, params = ?, span_start_ms = ?, span_end_ms = ?
         WHERE version = ?`,
      )
      .run(
        t.rows,
        JSON.stringify(t.thresholds),
        Math.round(t.trainMs),
        Buffer.from(t.params.buffer, t.params.byteOffset, t.params.byteLength),
        t.spanStartMs,
        t.spanEndMs,
        version,
      );
  }

  /** The version's scores are written: it becomes the newest complete version, in one UPDATE. */
  complete(version: number, metrics: ModelVersion['metrics']): void {
    this.db
      .prepare(
        "UPDATE models SET status = 'complete', metrics = ?, error = NULL WHERE version = ? AND params IS NOT NULL",
      )
      .run(JSON.stringify(metrics), version);
  }

  /** Where the version's background rescoring stands (null: it has ended, or there is none). */
  setRescore(version: number, pending: PendingRescore | null): void {
    this.db
      .prepare('UPDATE models SET rescore = ? WHERE version = ?')
      .run(pending ? JSON.stringify(pending) : null, version);
  }

  pendingRescore(version: number): PendingRescore | null {
    const text = this.db.prepare('SELECT rescore FROM models WHERE version = ?').pluck().get(version) as
      string | null | undefined;
    const p = text ? parseJson<Partial<PendingRescore> | null>(text, null) : null;
    const ok = p && [p.maxId, p.spanStartMs, p.spanEndMs, p.fromTs].every((x) => typeof x === 'number');
    return ok ? (p as PendingRescore) : null;
  }

  /** A complete version whose parameters cannot be loaded keeps its row, with the reason shown. */
  noteLoadError(version: number, error: string): void {
    this.db.prepare('UPDATE models SET error = ? WHERE version = ?').run(`cannot be loaded: ${error}`, version);
  }

  clearLoadError(version: number): void {
    this.db
      .prepare("UPDATE models SET error = NULL WHERE version = ? AND error LIKE 'cannot be loaded:%'")
      .run(version);
  }

  fail(version: number, error: string): void {
    this.db.prepare("UPDATE models SET status = 'failed', error = ? WHERE version = ?").run(error, version);
  }

  setMetrics(version: number, metrics: ModelVersion['metrics']): void {
    this.db.prepare('UPDATE models SET metrics = ? WHERE version = ?').run(JSON.stringify(metrics), version);
  }

  /** Runs cut short by a crash or kill; marked failed so history tells the truth. */
  markInterrupted(): number {
    return this.db
      .prepare(
        "UPDATE models SET status = 'failed', error = 'interrupted: the app stopped during training' WHERE status = 'training'",
      )
      .run().changes;
  }

  /** Complete versions, newest first: the candidates for the live model. */
  completeVersions(): number[] {
    return this.db
      .prepare("SELECT version FROM models WHERE status = 'complete' ORDER BY version DESC")
      .pluck()
      .all() as number[];
  }

  params(version: number): Uint8Array | null {
    const row = this.db.prepare('SELECT params FROM models WHERE version = ?').get(version) as
      { params: Buffer | null } | undefined;
    return row?.params ?? null;
  }

  thresholds(version: number): Partial<Record<ModelName, number>> {
    const row = this.db.prepare('SELECT thresholds FROM models WHERE version = ?').get(version) as
      { thresholds: string } | undefined;
    return row ? parseJson(row.thresholds, {}) : {};
  }

  list(live: number | null, limit = 50): ModelVersion[] {
    const rows = this.db
      .prepare(
        `SELECT version, created_at, status, config, span_start_ms, span_end_ms, rows, thresholds, metrics, train_ms, error,
                EXISTS (SELECT 1 FROM model_snapshots s WHERE s.version = models.version) AS comparable
         FROM models ORDER BY version DESC LIMIT ?`,
      )
      .all(limit) as ModelRow[];
    return rows.map((r) => ({
      version: r.version,
      createdAt: r.created_at,
      status: r.status,
      live: r.version === live,
      comparable: r.comparable === 1,
      config: storedConfig(r.config),
      spanStartMs: r.span_start_ms,
      spanEndMs: r.span_end_ms,
      rows: r.rows,
      thresholds: parseJson(r.thresholds, {}),
      trainMs: r.train_ms,
      metrics: parseJson(r.metrics, {}),
      error: r.error,
    }));
  }
}
