import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';

const statements = new WeakMap<Db, Map<string, Statement>>();

/** The statement for `sql`, prepared once per database (incidents ask the same few many times). */
export function cached(db: Db, sql: string): Statement {
  let byDb = statements.get(db);
  if (!byDb) statements.set(db, (byDb = new Map()));
  let st = byDb.get(sql);
  if (!st) byDb.set(sql, (st = db.prepare(sql)));
  return st;
}

/**
 * Entries of these IPs with fromMs ≤ ts_ms ≤ toMs among the logs with id ≤ upTo (what an
 * incident's `entries` counts, as of one moment of the log). Few IPs or a long period: one
 * index range per IP, in one statement. Many IPs over a short period (a big incident grown by a
 * second of the tail): the period's entries read once and matched in JS.
 */
export function countEntriesIn(db: Db, ips: readonly string[], fromMs: number, toMs: number, upTo: number): number {
  if (ips.length === 0 || fromMs > toMs) return 0;
  if (ips.length > 16) {
    const cap = ips.length * 4;
    const inPeriod = cached(db, 'SELECT count(*) FROM (SELECT 1 FROM logs WHERE ts_ms BETWEEN ? AND ? LIMIT ?)')
      .pluck()
      .get(fromMs, toMs, cap) as number;
    if (inPeriod < cap) {
      const want = new Set(ips);
      let n = 0;
      const seen = cached(db, 'SELECT ip FROM logs WHERE ts_ms BETWEEN ? AND ? AND id <= ?')
        .pluck()
        .all(fromMs, toMs, upTo) as string[];
      for (const ip of seen) if (want.has(ip)) n++;
      return n;
    }
  }
  return cached(
    db,
    'SELECT total((SELECT count(*) FROM logs WHERE ip = j.value AND ts_ms BETWEEN ? AND ? AND id <= ?)) FROM json_each(?) j',
  )
    .pluck()
    .get(fromMs, toMs, upTo, JSON.stringify(ips)) as number;
}

/** Entries stored after some moment: by IP, their timestamps (what counts made before them lack). */
export type NewEntries = Map<string, number[]>;

export function entriesAfter(db: Db, afterId: number, upTo: number): NewEntries {
  const out: NewEntries = new Map();
  const rows = cached(db, 'SELECT ip, ts_ms FROM logs WHERE id > ? AND id <= ?').raw().all(afterId, upTo) as Array<
    [string, number]
  >;
  for (const [ip, ts] of rows) {
    const list = out.get(ip);
    if (list) list.push(ts);
    else out.set(ip, [ts]);
  }
  return out;
}

/** How many of the new entries are of these IPs in [fromMs, toMs]. */
export function countNew(added: NewEntries, ips: ReadonlySet<string>, fromMs: number, toMs: number): number {
  let n = 0;
  const fewer = added.size < ips.size;
  for (const ip of fewer ? added.keys() : ips) {
    if (fewer ? !ips.has(ip) : !added.has(ip)) continue;
    for (const ts of added.get(ip)!) if (ts >= fromMs && ts <= toMs) n++;
  }
  return n;
}
