import type { Db } from '../store/db';
import { cached } from './entryCounts';

/**
 * A fingerprint of the flagged entries per hour of their timestamps (suppressed ones included):
 * how many, the sum of their ids and of their scores in millionths (integers, so a sum made in
 * JavaScript equals one made in SQL). A background rescoring rewrites the scores of old entries a
 * time range at a time; the hours whose print changed are the only ones to regroup.
 */
export const BUCKET_MS = 3_600_000;

export interface Print {
  count: number;
  ids: number;
  score: number;
}

export type Prints = Map<number, Print>;

/** The score as the prints hold it (the same expression as the SQL below). */
export const SCORE_SQL = 'CAST(coalesce(s.combined_score, 0) * 1000000 AS INTEGER)';

/** The bucket of a timestamp, as SQLite's integer division makes it (truncated toward zero). */
export const bucketOf = (tsMs: number) => Math.trunc(tsMs / BUCKET_MS);

export function addPrint(prints: Prints, tsMs: number, id: number, score: number): void {
  const b = bucketOf(tsMs);
  const p = prints.get(b);
  if (p) {
    p.count++;
    p.ids += id;
    p.score += score;
  } else prints.set(b, { count: 1, ids: id, score });
}

/** Timestamps [fromMs, toMs) whose entries got new scores (toMs may be Infinity). */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/** The prints added up (what the whole flagged set's totals must equal). */
export function totalOf(prints: Prints): Print {
  const t = { count: 0, ids: 0, score: 0 };
  for (const p of prints.values()) {
    t.count += p.count;
    t.ids += p.ids;
    t.score += p.score;
  }
  return t;
}

/** `t` plus `sign` times `p` (in place). */
export function addTo(t: Print, p: Print | undefined, sign: 1 | -1): void {
  if (!p) return;
  t.count += sign * p.count;
  t.ids += sign * p.ids;
  t.score += sign * p.score;
}

/** The buckets the ranges cover within [lo, hi], as sorted runs [first, last] of consecutive buckets. */
export function bucketRuns(ranges: readonly TimeRange[], lo: number, hi: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const r of ranges) {
    if (!(r.toMs > r.fromMs)) continue;
    const a = Math.max(lo, bucketOf(Math.max(r.fromMs, Number.MIN_SAFE_INTEGER)));
    const b = Math.min(hi, bucketOf(Math.min(r.toMs - 1, Number.MAX_SAFE_INTEGER)));
    if (a <= b) runs.push([a, b]);
  }
  runs.sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const r of runs) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

export const samePrint = (a: Print | undefined, b: Print | undefined) =>
  a === b || (!!a && !!b && a.count === b.count && a.ids === b.ids && a.score === b.score);

/** The hours first…last whose prints differ between `was` and `now`, with both prints. */
export function* differingHours(
  was: Prints,
  now: Prints,
  first: number,
  last: number,
): Generator<[number, Print | undefined, Print | undefined]> {
  for (let b = first; b <= last; b++) {
    const a = was.get(b);
    const c = now.get(b);
    if (!samePrint(a, c)) yield [b, a, c];
  }
}

/** The prints of the flagged entries with ids up to `upTo` and buckets in [from, to). */
export function readPrints(db: Db, from: number, to: number, upTo: number): Prints {
  const rows = cached(
    db,
    `SELECT s.ts_ms / ${BUCKET_MS} AS b, count(*) AS count, sum(s.log_id) AS ids, sum(${SCORE_SQL}) AS score
       FROM scores s WHERE s.is_anomaly = 1 AND s.ts_ms >= ? AND s.ts_ms < ? AND +s.log_id <= ? GROUP BY b`,
  ).all(from * BUCKET_MS, to * BUCKET_MS, upTo) as Array<Print & { b: number }>;
  return new Map(rows.map(({ b, count, ids, score }) => [b, { count, ids, score }]));
}

/** The first and last bucket holding a flagged entry (null: none). */
export function flaggedBuckets(db: Db): [number, number] | null {
  const [lo, hi] = cached(db, 'SELECT min(ts_ms), max(ts_ms) FROM scores WHERE is_anomaly = 1').raw().get() as [
    number | null,
    number | null,
  ];
  return lo === null || hi === null ? null : [bucketOf(lo), bucketOf(hi)];
}
