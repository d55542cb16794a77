/**
 * `npm start` in browser mode runs the built out/main/serve.js: a refused data folder must reach
 * the user as a message naming it (and the process must stop), and a fresh one is created private.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, TOKEN_FILE } from '../../../src/main/store/dataDir';
import { ROOT, serve } from '../../helpers/serveProcess';
import { tempDir } from '../../helpers/tmp';

const BUNDLE = join(ROOT, 'out', 'main', 'serve.js');
const modeOf = (path: string) => lstatSync(path).mode & 0o7777;

/** Runs serve.js to its exit (killed after 30 s), with what it printed. */
function runServe(dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [BUNDLE, '--data-dir', dataDir, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!existsSync(BUNDLE))('serve.js (browser mode) and its data folder', () => {
  let t: { dir: string; cleanup: () => void };
  beforeEach(() => (t = tempDir('od-serve-data-')));
  afterEach(() => t.cleanup());

  it('refuses a world-writable data folder: exits 1 with a message naming the folder and the fix', async () => {
    const dir = join(t.dir, 'data');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const r = await runServe(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`outlier-desk: Refusing to use ${dir}: it is writable by every user (mode 0777)`);
    expect(r.stderr).toContain(`chmod 700 '${dir}'`);
    expect(r.stdout).not.toContain('token=');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('creates a missing data folder 0700, its database and token 0600', async () => {
    const dir = join(t.dir, 'new', 'data');
    const s = await serve({ dataDir: dir });
    try {
      expect(modeOf(dir)).toBe(0o700);
      for (const name of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, TOKEN_FILE]) {
        expect([name, modeOf(join(dir, name))]).toEqual([name, 0o600]);
      }
    } finally {
      await s.stop();
    }
  });
});
