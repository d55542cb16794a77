import type { Db } from '../store/db';
import { recomputeAllFeatures } from './batch';
import { assertWindowMs, statusClass } from './types';
import { FEATURE_INSERT_HEAD, FEATURE_UPSERT_TAIL, featureTableReads, featureValues } from './featureTable';

export interface IncrementalResult {
  /** Feature rows written: the new entries plus the existing rows that were recomputed. */
  updated: number;
}

/** Above this many new rows one full recompute is cheaper than per-IP range updates. */
const FULL_RECOMPUTE_NEW_ROWS = 200_000;

/**
 * Gives features to the log rows with id ≥ firstNewLogId and recomputes the existing rows whose
 * window they enter, so `features` ends up exactly as `recomputeAllFeatures` would leave it.
 *
 * Which rows can change. A new row n = (a, t, i) is counted by a row r = (a, t', i') iff
 * t' − W < t ≤ t' and (t, i) ≤ (t', i'), i.e. t' ∈ [t, t + W) and r sorts after n. Every new
 * id is larger than every existing id, so an existing r tied at t' = t sorts before n and does
 * not change; existing rows with t' ∈ (t, t + W) gain n. Rows of other IPs and rows outside
 * those ranges keep their counts. So per IP we merge the ranges [t, t + W) of its new rows and
 * recompute every row of the IP whose ts falls in the union (a slight superset: existing rows
 * tied at t are rewritten with unchanged values), reading the W before each range as context.
 * In-order arrivals touch only themselves (and rows tied with them); a late entry at t also
 * rewrites the rows its IP already has in (t, t + W).
 *
 * Assumes the existing rows were computed with this window. When `features` is empty or was
 * computed with another window, or the batch is very large, it does a full recompute instead
 * (and reports its row count). Runs in one IMMEDIATE transaction (nested as a savepoint when
 * the caller already holds one, e.g. the ingest batch that inserted the rows).
 */
export function updateFeaturesAfterInsert(db: Db, windowMs: number, firstNewLogId: number): IncrementalResult {
  assertWindowMs(windowMs);
  if (!Number.isSafeInteger(firstNewLogId)) throw new RangeError('firstNewLogId must be an integer id');
  return db
    .transaction((): IncrementalResult => {
      const stored = featureTableReads(db).storedWindowMs();
      const newRows = db.prepare('SELECT count(*) FROM logs WHERE id >= ?').pluck().get(firstNewLogId) as number;
      if (stored !== windowMs || newRows > FULL_RECOMPUTE_NEW_ROWS) {
        return { updated: recomputeAllFeatures(db, windowMs).rows };
      }
      if (newRows === 0) return { updated: 0 };

      // Sorted here, not in SQL: with ORDER BY the planner prefers a full scan of the covering
      // (ip, ts_ms, id) index over the short rowid range.
      const news = (
        db.prepare('SELECT ip, ts_ms FROM logs WHERE id >= ?').raw().all(firstNewLogId) as [string, number][]
      ).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
      const ranges = ipRangeRecomputer(db, windowMs);
      let updated = 0;
      let from = 0;
      for (let k = 1; k <= news.length; k++) {
        if (k < news.length && news[k][0] === news[from][0]) continue;
        const starts: number[] = [];
        for (let j = from; j < k; j++) starts.push(news[j][1]);
        updated += ranges(news[from][0], starts, Number.MAX_SAFE_INTEGER);
        from = k;
      }
      return { updated };
    })
    .immediate();
}

/** See `ipRangeRecomputer`. */
export type IpRangeRecomputer = (ip: string, starts: readonly number[], maxId: number) => number;

/**
 * The per-IP range recompute above, as a function bound to prepared statements: after rows of
 * `ip` arrived at the timestamps `starts` (ascending), it rewrites every row of the IP with
 * id ≤ maxId and ts in the union of the ranges [t, t + W), from the IP's rows with id ≤ maxId
 * (the W before each merged range read as context), and returns the rows written. Rows with
 * id > maxId are neither read nor written: when the IP's other rows (outside the union, which
 * no row at one of `starts` can enter) already hold the features of the prefix id ≤ maxId, all
 * of them do afterwards. The caller holds the transaction.
 */
export function ipRangeRecomputer(db: Db, windowMs: number): IpRangeRecomputer {
  assertWindowMs(windowMs);
  const readRange = db
    .prepare(
      'SELECT ts_ms, id, status FROM logs WHERE ip = ? AND ts_ms > ? AND ts_ms < ? AND id <= ? ORDER BY ts_ms, id',
    )
    .raw();
  const upsert = db.prepare(`${FEATURE_INSERT_HEAD}${featureValues(windowMs)} ${FEATURE_UPSERT_TAIL}`);
  const recompute = (ip: string, lo: number, hi: number, maxId: number): number => {
    const rows = readRange.all(ip, lo - windowMs, hi, maxId) as [number, number, number][];
    let updated = 0;
    let head = 0;
    let c4 = 0;
    let c5 = 0;
    for (let k = 0; k < rows.length; k++) {
      const [t, id, status] = rows[k];
      while (rows[head][0] <= t - windowMs) {
        const c = statusClass(rows[head][2]);
        if (c === 1) c4--;
        else if (c === 2) c5--;
        head++;
      }
      const c = statusClass(status);
      if (c === 1) c4++;
      else if (c === 2) c5++;
      if (t >= lo) {
        upsert.run(id, k - head + 1, c4, c5);
        updated++;
      }
    }
    return updated;
  };
  return (ip, starts, maxId) => {
    if (starts.length === 0) return 0;
    let updated = 0;
    let lo = starts[0];
    let hi = lo + windowMs;
    for (let k = 1; k < starts.length; k++) {
      const t = starts[k];
      if (t < lo) throw new RangeError('starts must be in ascending order');
      if (t <= hi) {
        hi = Math.max(hi, t + windowMs);
        continue;
      }
      updated += recompute(ip, lo, hi, maxId);
      lo = t;
      hi = t + windowMs;
    }
    return updated + recompute(ip, lo, hi, maxId);
  };
}
