import { expect } from 'vitest';
import { recomputeAllFeatures } from '../../../src/main/features/batch';
import type { Db } from '../../../src/main/store/db';
import { pick, type OracleRow } from '../../unit/features/oracle';
import { tempDb } from './helpers';

export interface LogRow extends OracleRow {
  id: number;
  sourceId: number;
}

/**
 * A second database that holds the same log rows (same ids) as the one under test, up to a
 * given id; `expectExact` recomputes it from scratch and compares every features row.
 */
export class Mirror {
  private readonly t = tempDb();
  private readonly insert = this.t.db.prepare(
    'INSERT INTO logs (id, source_id, line_no, ts_ms, ip, endpoint, status) VALUES (?, ?, 0, ?, ?, ?, ?)',
  );
  private upTo = 0;

  addSource(id: number): void {
    this.t.db.prepare("INSERT INTO sources (id, path, kind, added_at) VALUES (?, ?, 'file', 0)").run(id, `s${id}`);
  }

  removeSource(id: number): void {
    this.t.db.prepare('DELETE FROM sources WHERE id = ?').run(id);
    // Without AUTOINCREMENT the next rows may reuse the deleted ids.
    this.upTo = this.t.db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck().get() as number;
  }

  /**
   * `features` of `db` must equal what recomputeAllFeatures gives for the rows of `db` with
   * id ≤ upTo, and rows above upTo must have none.
   */
  expectExact(db: Db, windowMs: number, upTo: number, context = ''): void {
    if (upTo > this.upTo) {
      const rows = db
        .prepare('SELECT id, source_id, ts_ms, ip, status FROM logs WHERE id > ? AND id <= ? ORDER BY id')
        .raw()
        .all(this.upTo, upTo) as [number, number, number, string, number][];
      this.t.db.transaction(() => {
        for (const [id, sourceId, ts, ip, status] of rows) this.insert.run(id, sourceId, ts, ip, '/x', status);
      })();
      this.upTo = upTo;
    }
    recomputeAllFeatures(this.t.db, windowMs);
    const read = (d: Db) =>
      d
        .prepare(
          `SELECT l.id, f.window_ms, f.request_count, f.client_error_count, f.server_error_count
           FROM logs l LEFT JOIN features f ON f.log_id = l.id ORDER BY l.id`,
        )
        .raw()
        .all() as (number | null)[][];
    const got = read(db);
    const want = read(this.t.db);
    const above = got.filter((r) => (r[0] as number) > upTo);
    expect(
      above.every((r) => r[1] === null),
      `${context}: rows above ${upTo} have no features`,
    ).toBe(true);
    expect(
      got.filter((r) => (r[0] as number) <= upTo),
      context,
    ).toEqual(want);
  }

  close(): void {
    this.t.cleanup();
  }
}

export type BatchKind = 'inorder' | 'late' | 'veryLate' | 'backfill' | 'ties';

/**
 * Random traffic in batches: in order per IP with heavy ties and exact-W (± 1) steps, late rows
 * within and beyond W + grace, whole batches of old rows for one IP, and floods of one timestamp.
 */
export class Traffic {
  now = 1_700_000_000_000;
  private readonly ips: string[];

  constructor(
    private readonly next: () => number,
    ips: number,
    private readonly windowMs: number,
    private readonly graceMs: number,
  ) {
    this.ips = Array.from({ length: ips }, (_, k) => `10.1.${k >> 8}.${k & 255}`);
  }

  batch(kind: BatchKind, size: number): OracleRow[] {
    const W = this.windowMs;
    const next = this.next;
    const statuses = [200, 200, 200, 301, 399, 400, 404, 499, 500, 503, 599, 600];
    const steps = [0, 0, 0, 1, 7, 1000, W, W - 1, W + 1, Math.floor(W / 2), Math.floor(W / 3)];
    const rows: OracleRow[] = [];
    const oneIp = pick(next, this.ips);
    for (let k = 0; k < size; k++) {
      const status = pick(next, statuses);
      if (kind === 'backfill') {
        // Old rows of one IP, themselves in order: a second file of the same period.
        rows.push({ ip: oneIp, tsMs: this.now - 3 * W - this.graceMs + k * Math.max(1, Math.floor(W / 7)), status });
        continue;
      }
      if (kind === 'ties') {
        rows.push({ ip: pick(next, this.ips.slice(0, 3)), tsMs: this.now, status });
        continue;
      }
      this.now += Math.max(0, pick(next, steps));
      let t = this.now;
      if (kind === 'late' && next() < 0.4) t -= pick(next, [1, W, W - 1, Math.floor(next() * W), this.graceMs]);
      if (kind === 'veryLate' && next() < 0.4) t -= W + this.graceMs + Math.floor(next() * 2 * W) + pick(next, [0, 1]);
      rows.push({ ip: pick(next, this.ips), tsMs: t, status });
    }
    return rows;
  }
}
