import { csvField } from '../../shared/csv';
import type { Db } from '../store/db';

// Re-exported for callers of this module; the writer itself is the one the renderer uses too.
export { csvField };

export interface ExportOptions {
  /** Only this source's rows. */
  sourceId?: number;
  /** Rows fetched per query (default 5,000). */
  pageRows?: number;
  /** Default '\n'; pass '\r\n' for RFC 4180's line ends. */
  lineEnding?: '\n' | '\r\n';
}

export const EXPORT_HEADER = 'source,line_no,ip,ts_ms,request_count,client_error_count,server_error_count';

const CHUNK_CHARS = 64 * 1024;

/**
 * Streams the features as CSV chunks (≈ 64 KiB each, header first), rows with features only,
 * ordered by source (sources.id, i.e. the order sources were added; the column shows its path)
 * then line_no (then id, for a source re-read after truncation). Text fields (path, ip) are
 * formula-safe: src/shared/csv.ts.
 *
 * Pages by keyset on (source_id, line_no, id) over the logs_source_line index instead of
 * holding one cursor open: better-sqlite3 refuses every other statement on a connection while
 * a cursor is open, and a consumer (an HTTP response) yields between chunks. The flip side: no
 * snapshot spans the pages, so rows written meanwhile may or may not appear, never twice.
 */
export function* exportFeaturesCsv(db: Db, options: ExportOptions = {}): Generator<string, void, undefined> {
  const eol = options.lineEnding ?? '\n';
  const pageRows = options.pageRows ?? 5000;
  const { sourceId } = options;
  if (sourceId !== undefined && !Number.isSafeInteger(sourceId)) throw new RangeError('sourceId must be an integer');
  if (!Number.isSafeInteger(pageRows) || pageRows < 1) throw new RangeError('pageRows must be a positive integer');
  const bySource = sourceId === undefined ? '' : ` AND l.source_id = ${sourceId}`;
  const page = db
    .prepare(
      `SELECT l.source_id, l.line_no, l.id, s.path, l.ip, l.ts_ms,
              f.request_count, f.client_error_count, f.server_error_count
       FROM logs l
       JOIN features f ON f.log_id = l.id
       JOIN sources s ON s.id = l.source_id
       WHERE (l.source_id, l.line_no, l.id) > (?, ?, ?)${bySource}
       ORDER BY l.source_id, l.line_no, l.id
       LIMIT ?`,
    )
    .raw();
  type Row = [number, number, number, string, string, number, number, number, number];

  let out = EXPORT_HEADER + eol;
  let key: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  let lastSource = Number.NaN;
  let pathField = '';
  for (;;) {
    const rows = page.all(key[0], key[1], key[2], pageRows) as Row[];
    for (const r of rows) {
      if (r[0] !== lastSource) {
        lastSource = r[0];
        pathField = csvField(r[3]);
      }
      out += `${pathField},${r[1]},${csvField(r[4])},${r[5]},${r[6]},${r[7]},${r[8]}${eol}`;
      if (out.length >= CHUNK_CHARS) {
        yield out;
        out = '';
      }
    }
    if (rows.length < pageRows) break;
    const last = rows[rows.length - 1];
    key = [last[0], last[1], last[2]];
  }
  if (out.length > 0) yield out;
}
