import { ApiError } from '../../shared/api';

/**
 * The search box's language, as SQL over a `logs` row aliased `l`:
 *   nmap            the text in the IP, method, path or user agent (case-insensitive)
 *   "sqlmap/1.7"    a phrase, spaces included
 *   -bot            not containing it
 *   status:5xx      a status class; status:404 one status; status:400-403 a range
 *   ip:10.0.0.*     the IP (a glob: * and ?), path:/wp-* the path (glob), ua:curl the user agent
 *   method:POST     the method (case-insensitive)
 * Any term can be negated with a leading minus; terms combine with AND.
 */
export function searchSql(q: string, l = 'l'): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  for (const raw of tokens(q)) {
    const negate = raw.startsWith('-') && raw.length > 1;
    const term = negate ? raw.slice(1) : raw;
    const { sql, values } = termSql(term, l);
    clauses.push(negate ? `NOT (${sql})` : sql);
    params.push(...values);
  }
  return { sql: clauses.length ? clauses.join(' AND ') : '1', params };
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

function termSql(term: string, l: string): { sql: string; values: unknown[] } {
  const colon = term.indexOf(':');
  const field = colon > 0 ? term.slice(0, colon).toLowerCase() : '';
  const value = colon > 0 ? term.slice(colon + 1) : term;
  switch (field) {
    case 'status':
      return statusSql(value, l);
    case 'ip':
      return { sql: `${l}.ip GLOB ?`, values: [value] };
    case 'path':
      return { sql: `${l}.endpoint GLOB ?`, values: [value] };
    case 'ua':
      return { sql: `coalesce(${l}.user_agent, '') LIKE ? ESCAPE '\\'`, values: [escapeLike(value)] };
    case 'method':
      return { sql: `upper(coalesce(${l}.method, '')) = upper(?)`, values: [value] };
    default: {
      const like = escapeLike(term);
      const cols = [`${l}.ip`, `${l}.endpoint`, `coalesce(${l}.user_agent, '')`, `coalesce(${l}.method, '')`];
      return { sql: `(${cols.map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR ')})`, values: cols.map(() => like) };
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
