import type { z } from 'zod';
import type { AnomalyQuerySchema } from '../../shared/schemas/analysis';
import type { AnomalyRow } from '../../shared/schemas/analysis';
import type { Db } from '../store/db';
import { anyActiveRule, suppressedSql } from '../feedback/suppressed';
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

/**
 * The WHERE clause shared by the page query and its count, over scores `s` joined to logs `l`;
 * `logs` false when it reads no logs column (ids are taken as `s.log_id`), so both queries can
 * leave logs out but for the page's rows (every score belongs to a stored entry).
 */
function filters(db: Db, q: Query): { where: string; params: unknown[]; logs: boolean } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  let logs = false;
  const add = (clause: string, ...values: unknown[]) => {
    clauses.push(clause);
    params.push(...values);
  };
  const addLogs = (clause: string, ...values: unknown[]) => {
    logs = true;
    add(clause, ...values);
  };
  // Flags a suppression rule hides are not shown as flagged.
  if (q.onlyFlagged) {
    if (anyActiveRule(db)) addLogs(`s.is_anomaly = 1 AND NOT ${suppressedSql()}`);
    else add('s.is_anomaly = 1');
  }
  if (q.from !== undefined) addLogs('l.ts_ms >= ?', q.from);
  if (q.to !== undefined) addLogs('l.ts_ms < ?', q.to);
  if (q.ip) addLogs('l.ip = ?', q.ip);
  if (q.endpoint) addLogs('l.endpoint = ?', q.endpoint);
  if (q.status !== undefined) addLogs('l.status = ?', q.status);
  if (q.minVotes !== undefined) add('s.votes >= ?', q.minVotes);
  if (q.model) add(`s.${q.model}_vote = 1`);
  if (q.q) {
    const s = searchSql(q.q, 'l', db, 's.log_id');
    if (s.row) addLogs(s.sql, ...s.params);
    else add(s.sql, ...s.params);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params, logs };
}

export function listAnomalies(db: Db, q: Query): { rows: AnomalyRow[]; total: number; nextCursor: string | null } {
  const { where, params, logs } = filters(db, q);
  const keyCol = q.sort === 'time' ? 'l.ts_ms' : 's.combined_score';
  const idCol = q.sort === 'time' ? 'l.id' : 's.log_id';
  const cmp = q.order === 'desc' ? '<' : '>';
  const dir = q.order === 'desc' ? 'DESC' : 'ASC';
  const pageParams = [...params];
  let pageWhere = where;
  const cursor = q.cursor ? decodeCursor(q.cursor) : null;
  if (cursor) {
    const c = `(${keyCol} ${cmp} ? OR (${keyCol} = ? AND ${idCol} ${cmp} ?))`;
    pageWhere = where ? `${where} AND ${c}` : `WHERE ${c}`;
    pageParams.push(cursor[0], cursor[0], cursor[1]);
  }
  const order = `ORDER BY ${keyCol} ${dir}, ${idCol} ${dir} LIMIT ? OFFSET ?`;
  // By score with no logs column to filter on, the page is picked from scores alone and only
  // its own entries are read (a common search term matches many rows).
  const pageSql =
    logs || q.sort === 'time'
      ? `${SELECT_ROW} ${pageWhere} ${order}`
      : `SELECT l.id, l.ts_ms, l.ip, l.method, l.endpoint, l.status, s.votes, s.is_anomaly, s.combined_score
         FROM (SELECT s.log_id, s.votes, s.is_anomaly, s.combined_score FROM scores s ${pageWhere} ${order}) s
         JOIN logs l ON l.id = s.log_id ORDER BY s.combined_score ${dir}, s.log_id ${dir}`;
  const rows = db.prepare(pageSql).all(...pageParams, q.limit, cursor ? 0 : (q.offset ?? 0)) as Row[];
  const from = logs ? 'scores s JOIN logs l ON l.id = s.log_id' : 'scores s';
  const total = db
    .prepare(`SELECT count(*) FROM ${from} ${where}`)
    .pluck()
    .get(...params) as number;
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
