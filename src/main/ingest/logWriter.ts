import type { Statement, Transaction } from 'better-sqlite3';
import type { ParsedEntry } from './parse';
import type { Db } from '../store/db';

/** What a source has consumed so far; written in the same transaction as its rows. */
export interface SourceCursor {
  sourceId: number;
  /** Bytes of the source consumed by complete lines (uncompressed bytes for .gz). */
  offset: number;
  /** Lines consumed: entries, parse errors and skipped lines (headers, blanks). */
  lines: number;
  parseErrors: number;
  identity: string | null;
  bytesTotal: number;
}

export interface PendingRow {
  lineNo: number;
  entry: ParsedEntry;
  /** The line as read, or null when it stays readable in its file at `offset`. */
  raw: string | null;
  /** Byte offset of the line in its source (files), for reading it back. */
  offset?: number | null;
}

export interface PendingError {
  lineNo: number;
  reason: string;
  line: string;
}

export interface Committed {
  sourceId: number;
  /** Ids of the rows inserted by this commit: [firstId, lastId], empty when firstId > lastId. */
  firstId: number;
  lastId: number;
}

const COLS = 11;
/** Rows per multi-row INSERT: fewer statement calls, far below SQLite's parameter limit. */
const ROWS_PER_INSERT = 200;
/** Errors kept per source for inspection; the rest are only counted. */
export const MAX_KEPT_ERRORS = 1000;
/** A kept error keeps at most this much of its line. */
export const KEPT_LINE_CHARS = 2000;

/**
 * The only code that inserts log rows. Rows, kept errors and the source's new offset commit in
 * one transaction, so a crash at any point neither loses nor duplicates a line.
 */
export class LogWriter {
  private readonly many: Statement;
  private readonly one: Statement;
  private readonly insertError: Statement;
  private readonly updateCursor: Statement;
  private readonly countKept: Statement;
  private readonly lastId: Statement;
  private readonly addMinute: Statement;
  private readonly commitTx: Transaction<
    (cursor: SourceCursor, rows: PendingRow[], errors: PendingError[]) => Committed
  >;

  constructor(private readonly db: Db) {
    const sql =
      'INSERT INTO logs (source_id, line_no, ts_ms, ip, method, endpoint, status, bytes, user_agent, raw, byte_offset) VALUES ';
    const tuple = `(${Array(COLS).fill('?').join(',')})`;
    this.many = db.prepare(sql + Array(ROWS_PER_INSERT).fill(tuple).join(','));
    this.one = db.prepare(sql + tuple);
    this.insertError = db.prepare('INSERT INTO parse_errors (source_id, line_no, reason, line) VALUES (?, ?, ?, ?)');
    this.countKept = db.prepare('SELECT count(*) FROM parse_errors WHERE source_id = ?').pluck();
    this.lastId = db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck();
    this.addMinute = db.prepare(
      'INSERT INTO log_minutes (minute, n) VALUES (?, ?) ON CONFLICT (minute) DO UPDATE SET n = n + excluded.n',
    );
    this.updateCursor = db.prepare(
      `UPDATE sources SET byte_offset = ?, lines = ?, parse_errors = ?, identity = ?, bytes_total = max(bytes_total, ?)
       WHERE id = ?`,
    );
    this.commitTx = db.transaction((cursor: SourceCursor, rows: PendingRow[], errors: PendingError[]) => {
      const before = this.maxId();
      this.insertRows(cursor.sourceId, rows);
      this.keepErrors(cursor.sourceId, errors);
      this.advance(cursor);
      return { sourceId: cursor.sourceId, firstId: before + 1, lastId: before + rows.length };
    });
  }

  private keepErrors(sourceId: number, errors: PendingError[]): void {
    if (!errors.length) return;
    const room = MAX_KEPT_ERRORS - (this.countKept.get(sourceId) as number);
    for (const e of errors.slice(0, Math.max(0, room))) {
      this.insertError.run(sourceId, e.lineNo, e.reason, e.line.slice(0, KEPT_LINE_CHARS));
    }
  }

  private advance(cursor: SourceCursor): void {
    const info = this.updateCursor.run(
      cursor.offset,
      cursor.lines,
      cursor.parseErrors,
      cursor.identity,
      cursor.bytesTotal,
      cursor.sourceId,
    );
    if (info.changes !== 1) throw new Error(`source ${cursor.sourceId} no longer exists`);
  }

  /** Inserts the rows and advances the cursor, atomically. */
  commit(cursor: SourceCursor, rows: PendingRow[], errors: PendingError[]): Committed {
    // IMMEDIATE: the write lock is taken at BEGIN, so a database locked by another program
    // fails the whole batch up front (SQLITE_BUSY) instead of after some of its inserts.
    return this.commitTx.immediate(cursor, rows, errors);
  }

  /**
   * Opens a span: one transaction that takes several batches (appendToSpan) and commits with
   * the cursor (endSpan). The caller holds the connection alone meanwhile (WriteGate.exclusive).
   */
  beginSpan(): void {
    this.db.exec('BEGIN IMMEDIATE');
  }

  /** Inserts a batch into the open span; the cursor is written by endSpan, with the last batch. */
  appendToSpan(cursor: SourceCursor, rows: PendingRow[], errors: PendingError[]): Committed {
    const before = this.maxId();
    this.insertRows(cursor.sourceId, rows);
    this.keepErrors(cursor.sourceId, errors);
    return { sourceId: cursor.sourceId, firstId: before + 1, lastId: before + rows.length };
  }

  /** Advances the cursor and commits the span: its rows and the offset past them land together. */
  endSpan(cursor: SourceCursor): void {
    this.advance(cursor);
    this.db.exec('COMMIT');
  }

  /** Drops an open span (a failed or stopped read): the stored offset stays before its lines. */
  abandonSpan(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  private maxId(): number {
    return this.lastId.get() as number;
  }

  private insertRows(sourceId: number, rows: PendingRow[]): void {
    const params: unknown[] = new Array(ROWS_PER_INSERT * COLS);
    let i = 0;
    for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
      for (let j = 0; j < ROWS_PER_INSERT; j++) fill(params, j * COLS, sourceId, rows[i + j]);
      this.many.run(params);
    }
    const single: unknown[] = new Array(COLS);
    for (; i < rows.length; i++) {
      fill(single, 0, sourceId, rows[i]);
      this.one.run(single);
    }
    // Entries per minute (the timeline's totals), in the same transaction as the rows.
    const minutes = new Map<number, number>();
    for (const r of rows) {
      const m = Math.floor(r.entry.tsMs / MINUTE_MS);
      minutes.set(m, (minutes.get(m) ?? 0) + 1);
    }
    for (const [m, n] of minutes) this.addMinute.run(m, n);
  }
}

const MINUTE_MS = 60_000;

function fill(params: unknown[], at: number, sourceId: number, r: PendingRow): void {
  const e = r.entry;
  params[at] = sourceId;
  params[at + 1] = r.lineNo;
  params[at + 2] = e.tsMs;
  params[at + 3] = e.ip;
  params[at + 4] = e.method;
  params[at + 5] = e.endpoint;
  params[at + 6] = e.status;
  params[at + 7] = e.bytes;
  params[at + 8] = e.userAgent;
  params[at + 9] = r.raw;
  params[at + 10] = r.offset ?? null;
}
