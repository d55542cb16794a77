import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../src/shared/api';
import { addPathsAsSources, describeFailures, OpenQueue, pathsFromArgv } from '../../../src/main/desktop/openFiles';
import { tempDir } from '../../helpers/tmp';

describe('files from the command line and "Open with"', () => {
  const t = tempDir();
  const log = join(t.dir, 'access.log');
  const other = join(t.dir, 'with space.log');
  const folder = join(t.dir, 'logs');
  writeFileSync(log, '');
  writeFileSync(other, '');
  mkdirSync(folder);
  afterAll(() => t.cleanup());

  it('takes the paths after the executable of a packaged app (Windows/Linux "Open with")', () => {
    expect(pathsFromArgv(['/opt/Outlier Desk/outlier-desk', log], { defaultApp: false, cwd: '/' })).toEqual([log]);
  });

  it('skips the app path of `electron <app>` (wherever the switches put it) and every switch', () => {
    const playwright = ['/usr/bin/electron', '--inspect=0', '--remote-debugging-port=0', '/repo', log];
    expect(pathsFromArgv(playwright, { defaultApp: true, cwd: '/' })).toEqual([log]);
    const argv = [
      '/usr/bin/electron',
      '/repo/out/main/index.js',
      '--no-sandbox',
      '--allow-file-access-from-files',
      '-v',
      log,
      '--flag=value',
    ];
    expect(pathsFromArgv(argv, { defaultApp: true, cwd: '/' })).toEqual([log]);
  });

  it('resolves relative paths against the launching directory (a second instance’s cwd)', () => {
    expect(pathsFromArgv(['app', 'access.log', './logs', 'with space.log'], { defaultApp: false, cwd: t.dir })).toEqual(
      [log, folder, other],
    );
  });

  it('turns file:// URLs into paths, drops what does not exist, and repeats', () => {
    const argv = ['app', pathToFileURL(other).href, join(t.dir, 'nope.log'), log, log, 'https://example.com/x.log'];
    expect(pathsFromArgv(argv, { defaultApp: false, cwd: t.dir })).toEqual([other, log]);
  });

  it('after `--` a dash-named file is a path', () => {
    const dashed = join(t.dir, '-odd.log');
    writeFileSync(dashed, '');
    expect(pathsFromArgv(['app', '--', '-odd.log'], { defaultApp: false, cwd: t.dir })).toEqual([dashed]);
  });

  it('can be given what exists (no file system needed)', () => {
    const kind = (p: string) => (p.endsWith('.log') ? ('file' as const) : null);
    expect(pathsFromArgv(['app', '/x/a.log', '/x/b.txt'], { defaultApp: false, cwd: '/', kind })).toEqual(['/x/a.log']);
  });
});

describe('OpenQueue', () => {
  it('keeps paths that come before the engine (macOS open-file before ready) and hands them over once', () => {
    const q = new OpenQueue();
    q.push(['/a.log']);
    q.push(['/a.log', '/b.log']); // macOS may send the launching file twice
    expect(q.pending).toEqual(['/a.log', '/b.log']);
    const handler = vi.fn();
    q.attach(handler);
    expect(handler).toHaveBeenCalledExactlyOnceWith(['/a.log', '/b.log']);
    q.push(['/c.log']);
    expect(handler).toHaveBeenLastCalledWith(['/c.log']);
    q.push([]);
    expect(handler).toHaveBeenCalledTimes(2);
  });
});

describe('adding opened paths as sources', () => {
  it('adds each through the contract; an existing source is fine, other failures are told', async () => {
    const addSource = vi.fn(async ({ path }: { path: string }) => {
      if (path === '/dup.log') throw new ApiError(409, '/dup.log is already a source');
      if (path === '/gone.log') throw new ApiError(400, 'path: /gone.log does not exist');
      return { id: 7 };
    });
    const outcomes = await addPathsAsSources(['/new.log', '/dup.log', '/gone.log'], addSource);
    expect(outcomes).toEqual([
      { path: '/new.log', result: 'added', sourceId: 7 },
      { path: '/dup.log', result: 'already' },
      { path: '/gone.log', result: 'failed', message: 'path: /gone.log does not exist' },
    ]);
    expect(describeFailures(outcomes)).toBe('/gone.log: path: /gone.log does not exist');
    expect(describeFailures(outcomes.slice(0, 2))).toBeNull();
  });
});
