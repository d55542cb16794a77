import { appendFileSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait';
import { engineFixture, type EngineFixture } from '../ingest/engineFixture';
import { leakedRows, lines, logCount, mkfifo, plantSecret, sourceAt } from './ingestAttack';

/**
 * Issue 13, finding 1: another local user who can write into a watched folder plants symbolic
 * links to files only the app's user can read. Nothing of the targets may be stored, and the
 * analyst sees why each planted file was skipped.
 */
describe('symbolic links planted in a watched folder', () => {
  let fx: EngineFixture;
  let secret: string;
  let watched: string;
  beforeEach(async () => {
    fx = await engineFixture();
    secret = plantSecret(fx.dir);
    watched = join(fx.dir, 'watched');
    mkdirSync(watched);
  });
  afterEach(async () => fx.close());

  const skippedAsLink = async (path: string) => {
    const s = await sourceAt(fx.engine, path);
    return s?.status === 'error' && /a symbolic link inside a watched folder is not followed/.test(s.error ?? '');
  };

  it('does not follow links planted before or after the folder is added, and says why', async () => {
    writeFileSync(join(watched, 'access.log'), lines(0, 20));
    symlinkSync(secret, join(watched, 'old.log'));
    const folder = await fx.engine.api.addSource({ path: watched, format: 'auto', watch: true });
    await waitFor(() => logCount(fx.engine) === 20, 'the regular file of the folder');

    symlinkSync(secret, join(watched, 'app.log')); // the watcher's add event
    symlinkSync(secret, join(watched, 'rotated.log')); // another, named like a log too
    appendFileSync(join(watched, 'access.log'), lines(20, 30));
    await waitFor(() => logCount(fx.engine) === 30, 'lines appended to the regular file');
    for (const name of ['old.log', 'app.log', 'rotated.log']) {
      await waitFor(() => skippedAsLink(join(watched, name)), `${name} shown as skipped`);
      expect(await sourceAt(fx.engine, join(watched, name))).toMatchObject({
        parentId: folder.id,
        error: `skipped ${name}: a symbolic link inside a watched folder is not followed`,
        lines: 0,
        parseErrors: 0,
        bytesDone: 0,
      });
    }
    expect(leakedRows(fx.engine)).toBe(0);
  });

  it('does not follow a link put in place of a followed file (rotation, replacement, restart)', async () => {
    const access = join(watched, 'access.log');
    const error = join(watched, 'error.log');
    writeFileSync(access, lines(0, 20));
    writeFileSync(error, lines(100, 110));
    await fx.engine.api.addSource({ path: watched, format: 'combined', watch: true });
    await waitFor(() => logCount(fx.engine) === 30, 'both files read');

    // Rotated by rename, and a link planted where the new file would appear.
    renameSync(access, access + '.1');
    appendFileSync(access + '.1', lines(20, 25)); // written before the writer reopened: still ours
    symlinkSync(secret, access);
    await waitFor(() => skippedAsLink(access), 'access.log shown as skipped');
    await waitFor(() => logCount(fx.engine) === 35, 'the rotated file drained');

    // Replaced while the app is not running: the resumed source checks again.
    await fx.engine.close();
    rmSync(error);
    symlinkSync(secret, error);
    await fx.reopen();
    await waitFor(() => skippedAsLink(error), 'error.log shown as skipped after the restart');
    expect(logCount(fx.engine)).toBe(35);
    expect(leakedRows(fx.engine)).toBe(0);

    // A regular file back in its place is read again.
    rmSync(access);
    writeFileSync(access, lines(200, 210));
    await waitFor(() => logCount(fx.engine) === 45, 'the regular file that replaced the link');
    expect(leakedRows(fx.engine)).toBe(0);
  });

  it('follows a link the analyst adds, once: retargeting it later or linking its target is not followed', async () => {
    const real = join(fx.dir, 'real.log');
    const chosen = join(fx.dir, 'chosen.log');
    writeFileSync(real, lines(0, 10));
    symlinkSync(real, chosen);
    const s = await fx.engine.api.addSource({ path: chosen, format: 'combined', watch: true });
    expect(s.path).toBe(real);
    await waitFor(() => logCount(fx.engine) === 10, 'the target of the chosen link');

    rmSync(chosen);
    symlinkSync(secret, chosen);
    appendFileSync(real, lines(10, 15));
    await waitFor(() => logCount(fx.engine) === 15, 'lines appended to the resolved file');

    rmSync(real);
    symlinkSync(secret, real);
    await waitFor(async () => {
      const now = await sourceAt(fx.engine, real);
      return now?.status === 'error' && /is a symbolic link now/.test(now.error ?? '');
    }, 'the source shown as skipped');
    expect(logCount(fx.engine)).toBe(15);
    expect(leakedRows(fx.engine)).toBe(0);
  });

  it('refuses an explicitly added link that leads to a device or a FIFO', async () => {
    const zero = join(fx.dir, 'zero.log');
    const fifo = join(fx.dir, 'pipe');
    const toFifo = join(fx.dir, 'pipe.log');
    symlinkSync('/dev/zero', zero);
    mkfifo(fifo);
    symlinkSync(fifo, toFifo);
    const add = (path: string) => fx.engine.api.addSource({ path, format: 'auto', watch: true });
    await expect(add(zero)).rejects.toThrow(
      /zero\.log is neither a regular file nor a folder.*\/dev\/zero.*character device/,
    );
    await expect(add(toFifo)).rejects.toThrow(/pipe\.log is neither a regular file nor a folder.*FIFO/);
    await expect(add(fifo)).rejects.toThrow(/pipe is neither a regular file nor a folder: it is a FIFO/);
    expect(await fx.engine.api.listSources({})).toEqual([]);
  });
});
