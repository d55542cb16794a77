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

export const samePrint = (a: Print | undefined, b: Print | undefined) =>
  a === b || (!!a && !!b && a.count === b.count && a.ids === b.ids && a.score === b.score);

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
