import { join } from 'node:path';
import { openDatabase } from '../../src/main/store/db';
import { DEFAULT_CONFIG } from '../../src/shared/config';
import { DB_FILE, THRESHOLDS } from './seed';
import { LOG_MINUTES_FROM_LOGS_SQL } from '../../src/main/store/migrations';

/**
 * Millions of flagged entries written by SQLite itself (INSERT … SELECT from a counting CTE), so a
 * test of a huge list gets its data in seconds rather than the minutes a row-by-row seed takes.
 * Entry i (1…rows) is fully determined by i: its score rises with i, so the Anomalies view's
 * default order (score, then id, descending) shows id rows − k at position k.
 */

export const HUGE_START_MS = Date.UTC(2024, 2, 1, 0, 0, 0);

/** The SQL expression of entry `i`'s IP: distinct for every id below 2^24. */
const IP_SQL = `'10.' || ((i >> 16) & 255) || '.' || ((i >> 8) & 255) || '.' || (i & 255)`;
export const hugeIp = (id: number) => `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}`;
export const hugeTsMs = (id: number) => HUGE_START_MS + id * 1000;
/** The id shown at a 0-based position of the default order. */
export const hugeIdAt = (rows: number, index: number) => rows - index;

/** Rows per INSERT … SELECT: one transaction each keeps the WAL and memory bounded. */
const CHUNK = 1_000_000;

export function seedHuge(dataDir: string, rows: number): void {
  const db = openDatabase(join(dataDir, DB_FILE));
  try {
    // Bulk load: no per-row foreign-key look-ups; the indexes are built once at the end.
    db.pragma('foreign_keys = OFF');
    db.pragma('synchronous = OFF');
    const indexes = db
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('logs', 'scores') AND sql NOT NULL")
      .pluck()
      .all() as string[];
    for (const sql of indexes) db.exec(`DROP INDEX ${/CREATE INDEX (\w+)/.exec(sql)![1]}`);
    db.prepare(
      `INSERT INTO sources (id, path, kind, format, byte_offset, bytes_total, lines, parse_errors, status, added_at)
       VALUES (1, '/var/log/nginx/huge.log', 'file', 'combined', 0, 0, ?, 0, 'done', ?)`,
    ).run(rows, HUGE_START_MS);
    for (let from = 1; from <= rows; from += CHUNK) {
      const to = Math.min(rows, from + CHUNK - 1);
      db.transaction(() => {
        db.prepare(
          `WITH RECURSIVE n(i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < ?)
           INSERT INTO logs (id, source_id, line_no, ts_ms, ip, method, endpoint, status, bytes)
           SELECT i, 1, i, CAST(? AS INTEGER) + i * 1000, ${IP_SQL}, 'GET', '/items/' || i, 200, 512 FROM n`,
        ).run(from, to, HUGE_START_MS);
        db.prepare(
          `INSERT INTO features (log_id, window_ms, request_count, client_error_count, server_error_count)
           SELECT id, 300000, 1, 0, 0 FROM logs WHERE id BETWEEN ? AND ?`,
        ).run(from, to);
        db.prepare(
          `INSERT INTO scores (log_id, model_version, iforest_score, lof_score, knn_score, iforest_vote, lof_vote,
             knn_vote, votes, is_anomaly, combined_score, ts_ms, ip)
           SELECT id, 1, 0.7, 1.6, 3.5, 1, 1, 1, 3, 1, 2 + id * 1e-7, ts_ms, ip FROM logs WHERE id BETWEEN ? AND ?`,
        ).run(from, to);
      })();
    }
    for (const sql of indexes) db.exec(sql);
    db.exec(LOG_MINUTES_FROM_LOGS_SQL);
    db.prepare(
      `INSERT INTO models (version, created_at, status, config, span_start_ms, span_end_ms, rows, thresholds, metrics,
         train_ms, params) VALUES (1, ?, 'complete', ?, ?, ?, ?, ?, ?, 1000, NULL)`,
    ).run(
      hugeTsMs(rows),
      JSON.stringify(DEFAULT_CONFIG),
      HUGE_START_MS,
      hugeTsMs(rows),
      rows,
      JSON.stringify(THRESHOLDS),
      JSON.stringify({ flagged: rows, scored: rows }),
    );
    // The word index is not what this data is for: mark it complete rather than index millions of rows.
    db.prepare('UPDATE search_state SET upto = ?').run(rows);
  } finally {
    db.close();
  }
}
