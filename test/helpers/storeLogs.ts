import { LogWriter, type PendingRow } from '../../src/main/ingest/logWriter';
import type { Db } from '../../src/main/store/db';

/** An entry as a test states it: only the time is required. */
export interface TestEntry {
  tsMs: number;
  ip?: string;
  endpoint?: string;
  status?: number;
}

/**
 * Stores entries of source `sourceId` through the ingest's own writer (LogWriter), as a file's
 * lines would be: ids in order, line numbers after the source's last, the per-minute counts kept.
 */
export function storeLogs(db: Db, sourceId: number, entries: readonly TestEntry[]): void {
  const last = db
    .prepare('SELECT coalesce(max(line_no), 0) FROM logs WHERE source_id = ?')
    .pluck()
    .get(sourceId) as number;
  const rows: PendingRow[] = entries.map((e, k) => ({
    lineNo: last + k + 1,
    entry: {
      tsMs: e.tsMs,
      ip: e.ip ?? '10.0.0.1',
      method: 'GET',
      endpoint: e.endpoint ?? '/x',
      protocol: 'HTTP/1.1',
      status: e.status ?? 200,
      bytes: null,
      referer: null,
      userAgent: null,
    },
    raw: null,
  }));
  // The source's own counters carry on unchanged, but for its lines.
  const src = db
    .prepare('SELECT byte_offset, lines, parse_errors, identity, bytes_total FROM sources WHERE id = ?')
    .get(sourceId) as {
    byte_offset: number;
    lines: number;
    parse_errors: number;
    identity: string | null;
    bytes_total: number;
  };
  const cursor = {
    sourceId,
    offset: src.byte_offset,
    lines: src.lines + entries.length,
    parseErrors: src.parse_errors,
    identity: src.identity,
    bytesTotal: src.bytes_total,
  };
  new LogWriter(db).commit(cursor, rows, []);
}
