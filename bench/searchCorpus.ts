import type { ParsedEntry } from '../src/main/ingest/parse';
import { LogWriter, type PendingRow } from '../src/main/ingest/logWriter';
import type { Db } from '../src/main/store/db';

import { rng } from '../test/helpers/rng';

/** The seeded generator the tests use: the same corpus on every run. */
export { rng };

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'curl/8.4.0',
  'python-requests/2.31.0',
  'Go-http-client/1.1',
  'Wget/1.21.4',
];
const PATHS = ['/', '/index.html', '/login', '/api/v1/items', '/static/app.js', '/static/site.css', '/search', '/cart'];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'POST', 'HEAD'];
const STATUSES = [200, 200, 200, 200, 200, 304, 301, 404, 403, 500, 503];
/** The rare agent a search bench looks for: one line in RARE_EVERY. */
export const RARE_AGENT = 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)';
export const RARE_EVERY = 20_000;

/** One generated entry: 5,000 client IPs, ids and words in paths, ten common agents and a rare one. */
export function entryAt(i: number, r: () => number, t0 = Date.UTC(2024, 0, 1)): ParsedEntry {
  const ip = `10.${Math.floor(r() * 20)}.${Math.floor(r() * 250)}.${Math.floor(r() * 10) + 1}`;
  const base = PATHS[Math.floor(r() * PATHS.length)];
  const endpoint =
    base === '/api/v1/items'
      ? `${base}/${Math.floor(r() * 100_000)}`
      : base === '/search'
        ? `/search?q=item${Math.floor(r() * 50_000)}`
        : base;
  return {
    tsMs: t0 + i * 50,
    ip,
    method: METHODS[Math.floor(r() * METHODS.length)],
    endpoint,
    protocol: 'HTTP/1.1',
    status: STATUSES[Math.floor(r() * STATUSES.length)],
    bytes: Math.floor(r() * 50_000),
    referer: null,
    userAgent: i % RARE_EVERY === RARE_EVERY - 1 ? RARE_AGENT : AGENTS[Math.floor(r() * AGENTS.length)],
  };
}

/** Stores `lines` generated entries through the ingest's writer (one source, 10,000-row commits). */
export function storeCorpus(db: Db, lines: number, seed = 7): number {
  const sourceId = Number(
    db
      .prepare(
        "INSERT INTO sources (path, kind, status, follow, added_at) VALUES ('/bench/access.log', 'file', 'done', 0, 0)",
      )
      .run().lastInsertRowid,
  );
  const writer = new LogWriter(db);
  const r = rng(seed);
  for (let done = 0; done < lines;) {
    const rows: PendingRow[] = [];
    for (let k = 0; k < 10_000 && done < lines; k++, done++)
      rows.push({ lineNo: done + 1, entry: entryAt(done, r), raw: null });
    writer.commit(
      { sourceId, offset: done * 200, lines: done, parseErrors: 0, identity: null, bytesTotal: done * 200 },
      rows,
      [],
    );
  }
  return sourceId;
}
