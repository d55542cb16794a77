import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchSql } from '../../../src/main/search/language';
import { SearchIndexer } from '../../../src/main/search/searchIndexer';
import { openDatabase, schemaVersion, type Db } from '../../../src/main/store/db';
import { SCHEMA_VERSION } from '../../../src/main/store/migrations';
import { WriteGate } from '../../../src/main/store/writeGate';
import { databaseAtVersion } from '../../helpers/oldSchema';
import { tempDir } from '../../helpers/tmp';
import { engineFixture, type EngineFixture } from '../ingest/engineFixture';
import { waitFor } from '../../helpers/wait';
import { rng } from '../../helpers/rng';

const NMAP = 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)';
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0',
  'curl/8.4.0',
  'python-requests/2.31.0',
  'sqlmap/1.7 (https://sqlmap.org)',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
  'Wget/1.21',
  // Not ASCII: left to LIKE by the index.
  'Navigateur-Spécial/1.0 (Straße)',
];
const PATHS = [
  '/',
  '/index.html',
  '/wp-login.php',
  '/api/v1/items/42',
  '/search?q=red+shoes',
  '/50%_off',
  '/.env',
  '/café',
];
const METHODS = ['GET', 'POST', 'HEAD', 'PUT'];
const STATUSES = [200, 200, 301, 401, 403, 404, 500, 503];

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

function line(ip: string, method: string, path: string, status: number, ua: string, second: number): string {
  const ts = `10/Oct/2023:13:${String(Math.floor(second / 60) % 60).padStart(2, '0')}:${String(second % 60).padStart(2, '0')} +0000`;
  return `${ip} - - [${ts}] "${method} ${path} HTTP/1.1" ${status} 512 "-" "${ua}"`;
}

function randomLines(r: () => number, n: number, from: number): string[] {
  return Array.from({ length: n }, (_, k) =>
    line(
      `10.0.${Math.floor(r() * 4)}.${Math.floor(r() * 30)}`,
      pick(r, METHODS),
      pick(r, PATHS),
      pick(r, STATUSES),
      r() < 0.01 ? NMAP : pick(r, AGENTS),
      from + k,
    ),
  );
}

/** Ids the search finds: through the index (with the database) or by LIKE alone. */
function found(db: Db, q: string, indexed: boolean): number[] {
  const s = searchSql(q, 'l', indexed ? db : undefined);
  return db
    .prepare(`SELECT l.id FROM logs l WHERE ${s.sql} ORDER BY l.id`)
    .pluck()
    .all(...s.params) as number[];
}

const upto = (db: Db) => db.prepare('SELECT upto FROM search_state').pluck().get() as number;
const maxId = (db: Db) => db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck().get() as number;

describe('full-text search through the search index', () => {
  let fx: EngineFixture;
  let db: Db;
  let indexer: SearchIndexer;
  let firstSource: number;

  const upload = async (name: string, lines: string[]) =>
    (await fx.engine.streams.ingest({ name, format: 'combined' }, Readable.from([lines.join('\n') + '\n']))).sourceId;

  beforeAll(async () => {
    fx = await engineFixture();
    db = fx.engine.db;
    // The test drives indexing itself, so it can leave a tail unindexed: the engine's own
    // indexer (which runs after every ingest commit) is stopped.
    await fx.engine.search.close();
    indexer = new SearchIndexer(db, fx.engine.gate);
    const r = rng(1);
    firstSource = await upload('first.log', [
      line('203.0.113.9', 'GET', '/admin/config.php', 404, NMAP, 0),
      line('203.0.113.9', 'GET', '/.env', 404, NMAP, 1),
      line('10.0.0.1', 'POST', '/wp-login.php', 401, 'python-requests/2.31', 2),
      line('10.0.0.2', 'GET', '/index.html', 200, 'sqlmap/1.7 (https://sqlmap.org)', 3),
      ...randomLines(r, 1500, 4),
    ]);
    await indexer.schedule();
    // A second upload stays unindexed: searches see both the indexed rows and the tail.
    await upload('second.log', randomLines(r, 1500, 2000));
  }, 60_000);
  afterAll(async () => {
    await indexer.close();
    await fx.close();
  });

  it('indexes the first upload and leaves the second to LIKE', () => {
    expect(upto(db)).toBeGreaterThan(1500);
    expect(upto(db)).toBeLessThan(maxId(db));
    expect(db.prepare('SELECT count(*) FROM search_skipped').pluck().get()).toBeGreaterThan(0);
    expect(searchSql('nmap', 'l', db).sql).toContain('search_fts MATCH');
  });

  it('finds a word that only a user agent holds, a phrase, a negation and a status range with text', () => {
    const nmap = found(db, 'Nmap', true);
    expect(nmap.slice(0, 2)).toEqual([1, 2]);
    expect(nmap.length).toBeGreaterThan(2);
    expect(nmap).toEqual(found(db, 'nmap', false));
    // "scripting" is in no path: the UA alone makes these rows match.
    expect(found(db, 'ScRiPtInG', true)).toEqual(nmap);
    expect(found(db, 'ua:nmap.org/book', true)).toEqual(nmap);

    const phrase = found(db, '"sqlmap/1.7 (https"', true);
    expect(phrase[0]).toBe(4);
    expect(phrase).toEqual(found(db, '"sqlmap/1.7 (https"', false));

    const negated = found(db, 'status:4xx -nmap -python', true);
    expect(negated).not.toContain(1);
    expect(negated).not.toContain(3);
    expect(negated.length).toBeGreaterThan(100);
    expect(negated).toEqual(found(db, 'status:4xx -nmap -python', false));

    const ranged = found(db, 'status:400-403 curl', true);
    const statuses = db
      .prepare(`SELECT DISTINCT status FROM logs WHERE id IN (${ranged.join(',')}) ORDER BY status`)
      .pluck()
      .all();
    expect(statuses).toEqual([401, 403]);
    expect(ranged).toEqual(found(db, 'status:400-403 curl', false));
  });

  it('answers as LIKE alone does for random searches over indexed, skipped and unindexed rows', () => {
    const r = rng(2);
    const words = [
      'nmap',
      'map',
      'sql',
      'SQLMAP/1',
      'bot',
      'google',
      'wp-log',
      'items/4',
      '.php',
      '50%_',
      'q=red',
      'ozilla/5.0 (X1',
      'spécial',
      'straße',
      'café',
      '10.0.1.',
      'post',
      'hea',
      'zzz',
      'e',
      '/',
      'x86_64) fire',
      'https://',
      '2.31.0',
      'ua:curl',
      'ua:bot.html',
      'env',
    ];
    const fields = ['status:4xx', 'status:500-503', 'status:200', 'method:GET', 'ip:10.0.2.*', 'path:/wp-*'];
    let nonEmpty = 0;
    for (let i = 0; i < 150; i++) {
      const terms = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
        const t = r() < 0.75 ? pick(r, words) : pick(r, fields);
        const quoted = /\s/.test(t) ? `"${t}"` : t;
        return r() < 0.3 ? `-${quoted}` : quoted;
      });
      const q = terms.join(' ');
      const like = found(db, q, false);
      expect(found(db, q, true), q).toEqual(like);
      if (like.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(50);
  });

  it('forgets a removed source, and finds the rows that reuse its ids once they are indexed or not', async () => {
    await indexer.schedule();
    expect(upto(db)).toBe(maxId(db));
    const last = maxId(db);
    const third = await upload('third.log', [line('198.51.100.7', 'GET', '/x', 200, 'Zgrab/0.x', 0)]);
    await indexer.schedule();
    const thirdId = maxId(db);
    const inIndex = (word: string) =>
      db.prepare('SELECT rowid FROM search_fts WHERE search_fts MATCH ?').pluck().all(`"${word}"`) as number[];
    expect(inIndex('zgrab')).toEqual([thirdId]);

    await fx.engine.api.removeSource({ id: third });
    expect(inIndex('zgrab')).toEqual([]);
    expect(upto(db)).toBe(last);
    // The next rows take the removed rows' ids: found before and after indexing.
    await upload('fourth.log', [line('198.51.100.8', 'GET', '/y', 200, 'Masscan/1.3', 0)]);
    expect(maxId(db)).toBe(thirdId);
    expect(found(db, 'masscan', true)).toEqual([thirdId]);
    expect(found(db, 'zgrab', true)).toEqual([]);
    await indexer.schedule();
    expect(found(db, 'masscan', true)).toEqual([thirdId]);

    const before = db.prepare('SELECT count(*) FROM logs WHERE source_id = ?').pluck().get(firstSource) as number;
    expect(before).toBeGreaterThan(1000);
    await fx.engine.api.removeSource({ id: firstSource });
    expect(inIndex('nmap').every((id) => id > before)).toBe(true);
    expect(found(db, 'nmap', true)).toEqual(found(db, 'nmap', false));
    expect(db.prepare('SELECT count(*) FROM search_skipped WHERE log_id <= ?').pluck().get(before)).toBe(0);
  }, 60_000);
});

describe('the search index migration', () => {
  it('upgrades a version-5 file, whose rows are then indexed and found', async () => {
    const t = tempDir();
    try {
      const file = join(t.dir, 'v5.sqlite');
      const old = databaseAtVersion(file, 5);
      const ins = old.prepare(
        'INSERT INTO logs (source_id, line_no, ts_ms, ip, method, endpoint, status, user_agent) VALUES (1, ?, ?, ?, ?, ?, ?, ?)',
      );
      ins.run(1, 0, '10.0.0.1', 'GET', '/', 200, 'Mozilla/5.0');
      ins.run(2, 1, '10.0.0.2', 'GET', '/admin', 403, 'Nikto/2.5.0');
      old.close();

      const db = openDatabase(file);
      expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
      expect(upto(db)).toBe(0);
      expect(found(db, 'nikto', true)).toEqual([2]);
      await new SearchIndexer(db, new WriteGate()).schedule();
      expect(upto(db)).toBe(2);
      expect(found(db, 'nikto', true)).toEqual([2]);
      expect(found(db, '-nikto', true)).toEqual([1]);
      db.close();
    } finally {
      t.cleanup();
    }
  });
});

describe('the engine indexes what it ingests', () => {
  it('an upload is indexed in the background, and a search finds it through the index', async () => {
    const fx = await engineFixture();
    try {
      const r = rng(5);
      await fx.engine.streams.ingest(
        { name: 'bg.log', format: 'combined' },
        Readable.from([[line('198.51.100.7', 'GET', '/x', 404, NMAP, 0), ...randomLines(r, 800, 1)].join('\n') + '\n']),
      );
      await waitFor(() => upto(fx.engine.db) === maxId(fx.engine.db), 'the background indexer', 30_000);
      expect(searchSql('nmap', 'l', fx.engine.db).sql).toContain('search_fts MATCH');
      const { sql, params } = searchSql('nmap', 'l', fx.engine.db);
      const ips = fx.engine.db
        .prepare(`SELECT DISTINCT l.ip FROM logs l WHERE ${sql}`)
        .pluck()
        .all(...params);
      expect(ips).toContain('198.51.100.7');
    } finally {
      await fx.close();
    }
  });
});
