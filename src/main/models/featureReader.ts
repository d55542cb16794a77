import type { Db } from '../store/db';
import { FEATURE_NAMES } from '../features/types';

const COLS = FEATURE_NAMES.length;

/** A growable row-major matrix of features with the log id of each row. */
export interface FeatureRows {
  ids: Float64Array;
  data: Float64Array;
  rows: number;
}

function collect(iter: Iterable<unknown[]>): FeatureRows {
  let cap = 1024;
  let ids = new Float64Array(cap);
  let data = new Float64Array(cap * COLS);
  let n = 0;
  for (const r of iter) {
    if (n === cap) {
      cap *= 2;
      const nextIds = new Float64Array(cap);
      nextIds.set(ids);
      ids = nextIds;
      const nextData = new Float64Array(cap * COLS);
      nextData.set(data);
      data = nextData;
    }
    ids[n] = r[0] as number;
    for (let c = 0; c < COLS; c++) data[n * COLS + c] = r[c + 1] as number;
    n++;
  }
  return { ids: ids.slice(0, n), data: data.slice(0, n * COLS), rows: n };
}

const SELECT = `SELECT f.log_id, ${FEATURE_NAMES.map((c) => `f.${c}`).join(', ')} FROM features f`;

/** Rows whose timestamp lies in [fromMs, toMs]: the training span. */
export function readSpan(db: Db, fromMs: number, toMs: number): FeatureRows {
  const stmt = db.prepare(
    `${SELECT} JOIN logs l ON l.id = f.log_id WHERE l.ts_ms >= ? AND l.ts_ms <= ? ORDER BY f.log_id`,
  );
  return collect(stmt.raw().iterate(fromMs, toMs) as Iterable<unknown[]>);
}

/** Rows whose timestamp lies outside [fromMs, toMs] (two index range scans; usually none). */
export function readOutside(db: Db, fromMs: number, toMs: number): FeatureRows {
  const join = `${SELECT} JOIN logs l ON l.id = f.log_id`;
  // UNION ALL, not OR: each half uses the ts_ms index, an OR would scan every feature row.
  const stmt = db.prepare(`SELECT * FROM (${join} WHERE l.ts_ms < ? UNION ALL ${join} WHERE l.ts_ms > ?) ORDER BY 1`);
  return collect(stmt.raw().iterate(fromMs, toMs) as Iterable<unknown[]>);
}

/** Rows with ids in [firstId, lastId] that have features. */
export function readIds(db: Db, firstId: number, lastId: number): FeatureRows {
  const stmt = db.prepare(`${SELECT} WHERE f.log_id >= ? AND f.log_id <= ? ORDER BY f.log_id`);
  return collect(stmt.raw().iterate(firstId, lastId) as Iterable<unknown[]>);
}
