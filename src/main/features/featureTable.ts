/**
 * The `features` table's shared SQL, written once: the insert head and its upsert tail, the window
 * the stored rows were computed with, and how far they reach. Every module that writes or checks
 * the table (batch, incremental, tail, SQL window, pipeline, scoring) takes these from here.
 */
import type { Db } from '../store/db';

/** `INSERT … VALUES ` for the five columns in table order; callers append their value tuples. */
export const FEATURE_INSERT_HEAD =
  'INSERT INTO features (log_id, window_ms, request_count, client_error_count, server_error_count) VALUES ';

/** Turns an insert into an upsert: a row recomputed for a new window or a late neighbour replaces the old one. */
export const FEATURE_UPSERT_TAIL = `ON CONFLICT (log_id) DO UPDATE SET window_ms = excluded.window_ms,
       request_count = excluded.request_count, client_error_count = excluded.client_error_count,
       server_error_count = excluded.server_error_count`;

/** A value tuple for FEATURE_INSERT_HEAD: the window is inlined, the rest are parameters. */
export const featureValues = (windowMs: number): string => `(?,${windowMs},?,?,?)`;

/** Prepared reads of the table's state; prepare once where they run in a loop. */
export function featureTableReads(db: Db): { storedWindowMs(): number | undefined; featuredUpTo(): number } {
  const stored = db.prepare('SELECT window_ms FROM features LIMIT 1').pluck();
  const featured = db.prepare('SELECT coalesce(max(log_id), 0) FROM features').pluck();
  return {
    /** The window every stored row was computed with (the table holds one window), or undefined when empty. */
    storedWindowMs: () => stored.get() as number | undefined,
    /** The highest log id with features: rows are featured in id order, so every row at or below it has them. */
    featuredUpTo: () => featured.get() as number,
  };
}
