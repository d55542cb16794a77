import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait';
import { count, duplicateLines, engineFixture, type EngineFixture } from '../ingest/engineFixture';
import { lineNumbersContiguous, lines, range, sourceRow, storedItems } from './logLines';

/**
 * Disk full while writing. A loop-mounted small filesystem is not available in CI, so the
 * database is made "full" the way SQLite sees it: PRAGMA max_page_count capped just above its
 * current size on the engine's own connection. Inserts then fail with SQLITE_FULL exactly as on
 * a full disk ("database or disk is full").
 */
describe('disk full while ingesting', () => {
  let fx: EngineFixture;
  beforeEach(async () => (fx = await engineFixture()));
  afterEach(async () => fx.close());

  it('shows a clear error on the source, loses nothing, and resumes when there is room again', async () => {
    const path = join(fx.dir, 'access.log');
    writeFileSync(path, lines(0, 200, 150));
    const { id } = await fx.engine.api.addSource({ path, format: 'combined', watch: true });
    await fx.engine.ingest.idle();
    expect(count(fx.engine, 'SELECT count(*) FROM logs')).toBe(200);

    const db = fx.engine.db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 2}`);
    try {
      appendFileSync(path, lines(200, 3000, 150));
      await waitFor(() => sourceRow(fx.engine, id).status === 'error', 'the source to show the error', 15_000);
      const failed = sourceRow(fx.engine, id);
      expect(failed.error).toMatch(/database is full/i);
      expect(failed.error).toMatch(/disk/i);
      // Not one row of the failed batch was kept, and the stored offset did not move past them.
      expect(count(fx.engine, 'SELECT count(*) FROM logs')).toBe(200);
      expect(failed.lines).toBe(200);

      // Still full: more lines, then a rename rotation, while nothing can be stored. The lines
      // appended to the old file before it was renamed must still be read from it later.
      appendFileSync(path, lines(3000, 3500, 150));
      renameSync(path, path + '.1');
      appendFileSync(path + '.1', lines(3500, 3600, 150));
      writeFileSync(path, lines(3600, 4000, 150));
      // Read now (not at the 5 s retry): the drain of the renamed file fails with the disk full.
      await fx.engine.ingest.idle();
      expect(count(fx.engine, 'SELECT count(*) FROM logs')).toBe(200);
      expect(sourceRow(fx.engine, id).status).toBe('error');
    } finally {
      db.pragma('max_page_count = 4294967294'); // room again
    }
    appendFileSync(path, lines(4000, 4100, 150));
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') >= 4100, 'ingest to resume', 20_000);
    await waitFor(() => sourceRow(fx.engine, id).status === 'watching', 'the source to recover');
    expect(sourceRow(fx.engine, id).error).toBeNull();
    expect(storedItems(fx.engine)).toEqual(range(0, 4100));
    expect(duplicateLines(fx.engine)).toBe(0);
    expect(lineNumbersContiguous(fx.engine, id)).toBe(true);
  });
});
