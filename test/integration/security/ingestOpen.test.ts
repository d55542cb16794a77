import { lstatSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkRegularFile, openLogFile, openRegularFile } from '../../../src/main/ingest/regularFile';
import { tempDir } from '../../helpers/tmp';
import { mkfifo, plantSecret } from './ingestAttack';

/**
 * The race behind issue 13: a watched file passes the check as a regular file, and before it is
 * opened an attacker swaps in a FIFO, a link or another file. The open must refuse what was
 * swapped in, without blocking (a FIFO with no writer would hold a threadpool thread forever).
 */
describe('opening a file checked a moment earlier', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  /**
   * A regular file as the check saw it, then `swap` puts something else at its path. The checked
   * file is moved aside, not deleted, so its inode cannot be reused by what is swapped in.
   */
  function checkedThenSwapped(name: string, swap: (path: string) => void) {
    const path = join(t.dir, name);
    writeFileSync(path, 'line\n');
    const st = lstatSync(path);
    renameSync(path, `${path}.checked`);
    swap(path);
    return { path, checked: { dev: st.dev, ino: st.ino } };
  }

  it('refuses a FIFO swapped in, without blocking, more times than there are file threads', async () => {
    const swapped = Array.from({ length: 8 }, (_, i) => checkedThenSwapped(`fifo${i}.log`, mkfifo));
    const opened = await Promise.all(swapped.map(({ path, checked }) => openRegularFile(path, checked)));
    expect(opened).toEqual(swapped.map(() => ({ state: 'refused', type: 'FIFO' })));
    // The threadpool is free: an ordinary read completes.
    const other = join(t.dir, 'other.log');
    writeFileSync(other, 'fine\n');
    expect(await readFile(other, 'utf8')).toBe('fine\n');
  });

  it('refuses a link swapped in, to a private file or to /dev/zero', async () => {
    const secret = plantSecret(t.dir);
    for (const target of [secret, '/dev/zero']) {
      const { path, checked } = checkedThenSwapped('app.log', (p) => symlinkSync(target, p));
      expect(await openRegularFile(path, checked)).toEqual({ state: 'refused', type: 'symbolic link' });
      rmSync(path);
    }
  });

  it('does not take another regular file swapped in for the one checked', async () => {
    const { path, checked } = checkedThenSwapped('app.log', (p) => writeFileSync(p, 'other\n'));
    expect(await openRegularFile(path, checked)).toBeNull();
    // Checked again from the start, the new file is what opens.
    const opened = await openLogFile(path);
    expect(opened.state).toBe('open');
    if (opened.state === 'open') await opened.fh.close();
  });

  it('refuses a device reached without a link (the descriptor is checked, not the name)', async () => {
    const st = lstatSync('/dev/zero');
    expect(await openRegularFile('/dev/zero', { dev: st.dev, ino: st.ino })).toEqual({
      state: 'refused',
      type: 'character device',
    });
  });

  it('checks without opening: FIFOs, links and missing files are reported as such', async () => {
    const fifo = join(t.dir, 'pipe.log');
    mkfifo(fifo);
    const link = join(t.dir, 'link.log');
    symlinkSync('/dev/zero', link);
    expect(await checkRegularFile(fifo)).toEqual({ state: 'refused', type: 'FIFO' });
    expect(await openLogFile(fifo)).toEqual({ state: 'refused', type: 'FIFO' });
    expect(await openLogFile(link)).toEqual({ state: 'refused', type: 'symbolic link' });
    expect(await openLogFile(join(t.dir, 'gone.log'))).toEqual({ state: 'missing' });
  });
});
