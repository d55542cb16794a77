import { mkdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait';
import { count, engineFixture, type EngineFixture } from '../ingest/engineFixture';
import { lines, logCount, mkfifo, sourceAt } from './ingestAttack';

/**
 * Issue 13, finding 2: special files planted in a watched folder froze the app (FIFOs held the
 * threadpool; a link to /dev/zero read forever and its source could not be removed). A hang here
 * fails through the test timeout.
 */
describe('special files planted in a watched folder', () => {
  let fx: EngineFixture;
  let watched: string;
  beforeEach(async () => {
    fx = await engineFixture();
    watched = join(fx.dir, 'watched');
    mkdirSync(watched);
  });
  afterEach(async () => fx.close());

  const folderChildren = async (id: number) => (await fx.engine.api.listSources({})).filter((s) => s.parentId === id);

  it('five FIFOs do not hold the file threads: uploads, new sources and samples complete', async () => {
    writeFileSync(join(watched, 'access.log'), lines(0, 10));
    mkfifo(join(watched, 'fifo1.log'));
    mkfifo(join(watched, 'fifo2.log'));
    const folder = await fx.engine.api.addSource({ path: watched, format: 'combined', watch: true });
    for (const n of [3, 4, 5]) mkfifo(join(watched, `fifo${n}.log`));
    await waitFor(async () => {
      const refused = (await folderChildren(folder.id)).filter(
        (s) => s.status === 'error' && /^skipped fifo\d\.log: not a regular file \(FIFO\)$/.test(s.error ?? ''),
      );
      return refused.length === 5;
    }, 'five FIFOs shown as skipped');
    await waitFor(() => logCount(fx.engine) === 10, 'the regular file of the folder');

    const upload = await fx.engine.streams.ingest(
      { name: 'upload.log', format: 'combined' },
      Readable.from([Buffer.from(lines(100, 150))]),
    );
    expect(upload).toMatchObject({ lines: 50, parseErrors: 0 });

    const other = join(fx.dir, 'other.log');
    writeFileSync(other, lines(200, 220));
    const added = await fx.engine.api.addSource({ path: other, format: 'combined', watch: false });
    await waitFor(async () => (await sourceAt(fx.engine, other))?.status === 'done', 'the new source read');
    expect(count(fx.engine, 'SELECT count(*) FROM logs WHERE source_id = ?', added.id)).toBe(20);

    const sample = await fx.engine.api.generateSample({ rows: 300, anomalies: false });
    expect(sample.rows).toBe(300);

    // Still watching the folder, and no FIFO source holds anything.
    for (const s of await folderChildren(folder.id)) {
      if (/fifo/.test(s.path)) expect(s).toMatchObject({ lines: 0, parseErrors: 0, bytesDone: 0 });
    }
    expect(await fx.engine.api.removeSource({ id: folder.id })).toEqual({ removed: true });
  });

  it('a followed file replaced by a FIFO is skipped once drained, and the folder keeps working', async () => {
    const access = join(watched, 'access.log');
    writeFileSync(access, lines(0, 10));
    await fx.engine.api.addSource({ path: watched, format: 'combined', watch: true });
    await waitFor(() => logCount(fx.engine) === 10, 'the regular file of the folder');
    rmSync(access);
    mkfifo(access);
    await waitFor(
      async () => (await sourceAt(fx.engine, access))?.error === 'skipped access.log: not a regular file (FIFO)',
      'access.log shown as skipped',
    );
    writeFileSync(join(watched, 'next.log'), lines(10, 20));
    await waitFor(() => logCount(fx.engine) === 20, 'a new regular file in the same folder');
  });

  it('a link to /dev/zero is skipped, and removing the folder completes', async () => {
    writeFileSync(join(watched, 'access.log'), lines(0, 10));
    const folder = await fx.engine.api.addSource({ path: watched, format: 'combined', watch: true });
    await waitFor(() => logCount(fx.engine) === 10, 'the regular file of the folder');
    symlinkSync('/dev/zero', join(watched, 'zero.log'));
    await waitFor(async () => {
      const s = await sourceAt(fx.engine, join(watched, 'zero.log'));
      return s?.error === 'skipped zero.log: a symbolic link inside a watched folder is not followed';
    }, 'zero.log shown as skipped');
    expect(count(fx.engine, 'SELECT count(*) FROM parse_errors')).toBe(0);
    expect(await fx.engine.api.removeSource({ id: folder.id })).toEqual({ removed: true });
    expect(await fx.engine.api.listSources({})).toEqual([]);
  });

  it('a regular file that never ends is read until its folder is removed, and removal completes', async () => {
    writeFileSync(join(watched, 'access.log'), lines(0, 10));
    const folder = await fx.engine.api.addSource({ path: watched, format: 'combined', watch: true });
    await waitFor(() => logCount(fx.engine) === 10, 'the regular file of the folder');
    // 8 TiB of zeros without a newline, taking no disk space: the same endless read as /dev/zero,
    // from a file that is regular and therefore read.
    const endless = join(watched, 'endless.log');
    writeFileSync(endless, '');
    truncateSync(endless, 2 ** 43);
    await waitFor(async () => (await sourceAt(fx.engine, endless))?.status === 'ingesting', 'the endless read');
    expect(await fx.engine.api.removeSource({ id: folder.id })).toEqual({ removed: true });
    expect(await fx.engine.api.listSources({})).toEqual([]);
    rmSync(endless);
  });
});
