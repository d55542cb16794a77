/**
 * Rows and the source's byte offset commit in one transaction (ingest/logWriter.ts). A fault is
 * injected between the two, inside the write: a trigger that aborts the offset update after the
 * rows went in. Neither may be visible afterwards, and after the fault is gone and the engine
 * restarts, every line is there exactly once. Moving the offset update out of the transaction
 * leaves the rows of the failed batch behind, which these tests catch.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LogWriter } from '../../../src/main/ingest/logWriter';
import { addSource, tempDb } from '../features/helpers';
import { waitFor } from '../../helpers/wait';
import { count, engineFixture } from './engineFixture';

/** Aborts the offset update (after the rows of its batch went in) when `when` holds. */
const FAULT = (when: string) => `
  CREATE TRIGGER inject_fault BEFORE UPDATE OF byte_offset ON sources WHEN ${when}
  BEGIN SELECT RAISE(ABORT, 'injected fault between the rows and the offset'); END;`;

describe('a fault between the rows and the offset', () => {
  const t = tempDb();
  afterAll(() => t.cleanup());

  it('leaves neither the rows nor the offset behind (LogWriter)', () => {
    const src = addSource(t.db, '/logs/a.log');
    const writer = new LogWriter(t.db);
    t.db.exec(FAULT('1'));
    const cursor = { sourceId: src, offset: 120, lines: 2, parseErrors: 0, identity: null, bytesTotal: 120 };
    const row = (lineNo: number) => ({
      lineNo,
      raw: `line ${lineNo}`,
      entry: {
        tsMs: lineNo * 1000,
        ip: '10.0.0.1',
        method: 'GET',
        endpoint: '/',
        protocol: null,
        status: 200,
        bytes: 1,
        referer: null,
        userAgent: null,
      },
    });
    expect(() => writer.commit(cursor, [row(1), row(2)], [])).toThrow(/injected fault/);
    expect(t.db.prepare('SELECT count(*) FROM logs').pluck().get()).toBe(0);
    expect(t.db.prepare('SELECT byte_offset, lines FROM sources WHERE id = ?').get(src)).toEqual({
      byte_offset: 0,
      lines: 0,
    });
    t.db.exec('DROP TRIGGER inject_fault');
    writer.commit(cursor, [row(1), row(2)], []);
    expect(t.db.prepare('SELECT line_no FROM logs ORDER BY id').pluck().all()).toEqual([1, 2]);
  });
});

describe('the engine under that fault, then restarted', () => {
  it('holds every line of the file exactly once', async () => {
    const fx = await engineFixture();
    try {
      const LINES = 50_000; // several 20,000-line commits
      const file = join(fx.dir, 'access.log');
      const lines = Array.from(
        { length: LINES },
        (_, n) =>
          `10.0.${(n >> 8) & 255}.${n & 255} - - [01/Mar/2024:10:${String(Math.floor(n / 60_000) % 60).padStart(2, '0')}:00 +0000] "GET /p${n} HTTP/1.1" 200 ${n} "-" "t"`,
      );
      writeFileSync(file, lines.join('\n') + '\n');
      // The first commit goes through; the next one fails after inserting its rows.
      fx.engine.db.exec(FAULT('OLD.byte_offset > 0'));
      const src = await fx.engine.call('addSource', { path: file, watch: false });
      await waitFor(() => {
        const s = fx.engine.db.prepare('SELECT lines, error FROM sources WHERE id = ?').get(src.id) as {
          lines: number;
          error: string | null;
        };
        return s.lines > 0 && s.error !== null;
      }, 'the injected fault to stop the source');
      const { lines: committed, byte_offset: offset } = fx.engine.db
        .prepare('SELECT lines, byte_offset FROM sources WHERE id = ?')
        .get(src.id) as { lines: number; byte_offset: number };
      expect(committed).toBeGreaterThan(0);
      expect(committed).toBeLessThan(LINES);
      expect(offset).toBeGreaterThan(0);
      // What is stored is exactly what the offset says: the failed batch left nothing.
      expect(count(fx.engine, 'SELECT count(*) FROM logs WHERE source_id = ?', src.id)).toBe(committed);
      expect(count(fx.engine, 'SELECT max(line_no) FROM logs WHERE source_id = ?', src.id)).toBe(committed);
      fx.engine.db.exec('DROP TRIGGER inject_fault');
      const engine = await fx.reopen();
      await waitFor(
        () => count(engine, 'SELECT lines FROM sources WHERE id = ?', src.id) === LINES,
        'the restarted engine to read the rest',
        60_000,
      );
      expect(
        engine.db
          .prepare(
            'SELECT count(*) AS n, count(DISTINCT line_no) AS d, min(line_no) AS lo, max(line_no) AS hi FROM logs',
          )
          .get(),
      ).toEqual({ n: LINES, d: LINES, lo: 1, hi: LINES });
    } finally {
      await fx.close();
    }
  });
});
