import { ApiError } from '../../shared/api';
import { candidateExpression } from './words';
import type { Db } from '../store/db';

/**
 * The search language, as SQL over a `logs` row aliased `l`:
 *   nmap            the text in the IP, method, path or user agent (case-insensitive)
 *   "sqlmap/1.7"    a phrase, spaces included
 *   -bot            not containing it
 *   status:5xx      a status class; status:404 one status; status:400-403 a range
 *   ip:10.0.0.*     the IP (a glob: * and ?), path:/wp-* the path (glob), ua:curl the user agent
 *   method:POST     the method (case-insensitive)
 * Any term can be negated with a leading minus; terms combine with AND.
 *
 * Every term is decided by its LIKE (or GLOB, or comparison) alone. Given the database, text
 * terms are also narrowed by the search index (migration 6): the rows it covers that could match
 * (a superset), plus the rows it does not cover yet, so a search reads a few candidates instead of
 * every row and its answer is the LIKE answer whatever the indexer's progress. A plain word of
 * letters and digits (`bingbot`) is answered by the index alone for the rows it covers: an entry
 * holding an indexed word that contains it contains it, so only the rows left to LIKE are read,
 * and the clause asks nothing of the row but its id (`row` false: a count need not read logs).
 * Build and run the SQL in one synchronous go (the index moves between event-loop turns).
 *
 * `id`: the column holding the entry's id (e.g. `s.log_id` of a joined scores row, so a query
 * whose other clauses need no logs column can leave logs out).
 */
export function searchSql(
  q: string,
  l = 'l',
  db?: Db,
  id = `${l}.id`,
): { sql: string; params: unknown[]; row: boolean } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const narrowing: string[] = [];
  let row = false;
  for (const raw of tokens(q)) {
    const negate = raw.startsWith('-') && raw.length > 1;
    const term = negate ? raw.slice(1) : raw;
    const { sql, values, text, plainWord } = termSql(term, l);
    // A negated term is left to its LIKE on the rows the other terms leave: the index's list of
    // what it excludes (often most rows: -mozilla) costs more to build than the LIKE.
    const expr = db && text !== null && !negate ? candidateExpression(db, text) : null;
    if (expr !== null && plainWord) {
      // The index's answer is exact: the indexed matches, plus the unindexed rows LIKE finds.
      const { sql: like, values: likeValues } = termSql(term, 'x');
      const indexed = expr ? 'SELECT rowid FROM search_fts WHERE search_fts MATCH ? UNION ALL ' : '';
      clauses.push(`${id} IN (${indexed}SELECT x.id FROM logs x WHERE x.id IN (${UNINDEXED}) AND ${like})`);
      params.push(...(expr ? [expr] : []), ...likeValues);
      continue;
    }
    row = true;
    if (expr === null) {
      clauses.push(negate ? `NOT (${sql})` : sql);
      params.push(...values);
    } else {
      narrowing.push(expr);
      clauses.push(sql);
      params.push(...values);
    }
  }
  if (narrowing.length) {
    // One index look-up for every positive text term; it leads, so SQLite starts from it.
    const expr = narrowing.includes('') ? '' : narrowing.join(' AND ');
    clauses.unshift(candidates(id, expr));
    params.unshift(...(expr ? [expr] : []));
  }
  return { sql: clauses.length ? clauses.join(' AND ') : '1', params, row };
}

/** Ids of the rows the index does not answer for: skipped ones and those not indexed yet. */
const UNINDEXED = `SELECT log_id FROM search_skipped UNION ALL
    SELECT id FROM logs WHERE id > (SELECT upto FROM search_state)`;

/** Ids of the rows that may match an FTS expression ('' = no indexed row can): indexed matches, rows left to LIKE, rows not indexed yet. */
function candidates(id: string, expr: string): string {
  const indexed = expr ? 'SELECT rowid FROM search_fts WHERE search_fts MATCH ? UNION ALL ' : '';
  return `${id} IN (${indexed}${UNINDEXED})`;
}

function tokens(q: string): string[] {
  const out: string[] = [];
  const re = /(-?)(?:"([^"]*)"|(\S+))/g;
  for (let m = re.exec(q); m; m = re.exec(q)) {
    const text = m[2] ?? m[3];
    if (text !== '') out.push(`${m[1]}${text}`);
  }
  return out;
}

const escapeLike = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

interface TermSql {
  sql: string;
  values: unknown[];
  /** The text it looks for in the indexed fields (null for the other fields). */
  text: string | null;
  /** Looked for in every indexed field, and one run of ASCII letters and digits: the index answers it exactly. */
  plainWord?: boolean;
}

/** A term's SQL over the `logs` row aliased `l`. */
function termSql(term: string, l: string): TermSql {
  const colon = term.indexOf(':');
  const field = colon > 0 ? term.slice(0, colon).toLowerCase() : '';
  const value = colon > 0 ? term.slice(colon + 1) : term;
  switch (field) {
    case 'status':
      return { ...statusSql(value, l), text: null };
    case 'ip':
      return { sql: `${l}.ip GLOB ?`, values: [value], text: null };
    case 'path':
      return { sql: `${l}.endpoint GLOB ?`, values: [value], text: null };
    case 'ua':
      return {
        sql: `coalesce(${l}.user_agent, '') LIKE ? ESCAPE '\\'`,
        values: [escapeLike(value)],
        text: value,
      };
    case 'method':
      return { sql: `upper(coalesce(${l}.method, '')) = upper(?)`, values: [value], text: null };
    default: {
      const like = escapeLike(term);
      const cols = [`${l}.ip`, `${l}.endpoint`, `coalesce(${l}.user_agent, '')`, `coalesce(${l}.method, '')`];
      return {
        sql: `(${cols.map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR ')})`,
        values: cols.map(() => like),
        text: term,
        plainWord: /^[A-Za-z0-9]+$/.test(term),
      };
    }
  }
}

function statusSql(value: string, l: string): { sql: string; values: unknown[] } {
  const cls = /^([1-5])xx$/i.exec(value);
  if (cls) return { sql: `${l}.status BETWEEN ? AND ?`, values: [Number(cls[1]) * 100, Number(cls[1]) * 100 + 99] };
  const range = /^(\d{3})-(\d{3})$/.exec(value);
  if (range) return { sql: `${l}.status BETWEEN ? AND ?`, values: [Number(range[1]), Number(range[2])] };
  if (/^\d{3}$/.test(value)) return { sql: `${l}.status = ?`, values: [Number(value)] };
  throw new ApiError(400, `q: "status:${value}" is not a status, a class (5xx) or a range (400-403)`);
}
