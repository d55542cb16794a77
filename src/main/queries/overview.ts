import type { Timeline } from '../../shared/schemas/analysis';
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

/**
 * Entries and their first and last time: the count from the entries per minute (counting the
 * logs b-tree reads all of it: ~0.4 s at 10M lines), min()/max() as seeks of the ts index.
 */
function logStats(db: Db): { n: number; a: number | null; b: number | null } {
  return {
    n: db.prepare('SELECT coalesce(sum(n), 0) FROM log_minutes').pluck().get() as number,
    a: db.prepare('SELECT min(ts_ms) FROM logs').pluck().get() as number | null,
    b: db.prepare('SELECT max(ts_ms) FROM logs').pluck().get() as number | null,
  };
}

export function overviewCounts(db: Db): OverviewCounts {
  const logs = logStats(db);
  // Sources as the analyst added them (a folder counts once); errors summed over every file.
  const src = db.prepare('SELECT sum(parent_id IS NULL) n, coalesce(sum(parse_errors), 0) e FROM sources').get() as {
    n: number | null;
    e: number;
  };
  // Scored rows as the triggers count them (migration 11); flagged ones from their own index.
  const sc = db
    .prepare('SELECT (SELECT n FROM score_count) n, (SELECT count(*) FROM scores WHERE is_anomaly = 1) f')
    .get() as {
    n: number;
    f: number;
  };
  const topIps = db
    .prepare(
      // Index-only: flagged rows carry their entry's IP (migration 8).
      `SELECT ip, count(*) AS flagged FROM scores WHERE is_anomaly = 1 GROUP BY ip ORDER BY flagged DESC, ip LIMIT 10`,
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

/** Share of entries trimmed at each end to find the bulk of the data. */
const BULK_TRIM = 0.01;
/** Below this many entries every entry is shown: too few to call any of them a stray. */
const BULK_MIN_ENTRIES = 10;
/** Entries closer than this to the bulk (or half the bulk's span, when longer) continue it. */
const MIN_GAP_MS = 3_600_000;
/** Widening steps before giving up and taking the data's end (each step covers a gap's length). */
const MAX_STEPS = 10_000;

/**
 * The span holding the bulk of the entries, [from, to): the range between the 1st and 99th
 * percentile of the timestamps, widened outwards entry by entry while the next entry lies
 * within a gap (half that range, at least an hour). A detection posted for 2023 beside a day of
 * traffic stays outside; a quiet tail of the same day does not. Index seeks only.
 */
export function bulkRange(db: Db, n: number, min: number, max: number): [number, number] {
  const k = n >= BULK_MIN_ENTRIES ? Math.max(1, Math.floor(n * BULK_TRIM)) : 0;
  if (k === 0) return [min, max + 1];
  const nth = (order: 'ASC' | 'DESC') =>
    db.prepare(`SELECT ts_ms FROM logs ORDER BY ts_ms ${order} LIMIT 1 OFFSET ?`).pluck().get(k) as number;
  let lo = nth('ASC');
  let hi = nth('DESC');
  const gap = Math.max(MIN_GAP_MS, (hi - lo) / 2);
  const earlier = db.prepare('SELECT min(ts_ms) FROM logs WHERE ts_ms >= ? AND ts_ms < ?').pluck();
  const later = db.prepare('SELECT max(ts_ms) FROM logs WHERE ts_ms > ? AND ts_ms <= ?').pluck();
  let steps = 0;
  for (; lo > min && steps < MAX_STEPS; steps++) {
    const t = earlier.get(lo - gap, lo) as number | null;
    if (t === null) break;
    lo = t;
  }
  if (steps === MAX_STEPS) lo = min;
  for (steps = 0; hi < max && steps < MAX_STEPS; steps++) {
    const t = later.get(hi, hi + gap) as number | null;
    if (t === null) break;
    hi = t;
  }
  if (steps === MAX_STEPS) hi = max;
  return [lo, hi + 1];
}

function edge(db: Db, where: string, at: number): Timeline['before'] {
  const r = db.prepare(`SELECT count(*) n, min(ts_ms) a, max(ts_ms) b FROM logs WHERE ${where}`).get(at) as {
    n: number;
    a: number | null;
    b: number | null;
  };
  return r.n === 0 || r.a === null || r.b === null ? null : { count: r.n, firstTs: r.a, lastTs: r.b };
}

const MINUTE_MS = 60_000;
/** Buckets shorter than this are counted in logs directly: their range holds few minutes. */
const DIRECT_BUCKET_MS = 10 * MINUTE_MS;

/**
 * Entries per bucket [from + k·bucketMs, from + (k+1)·bucketMs) of [from, to), exactly. Whole
 * minutes come from log_minutes; a minute that a bucket edge (or `from`, or `to`) cuts is counted
 * in logs through the ts index. At 10M lines over a month: ~45k minute rows and one small range
 * per edge, instead of grouping every entry (2–3 s).
 */
export function bucketTotals(db: Db, from: number, to: number, bucketMs: number): Map<number, number> {
  const out = new Map<number, number>();
  const add = (b: number, n: number) => out.set(b, (out.get(b) ?? 0) + n);
  const direct = db.prepare(
    'SELECT CAST((ts_ms - ?) / ? AS INTEGER) AS b, count(*) AS n FROM logs WHERE ts_ms >= ? AND ts_ms < ? GROUP BY b',
  );
  const count = (lo: number, hi: number) => {
    for (const r of direct.all(from, bucketMs, lo, hi) as Array<{ b: number; n: number }>) add(r.b, r.n);
  };
  if (to <= from) return out;
  if (bucketMs < DIRECT_BUCKET_MS) {
    count(from, to);
    return out;
  }
  const cut = new Set<number>();
  for (let k = 0; ; k++) {
    const edge = Math.min(from + k * bucketMs, to);
    if (edge % MINUTE_MS !== 0) cut.add(Math.floor(edge / MINUTE_MS));
    if (edge >= to) break;
  }
  // Summed by SQLite: handing every minute row to JS (~170k over four months) took ~170 ms.
  // The minutes lie at or after `from`, so the integer division is the floor.
  const whole = db
    .prepare(
      `SELECT CAST((minute * ${MINUTE_MS} - ?) / ? AS INTEGER) AS b, sum(n) AS n FROM log_minutes
       WHERE minute >= ? AND minute < ? AND n > 0 AND minute NOT IN (SELECT value FROM json_each(?))
       GROUP BY b`,
    )
    .raw()
    .all(from, bucketMs, Math.ceil(from / MINUTE_MS), Math.floor(to / MINUTE_MS), JSON.stringify([...cut])) as Array<
    [number, number]
  >;
  for (const [b, n] of whole) add(b, n);
  for (const m of cut) count(Math.max(m * MINUTE_MS, from), Math.min((m + 1) * MINUTE_MS, to));
  return out;
}

/**
 * Entries and flagged entries per bucket, over [from, to) when given; otherwise over every
 * entry (`all`) or, by default, over the bulk of them (see bulkRange), with the entries left
 * outside counted on each side.
 */
export function timeline(db: Db, q: { from?: number; to?: number; buckets: number; all?: boolean }): Timeline {
  const stats = logStats(db);
  const asked = q.from !== undefined || q.to !== undefined;
  const range: Timeline['range'] = asked ? 'asked' : q.all ? 'all' : 'bulk';
  const empty = { bucketMs: 0, points: [], from: q.from ?? 0, to: q.to ?? 0, range, before: null, after: null };
  if (stats.n === 0 || stats.a === null || stats.b === null) return empty;
  const [from, to] = asked
    ? [q.from ?? stats.a, q.to ?? stats.b + 1]
    : q.all
      ? [stats.a, stats.b + 1]
      : bulkRange(db, stats.n, stats.a, stats.b);
  if (to <= from) return { ...empty, from, to };
  const bucketMs = Math.max(1000, Math.ceil((to - from) / q.buckets));
  // Totals come from the ts index alone; flagged entries from the flagged rows' own time
  // (scores_flagged_ts, index-only), a small set.
  const bucket = 'CAST((ts_ms - ?) / ? AS INTEGER)';
  const totals = [...bucketTotals(db, from, to, bucketMs)]
    .filter(([, n]) => n > 0)
    .sort((x, y) => x[0] - y[0])
    .map(([b, n]) => ({ b, n }));
  const flagged = db
    .prepare(
      `SELECT ${bucket} AS b, count(*) AS n FROM scores WHERE is_anomaly = 1 AND ts_ms >= ? AND ts_ms < ? GROUP BY b`,
    )
    .all(from, bucketMs, from, to) as Array<{ b: number; n: number }>;
  const flaggedBy = new Map(flagged.map((r) => [r.b, r.n]));
  return {
    bucketMs,
    points: totals.map((r) => ({ t: from + r.b * bucketMs, total: r.n, flagged: flaggedBy.get(r.b) ?? 0 })),
    from,
    to,
    range,
    // Counted for a range the engine chose (few entries: at most the trimmed 2 %); an asked
    // range could leave most of the log out, and counting that costs a scan of it.
    before: asked ? null : edge(db, 'ts_ms < ?', from),
    after: asked ? null : edge(db, 'ts_ms >= ?', to),
  };
}
