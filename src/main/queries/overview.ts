import type { Db } from '../store/db';

export interface OverviewCounts {
  logs: number;
  sources: number;
  parseErrors: number;
  scored: number;
  flagged: number;
  firstTsMs: number | null;
  lastTsMs: number | null;
  topIps: Array<{ ip: string; flagged: number }>;
}

export function overviewCounts(db: Db): OverviewCounts {
  const logs = db.prepare('SELECT count(*) n, min(ts_ms) a, max(ts_ms) b FROM logs').get() as {
    n: number;
    a: number | null;
    b: number | null;
  };
  // Sources as the analyst added them (a folder counts once); errors summed over every file.
  const src = db.prepare('SELECT sum(parent_id IS NULL) n, coalesce(sum(parse_errors), 0) e FROM sources').get() as {
    n: number | null;
    e: number;
  };
  const sc = db.prepare('SELECT count(*) n, coalesce(sum(is_anomaly), 0) f FROM scores').get() as {
    n: number;
    f: number;
  };
  const topIps = db
    .prepare(
      `SELECT l.ip, count(*) AS flagged FROM scores s JOIN logs l ON l.id = s.log_id
       WHERE s.is_anomaly = 1 GROUP BY l.ip ORDER BY flagged DESC, l.ip LIMIT 10`,
    )
    .all() as Array<{ ip: string; flagged: number }>;
  return {
    logs: logs.n,
    sources: src.n ?? 0,
    parseErrors: src.e,
    scored: sc.n,
    flagged: sc.f,
    firstTsMs: logs.a,
    lastTsMs: logs.b,
    topIps,
  };
}

/** Entries and flagged entries per bucket, over [from, to). */
export function timeline(
  db: Db,
  q: { from?: number; to?: number; buckets: number },
): { bucketMs: number; points: Array<{ t: number; total: number; flagged: number }> } {
  const range = db.prepare('SELECT min(ts_ms) a, max(ts_ms) b FROM logs').get() as {
    a: number | null;
    b: number | null;
  };
  const from = q.from ?? range.a;
  const to = q.to ?? (range.b === null ? null : range.b + 1);
  if (from === null || to === null || to <= from) return { bucketMs: 0, points: [] };
  const bucketMs = Math.max(1000, Math.ceil((to - from) / q.buckets));
  // Totals come from the ts index alone; flagged entries from the (is_anomaly, score) index, a
  // small set. Joining every entry to its score instead costs a lookup per row.
  const bucket = 'CAST((ts_ms - ?) / ? AS INTEGER)';
  const totals = db
    .prepare(`SELECT ${bucket} AS b, count(*) AS n FROM logs WHERE ts_ms >= ? AND ts_ms < ? GROUP BY b ORDER BY b`)
    .all(from, bucketMs, from, to) as Array<{ b: number; n: number }>;
  const flagged = db
    .prepare(
      `SELECT ${bucket.replace('ts_ms', 'l.ts_ms')} AS b, count(*) AS n FROM scores s JOIN logs l ON l.id = s.log_id
       WHERE s.is_anomaly = 1 AND l.ts_ms >= ? AND l.ts_ms < ? GROUP BY b`,
    )
    .all(from, bucketMs, from, to) as Array<{ b: number; n: number }>;
  const flaggedBy = new Map(flagged.map((r) => [r.b, r.n]));
  const rows = totals.map((r) => ({ b: r.b, total: r.n, flagged: flaggedBy.get(r.b) ?? 0 }));
  return {
    bucketMs,
    points: rows.map((r) => ({ t: from + r.b * bucketMs, total: r.total, flagged: r.flagged })),
  };
}
