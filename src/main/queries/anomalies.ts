import type { z } from 'zod';
import type { AnomalyQuerySchema } from '../../shared/schemas/analysis';
import type { AnomalyRow } from '../../shared/schemas/analysis';
import type { Db } from '../store/db';
import { suppressedSql } from '../feedback/suppressed';
import { searchSql } from '../search/language';

type Query = z.output<typeof AnomalyQuerySchema>;

interface Row {
  id: number;
  ts_ms: number;
  ip: string;
  method: string | null;
  endpoint: string;
  status: number;
  votes: number;
  is_anomaly: number;
  combined_score: number;
}

const toAnomalyRow = (r: Row): AnomalyRow => ({
  id: r.id,
  tsMs: r.ts_ms,
  ip: r.ip,
  method: r.method,
  endpoint: r.endpoint,
  status: r.status,
  votes: r.votes,
  isAnomaly: r.is_anomaly === 1,
  combinedScore: r.combined_score,
});

const SELECT_ROW = `SELECT l.id, l.ts_ms, l.ip, l.method, l.endpoint, l.status, s.votes, s.is_anomaly, s.combined_score
       FROM scores s JOIN logs l ON l.id = s.log_id`;

/** Scored rows by id, in id order (the rows announced in `anomalies` events). */
export function anomalyRowsByIds(db: Db, ids: number[]): AnomalyRow[] {
  return (
    db
      .prepare(`${SELECT_ROW} WHERE l.id IN (SELECT value FROM json_each(?)) ORDER BY l.id`)
      .all(JSON.stringify(ids)) as Row[]
  ).map(toAnomalyRow);
}

/** Cursor = the sort key and id of the last row sent, so pages stay stable while rows arrive. */
function encodeCursor(key: number, id: number): string {
  return Buffer.from(JSON.stringify([key, id])).toString('base64url');
}

function decodeCursor(cursor: string): [number, number] | null {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0], v[1]];
  } catch {
    /* fall through */
  }
  return null;
}

/** Builds the WHERE clause shared by the page query and its count. */
function filters(db: Db, q: Query): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    clauses.push(clause);
    params.push(...values);
  };
  // Flags a suppression rule hides are not shown as flagged.
  if (q.onlyFlagged) add(`s.is_anomaly = 1 AND NOT ${suppressedSql()}`);
  if (q.from !== undefined) add('l.ts_ms >= ?', q.from);
  if (q.to !== undefined) add('l.ts_ms < ?', q.to);
  if (q.ip) add('l.ip = ?', q.ip);
  if (q.endpoint) add('l.endpoint = ?', q.endpoint);
  if (q.status !== undefined) add('l.status = ?', q.status);
  if (q.minVotes !== undefined) add('s.votes >= ?', q.minVotes);
  if (q.model) add(`s.${q.model}_vote = 1`);
  if (q.q) {
    const s = searchSql(q.q, 'l', db);
    add(s.sql, ...s.params);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export function listAnomalies(db: Db, q: Query): { rows: AnomalyRow[]; total: number; nextCursor: string | null } {
  const { where, params } = filters(db, q);
  const keyCol = q.sort === 'time' ? 'l.ts_ms' : 's.combined_score';
  const cmp = q.order === 'desc' ? '<' : '>';
  const dir = q.order === 'desc' ? 'DESC' : 'ASC';
  const pageParams = [...params];
  let pageWhere = where;
  const cursor = q.cursor ? decodeCursor(q.cursor) : null;
  if (cursor) {
    const c = `(${keyCol} ${cmp} ? OR (${keyCol} = ? AND l.id ${cmp} ?))`;
    pageWhere = where ? `${where} AND ${c}` : `WHERE ${c}`;
    pageParams.push(cursor[0], cursor[0], cursor[1]);
  }
  const rows = db
    .prepare(
      `${SELECT_ROW} ${pageWhere}
       ORDER BY ${keyCol} ${dir}, l.id ${dir} LIMIT ? OFFSET ?`,
    )
    .all(...pageParams, q.limit, cursor ? 0 : (q.offset ?? 0)) as Row[];
  const total = (
    db.prepare(`SELECT count(*) AS n FROM scores s JOIN logs l ON l.id = s.log_id ${where}`).get(...params) as {
      n: number;
    }
  ).n;
  const last = rows[rows.length - 1];
  return {
    rows: rows.map(toAnomalyRow),
    total,
    nextCursor:
      rows.length === q.limit && last
        ? encodeCursor(q.sort === 'time' ? last.ts_ms : last.combined_score, last.id)
        : null,
  };
}
