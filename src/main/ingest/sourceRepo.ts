import type { LogFormatChoice } from '../../shared/config';
import type { Source } from '../../shared/schemas/sources';
import type { Db } from '../store/db';
import { withoutBusyWait } from '../store/writeErrors';
import type { SourceCursor } from './logWriter';

/** Row-level access to `sources` for the ingest code. */
export class SourceRepo {
  constructor(private readonly db: Db) {}

  create(s: {
    path: string;
    kind: Source['kind'];
    format: LogFormatChoice;
    parentId?: number | null;
    status?: Source['status'];
    /** Keep reading appended lines after the first read (files and folders). */
    follow?: boolean;
  }): number {
    const info = this.db
      .prepare(
        'INSERT INTO sources (path, kind, format, parent_id, status, follow, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(s.path, s.kind, s.format, s.parentId ?? null, s.status ?? 'pending', s.follow === false ? 0 : 1, Date.now());
    return Number(info.lastInsertRowid);
  }

  cursor(id: number):
    | (SourceCursor & {
        format: LogFormatChoice;
        status: Source['status'];
        path: string;
        kind: Source['kind'];
        follow: boolean;
      })
    | null {
    const r = this.db
      .prepare(
        'SELECT id, path, kind, format, byte_offset, lines, parse_errors, identity, bytes_total, status, follow FROM sources WHERE id = ?',
      )
      .get(id) as
      | {
          id: number;
          path: string;
          kind: Source['kind'];
          format: LogFormatChoice;
          byte_offset: number;
          lines: number;
          parse_errors: number;
          identity: string | null;
          bytes_total: number;
          status: Source['status'];
          follow: number;
        }
      | undefined;
    if (!r) return null;
    return {
      sourceId: r.id,
      path: r.path,
      kind: r.kind,
      format: r.format,
      status: r.status,
      offset: r.byte_offset,
      lines: r.lines,
      parseErrors: r.parse_errors,
      identity: r.identity,
      bytesTotal: r.bytes_total,
      follow: r.follow === 1 && r.kind !== 'sample',
    };
  }

  // Status updates happen on every read of a followed file: with the database locked by another
  // program they fail at once (the read is then retried) instead of freezing the event loop.
  setStatus(id: number, status: Source['status'], error: string | null = null): void {
    withoutBusyWait(this.db, () =>
      this.db.prepare('UPDATE sources SET status = ?, error = ? WHERE id = ?').run(status, error, id),
    );
  }

  setFormat(id: number, format: LogFormatChoice): void {
    withoutBusyWait(this.db, () => this.db.prepare('UPDATE sources SET format = ? WHERE id = ?').run(format, id));
  }

  setTotal(id: number, bytes: number): void {
    withoutBusyWait(this.db, () => this.db.prepare('UPDATE sources SET bytes_total = ? WHERE id = ?').run(bytes, id));
  }

  children(parentId: number): Array<{ id: number; path: string }> {
    return this.db.prepare('SELECT id, path FROM sources WHERE parent_id = ?').all(parentId) as Array<{
      id: number;
      path: string;
    }>;
  }

  /** The file source a folder keeps for one of its files, if it has one. */
  childByPath(parentId: number, path: string): number | null {
    const r = this.db.prepare('SELECT id FROM sources WHERE parent_id = ? AND path = ?').get(parentId, path) as
      { id: number } | undefined;
    return r?.id ?? null;
  }

  byPath(path: string, kind: Source['kind']): number | null {
    const r = this.db.prepare('SELECT id FROM sources WHERE path = ? AND kind = ?').get(path, kind) as
      { id: number } | undefined;
    return r?.id ?? null;
  }

  /** Sources to resume after a restart (`parentId`: the watched folder a file was found in). */
  resumable(): Array<{
    id: number;
    kind: Source['kind'];
    path: string;
    status: Source['status'];
    follow: boolean;
    parentId: number | null;
  }> {
    type Row = {
      id: number;
      kind: Source['kind'];
      path: string;
      status: Source['status'];
      follow: number;
      parentId: number | null;
    };
    return (
      this.db
        .prepare(
          `SELECT id, kind, path, status, follow, parent_id AS parentId FROM sources
           WHERE kind IN ('file', 'folder', 'sample') ORDER BY id`,
        )
        .all() as Row[]
    ).map((r) => ({ ...r, follow: r.follow === 1 && r.kind !== 'sample' }));
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM sources WHERE id = ?').run(id).changes > 0;
  }
}
