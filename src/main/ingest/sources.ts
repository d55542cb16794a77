import type { Source } from '../../shared/schemas/sources';
import type { Db } from '../store/db';

/* The sources table as the API shows it; the ingest writes it through SourceRepo and LogWriter. */

interface SourceRow {
  id: number;
  path: string;
  kind: Source['kind'];
  format: Source['format'];
  lines: number;
  parse_errors: number;
  byte_offset: number;
  bytes_total: number;
  status: Source['status'];
  error: string | null;
  parent_id: number | null;
  added_at: number;
}

export const toSource = (r: SourceRow): Source => ({
  id: r.id,
  path: r.path,
  kind: r.kind,
  format: r.format,
  lines: r.lines,
  parseErrors: r.parse_errors,
  bytesDone: r.byte_offset,
  bytesTotal: Math.max(r.bytes_total, r.byte_offset),
  status: r.status,
  error: r.error,
  parentId: r.parent_id,
  addedAt: r.added_at,
});

export function listSources(db: Db): Source[] {
  return (db.prepare('SELECT * FROM sources ORDER BY id').all() as SourceRow[]).map(toSource);
}

export function getSource(db: Db, id: number): Source | null {
  const row = db.prepare('SELECT * FROM sources WHERE id = ?').get(id) as SourceRow | undefined;
  return row ? toSource(row) : null;
}

export function sourceErrors(db: Db, id: number, limit: number) {
  const total = (
    db.prepare('SELECT parse_errors FROM sources WHERE id = ?').get(id) as { parse_errors: number } | undefined
  )?.parse_errors;
  const errors = db
    .prepare('SELECT line_no AS lineNo, reason, line FROM parse_errors WHERE source_id = ? ORDER BY line_no LIMIT ?')
    .all(id, limit) as Array<{ lineNo: number; reason: string; line: string }>;
  return { sourceId: id, total: total ?? 0, errors };
}
