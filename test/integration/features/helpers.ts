import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { openDatabase, type Db } from '../../../src/main/store/db';
import type { Counts, OracleRow } from '../../unit/features/oracle';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/features/', import.meta.url));

/** A real SQLite file (WAL + migrations) in a fresh temp dir. */
export function tempDb(): { db: Db; file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'od-features-'));
  const file = join(dir, 'test.sqlite');
  const db = openDatabase(file);
  return {
    db,
    file,
    cleanup: () => {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function addSource(db: Db, path: string): number {
  return Number(
    db.prepare("INSERT INTO sources (path, kind, added_at) VALUES (?, 'file', 0)").run(path).lastInsertRowid,
  );
}

export interface InsertRow extends OracleRow {
  lineNo?: number;
}

/** Inserts rows in the given (arrival) order; returns the id of the first one. */
export function insertLogs(db: Db, sourceId: number, rows: readonly InsertRow[], firstLine = 1): number {
  const stmt = db.prepare(
    'INSERT INTO logs (source_id, line_no, ts_ms, ip, endpoint, status) VALUES (?, ?, ?, ?, ?, ?)',
  );
  let first = -1;
  db.transaction(() => {
    rows.forEach((r, k) => {
      const id = Number(stmt.run(sourceId, r.lineNo ?? firstLine + k, r.tsMs, r.ip, '/x', r.status).lastInsertRowid);
      if (first < 0) first = id;
    });
  })();
  return first;
}

/** Stored features in log id order, as [request, client, server]. */
export function storedFeatures(db: Db): Counts[] {
  return db
    .prepare(
      `SELECT f.request_count, f.client_error_count, f.server_error_count
       FROM logs l LEFT JOIN features f ON f.log_id = l.id ORDER BY l.id`,
    )
    .raw()
    .all() as Counts[];
}

/** RFC 4180 parser for whole texts (quoted fields may hold commas, quotes, line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function readGzCsv(name: string): string[][] {
  return parseCsv(gunzipSync(readFileSync(join(FIXTURES, name))).toString('utf8'));
}
