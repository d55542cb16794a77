import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createCombinedParser } from '../src/main/ingest/parse/combined';
import type { ParsedEntry } from '../src/main/ingest/parse';
import { LogWriter, type PendingRow, type SourceCursor } from '../src/main/ingest/logWriter';
import { MIGRATIONS } from '../src/main/store/migrations';
import { lnavOnce } from './dropReady';
import { writeBigLog } from './ingest';

const ROWS_PER_INSERT = 200;

/** An empty database with SQLite's most permissive settings: no journal, no fsync; the app's page cache. */
function permissiveDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -32768');
  return db;
}

/** A permissive database at the app's schema, with one file source (id 1). */
function bareDb(file: string): Database.Database {
  const db = permissiveDb(file);
  for (const m of MIGRATIONS) db.exec(m.sql);
  db.prepare("INSERT INTO sources (id, path, kind, added_at) VALUES (1, '/bench.log', 'file', 0)").run();
  return db;
}

/** Rows handed to the app's writer at a time: about what a 256 KiB read of the file holds. */
const ROWS_PER_APPEND = 1_000;

/** `rows` through the app's own writer (LogWriter), in one span as a bulk import writes them; returns ms. */
function writeRows(db: Database.Database, rows: PendingRow[]): number {
  const writer = new LogWriter(db);
  const cursor: SourceCursor = { sourceId: 1, offset: 0, lines: 0, parseErrors: 0, identity: null, bytesTotal: 0 };
  const t0 = performance.now();
  writer.beginSpan();
  for (let i = 0; i < rows.length; i += ROWS_PER_APPEND)
    writer.appendToSpan(cursor, rows.slice(i, i + ROWS_PER_APPEND), []);
  cursor.lines = rows.length;
  writer.endSpan(cursor);
  return Math.round(performance.now() - t0);
}

/** Inserts `rows` with `cols` values each, 200 a statement, in one transaction; returns ms. */
function insertAll(
  db: Database.Database,
  table: string,
  cols: string[],
  rows: number,
  fill: (i: number, out: unknown[], at: number) => void,
): number {
  const tuple = `(${cols.map(() => '?').join(',')})`;
  const many = db.prepare(
    `INSERT INTO ${table} (${cols.join(',')}) VALUES ${Array(ROWS_PER_INSERT).fill(tuple).join(',')}`,
  );
  const one = db.prepare(`INSERT INTO ${table} (${cols.join(',')}) VALUES ${tuple}`);
  const params: unknown[] = new Array(ROWS_PER_INSERT * cols.length);
  const single: unknown[] = new Array(cols.length);
  const t0 = performance.now();
  db.transaction(() => {
    let i = 0;
    for (; i + ROWS_PER_INSERT <= rows; i += ROWS_PER_INSERT) {
      for (let j = 0; j < ROWS_PER_INSERT; j++) fill(i + j, params, j * cols.length);
      many.run(params);
    }
    for (; i < rows; i++) {
      fill(i, single, 0);
      one.run(single);
    }
  })();
  return Math.round(performance.now() - t0);
}

const timed = (fn: () => void): number => {
  const t0 = performance.now();
  fn();
  return Math.round(performance.now() - t0);
};

/**
 * The floor SQLite sets for drop → ready (goal: 3 × lnav's open-and-count). A `lines`-line
 * combined log is parsed up front (timed on its own), then only its inserts are timed: the app's
 * own writer (LogWriter: 200 rows a statement, the entries per minute) in one transaction, on the
 * app's schema with no journal and no fsync, with the logs table's indexes kept during the
 * inserts (as the app does) and without them, built afterwards. A last variant keeps only what
 * the window features need (time, IP, status, byte offset; the rest would be read back from the
 * file) with its IP index built after. This is what any path that stores a row per line pays.
 */
export async function benchStoreCeiling(lines = 1_000_000): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-ceiling-'));
  try {
    const log = join(dir, 'access.log');
    await writeBigLog(log, lines);
    const text = readFileSync(log, 'utf8');
    const parser = createCombinedParser();
    const entries: ParsedEntry[] = [];
    const offsets: number[] = [];
    let at = 0;
    const parseMs = timed(() => {
      for (const line of text.split('\n')) {
        const r = parser.parse(line);
        if (r.ok) {
          entries.push(r.entry);
          offsets.push(at);
        }
        at += Buffer.byteLength(line) + 1;
      }
    });
    const n = entries.length;
    const rows: PendingRow[] = entries.map((entry, i) => ({ lineNo: i + 1, entry, raw: null, offset: offsets[i] }));

    // A warm-up in memory, so the first variant timed does not also pay for the JIT.
    const warm = bareDb(':memory:');
    writeRows(warm, rows.slice(0, 50_000));
    warm.close();

    const during = bareDb(join(dir, 'during.sqlite'));
    const rowsWithIndexesMs = writeRows(during, rows);
    during.close();

    const after = bareDb(join(dir, 'after.sqlite'));
    // Every index the schema gives logs, whatever migrations add later.
    const indexes = after
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'logs' AND sql NOT NULL")
      .all() as Array<{ name: string; sql: string }>;
    for (const { name } of indexes) after.exec(`DROP INDEX ${name}`);
    const rowsNoIndexMs = writeRows(after, rows);
    const indexesAfterMs = timed(() => indexes.forEach(({ sql }) => after.exec(sql)));
    after.close();

    const slim = permissiveDb(join(dir, 'slim.sqlite'));
    slim.exec(
      'CREATE TABLE logs (id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, ip TEXT NOT NULL, status INTEGER NOT NULL, byte_offset INTEGER)',
    );
    const slimRowsMs = insertAll(slim, 'logs', ['ts_ms', 'ip', 'status', 'byte_offset'], n, (i, out, k) => {
      out[k] = entries[i].tsMs;
      out[k + 1] = entries[i].ip;
      out[k + 2] = entries[i].status;
      out[k + 3] = offsets[i];
    });
    const slimIndexMs = timed(() => slim.exec('CREATE INDEX logs_ip_ts ON logs (ip, ts_ms, id)'));
    slim.close();

    const lnav = lnavOnce(log, lines);
    return {
      lines: n,
      logs_indexes: indexes.map((x) => x.name),
      // Splitting the text and counting byte offsets included.
      parse_ms: parseMs,
      rows_with_indexes_ms: rowsWithIndexesMs,
      rows_without_indexes_ms: rowsNoIndexMs,
      indexes_built_after_ms: indexesAfterMs,
      rows_then_indexes_ms: rowsNoIndexMs + indexesAfterMs,
      feature_columns_only: { rows_ms: slimRowsMs, ip_index_after_ms: slimIndexMs },
      inserts_per_s_without_indexes: Math.round(n / (rowsNoIndexMs / 1000)),
      lnav: lnav ? { ms: Math.round(lnav.ms), three_times_ms: Math.round(3 * lnav.ms) } : 'skipped (lnav not on PATH)',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
