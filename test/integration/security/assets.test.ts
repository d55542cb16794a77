/**
 * The UI's assets are served from memory by exact name: a symlink or FIFO planted among them, a name
 * that climbs out of the folder, or a file added after the start is never served.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http';
import { startSecured, type Secured } from './httpHarness';
import { mkfifo } from './ingestAttack';

const BUNDLE = 'console.log("ui");\n'.repeat(40_000); // ~760 KB: more than one streamed read
let s: Secured;
let assetsDir = '';

beforeAll(async () => {
  s = await startSecured({
    assets: (dir, outside) => {
      assetsDir = dir;
      writeFileSync(join(dir, 'index-abc123.js'), BUNDLE);
      writeFileSync(join(dir, 'index-abc123.css'), 'body{}');
      writeFileSync(join(outside, 'secret.txt'), 'not for the page');
      symlinkSync(join(outside, 'secret.txt'), join(dir, 'planted.js'));
      mkfifo(join(dir, 'pipe.js')); // read at start, it would hang the server
      mkdirSync(join(dir, 'nested'));
      writeFileSync(join(dir, 'nested', 'deep.js'), 'deep');
    },
  });
});
afterAll(async () => s?.close());

describe('UI assets', () => {
  it('serves a built file whole, with its type, cached for good, without a token', async () => {
    const js = await request(s.port, 'GET', '/assets/index-abc123.js');
    expect(js.status).toBe(200);
    expect(js.text).toBe(BUNDLE);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = await request(s.port, 'GET', '/assets/index-abc123.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('never serves a planted symlink, a nested file, a climbing name or a file added later', async () => {
    writeFileSync(join(assetsDir, 'later.js'), 'added after the start');
    for (const path of [
      '/assets/planted.js',
      '/assets/pipe.js',
      '/assets/nested/deep.js',
      '/assets/nested%2Fdeep.js',
      '/assets/..%2Findex.html',
      '/assets/%2e%2e/secret.txt',
      '/assets/later.js',
      '/assets/missing.js',
    ]) {
      const res = await request(s.port, 'GET', path);
      expect(res.status, path).toBe(404);
      expect(res.text, path).not.toContain('not for the page');
    }
  });
});
