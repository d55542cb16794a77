import type { Db } from '../store/db';
import type { RecomputeResult } from './batch';
import { assertWindowMs } from './types';

/**
 * The same features as pure SQLite window functions. Not the production path (the streaming
 * scan in windowScan.ts is faster, see bench/features.ts); kept because it states the rule in
 * one query and serves as an independent cross-check in tests.
 *
 *   running(r)  = rows of the IP with (ts, id) ≤ (t, i)          ROWS frame, ORDER BY ts_ms, id
 *   expired(r)  = rows of the IP with ts ≤ t − W                 RANGE frame ending W PRECEDING
 *   feature     = running − expired
 * Every expired row sorts before r (its ts is strictly smaller), so the difference is exactly
 * the rows in (t − W, t] at or before r: ties at t count in id order, a row at exactly t − W is
 * out (the frame end "W PRECEDING" includes ts = t − W).
 */
export function featureWindowSql(windowMs: number): string {
  assertWindowMs(windowMs);
  const c4 = 'status BETWEEN 400 AND 499';
  const c5 = 'status BETWEEN 500 AND 599';
  return `
    SELECT id AS log_id,
      ROW_NUMBER() OVER running - COUNT(*) OVER expired AS request_count,
      SUM(${c4}) OVER running - COALESCE(SUM(${c4}) OVER expired, 0) AS client_error_count,
      SUM(${c5}) OVER running - COALESCE(SUM(${c5}) OVER expired, 0) AS server_error_count
    FROM logs
    WINDOW
      running AS (PARTITION BY ip ORDER BY ts_ms, id ROWS UNBOUNDED PRECEDING),
      expired AS (PARTITION BY ip ORDER BY ts_ms RANGE BETWEEN UNBOUNDED PRECEDING AND ${windowMs} PRECEDING)`;
}

/** Replaces `features` using `featureWindowSql`, in one transaction, rows written in id order. */
export function recomputeAllFeaturesSql(db: Db, windowMs: number): RecomputeResult {
  const select = featureWindowSql(windowMs);
  const t0 = performance.now();
  const rows = db
    .transaction(() => {
      db.exec('DELETE FROM features');
      return db
        .prepare(
          `INSERT INTO features (log_id, window_ms, request_count, client_error_count, server_error_count)
           SELECT log_id, ${windowMs}, request_count, client_error_count, server_error_count
           FROM (${select}) ORDER BY log_id`,
        )
        .run().changes;
    })
    .immediate();
  return { rows, ms: performance.now() - t0 };
}
