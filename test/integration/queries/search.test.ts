import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchSql } from '../../../src/main/search/language';
import type { Db } from '../../../src/main/store/db';
import { addSource, tempDb } from '../features/helpers';

let db: Db;
let cleanup: () => void;

const ROWS: Array<[string, string | null, string, number, string | null]> = [
  ['10.0.0.1', 'GET', '/index.html', 200, 'Mozilla/5.0 (X11; Linux x86_64)'],
  ['10.0.0.2', 'POST', '/wp-login.php', 401, 'python-requests/2.31'],
  [
    '203.0.113.9',
    'GET',
    '/admin/config.php',
    404,
    'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)',
  ],
  [
    '203.0.113.9',
    'GET',
    '/.env',
    404,
    'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)',
  ],
  ['192.168.1.5', 'GET', '/api/data', 503, null],
  ['192.168.1.6', null, '/50%_off', 200, 'sqlmap/1.7 (https://sqlmap.org)'],
];

beforeAll(() => {
  const t = tempDb();
  db = t.db;
  cleanup = t.cleanup;
  const src = addSource(db, '/logs/a.log');
  const stmt = db.prepare(
    'INSERT INTO logs (source_id, line_no, ts_ms, ip, method, endpoint, status, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  ROWS.forEach((r, i) => stmt.run(src, i + 1, i * 1000, ...r));
});
afterAll(() => cleanup());

function find(q: string): string[] {
  const s = searchSql(q);
  return db
    .prepare(`SELECT endpoint FROM logs l WHERE ${s.sql} ORDER BY id`)
    .pluck()
    .all(...s.params) as string[];
}

describe('the search language', () => {
  it('finds text in the user agent, case-insensitively (the walkthrough looked for "Nmap")', () => {
    expect(find('Nmap')).toEqual(['/admin/config.php', '/.env']);
    expect(find('nmap')).toEqual(['/admin/config.php', '/.env']);
  });

  it('status classes, single statuses and ranges; negation; phrases; fields', () => {
    expect(find('status:4xx')).toEqual(['/wp-login.php', '/admin/config.php', '/.env']);
    expect(find('status:404')).toEqual(['/admin/config.php', '/.env']);
    expect(find('status:500-503')).toEqual(['/api/data']);
    expect(find('-status:2xx -status:4xx')).toEqual(['/api/data']);
    expect(find('status:4xx -nmap')).toEqual(['/wp-login.php']);
    expect(find('"sqlmap/1.7 (https"')).toEqual(['/50%_off']);
    expect(find('ip:203.0.113.*')).toEqual(['/admin/config.php', '/.env']);
    expect(find('path:/wp-*')).toEqual(['/wp-login.php']);
    expect(find('ua:python')).toEqual(['/wp-login.php']);
    expect(find('method:post')).toEqual(['/wp-login.php']);
    // LIKE's own wildcards are literal text.
    expect(find('50%_')).toEqual(['/50%_off']);
    expect(find('0%')).toEqual(['/50%_off']);
  });

  it('an empty search matches everything; a bad status is a 400 naming q', () => {
    expect(find('   ')).toHaveLength(ROWS.length);
    expect(() => searchSql('status:abc')).toThrow(/^q: "status:abc"/);
  });
});
