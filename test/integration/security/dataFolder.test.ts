/**
 * Issue 13, findings 1 (file modes) and 3 (the app trusted what was already in its data folder),
 * played as the attack with real files. Tests run as root: chown to OTHER_UID stands in for a
 * second local user.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE as ENGINE_DB_FILE, Engine } from '../../../src/main/engine';
import { TokenStore } from '../../../src/main/store/tokenStore';
import { openDatabase } from '../../../src/main/store/db';
import {
  DB_FILE,
  preparePrivateDataDir,
  SAMPLES_DIR,
  TOKEN_FILE,
  UnsafeDataError,
} from '../../../src/main/store/dataDir';
import { tempDir } from '../../helpers/tmp';

const OTHER_UID = 12345;
const asRoot = process.getuid?.() === 0;
const modeOf = (path: string) => lstatSync(path).mode & 0o7777;
const PLANTED = 'attacker-chosen-token-0123456789';

/** Every entry under `dir` with its mode, as `relative/path: 0600`. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      out[relative(dir, p)] = modeOf(p).toString(8).padStart(4, '0');
      if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** What preparePrivateDataDir throws, for checking its message. */
function refusal(run: () => unknown): UnsafeDataError {
  try {
    run();
  } catch (err) {
    if (err instanceof UnsafeDataError) return err;
    throw err;
  }
  throw new Error('expected UnsafeDataError, nothing was thrown');
}

describe('the data folder and the files in it', () => {
  let t: { dir: string; cleanup: () => void };
  let dir: string;
  beforeEach(() => {
    t = tempDir('od-data-');
    dir = join(t.dir, 'data');
  });
  afterEach(() => t.cleanup());

  it('knows the database under the engine’s name', () => {
    expect(DB_FILE).toBe(ENGINE_DB_FILE);
  });

  it('refuses a world-writable folder holding a planted api-token, and does not adopt the token', async () => {
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const token = join(dir, TOKEN_FILE);
    writeFileSync(token, PLANTED + '\n', { mode: 0o600 });
    if (asRoot) chownSync(token, OTHER_UID, OTHER_UID);

    const err = refusal(() => preparePrivateDataDir(dir));
    expect(err.path).toBe(dir);
    expect(err.message).toContain(`Refusing to use ${dir}: it is writable by every user (mode 0777)`);
    expect(err.message).toContain(`chmod 700 '${dir}'`);
    // Nothing was opened, created or changed.
    expect(modeOf(dir)).toBe(0o777);
    expect(readdirSync(dir)).toEqual([TOKEN_FILE]);
    expect(readFileSync(token, 'utf8')).toBe(PLANTED + '\n');
  });

  it('refuses a group-writable folder', () => {
    mkdirSync(dir);
    chmodSync(dir, 0o770);
    expect(() => preparePrivateDataDir(dir)).toThrow(/writable by its group \(mode 0770\)/);
  });

  it.skipIf(!asRoot)('refuses a folder that belongs to another user, naming it', () => {
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, OTHER_UID, OTHER_UID);
    const err = refusal(() => preparePrivateDataDir(dir));
    expect(err.message).toContain(`Refusing to use ${dir}: it belongs to uid ${OTHER_UID}, not to this user (uid 0)`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses an api-token that is a symbolic link, and leaves the file it points to as it was', async () => {
    mkdirSync(dir, { mode: 0o700 });
    const victim = join(t.dir, 'victim.conf');
    writeFileSync(victim, 'precious settings\n');
    chmodSync(victim, 0o644);
    const token = join(dir, TOKEN_FILE);
    symlinkSync(victim, token);

    const err = refusal(() => preparePrivateDataDir(dir));
    expect(err.message).toContain(`Refusing to use ${token}: it is a symbolic link`);
    // Every way in refuses it: the token store alone, and a whole engine.
    expect(() => new TokenStore(dir)).toThrow(UnsafeDataError);
    await expect(Engine.start({ dataDir: dir, schedule: false })).rejects.toThrow(/api-token: it is a symbolic link/);

    expect(readFileSync(victim, 'utf8')).toBe('precious settings\n');
    expect(modeOf(victim)).toBe(0o644);
    expect(lstatSync(token).isSymbolicLink()).toBe(true);
  });

  it('a token regenerated while running replaces a link put in its place, never writing through it', () => {
    mkdirSync(dir, { mode: 0o700 });
    const store = new TokenStore(dir);
    const victim = join(t.dir, 'victim.conf');
    writeFileSync(victim, 'precious settings\n', { mode: 0o644 });
    const token = join(dir, TOKEN_FILE);
    execFileSync('ln', ['-sf', victim, token]);

    const fresh = store.regenerate();
    expect(readFileSync(victim, 'utf8')).toBe('precious settings\n');
    expect(modeOf(victim)).toBe(0o644);
    expect(lstatSync(token).isFile()).toBe(true);
    expect(modeOf(token)).toBe(0o600);
    expect(readFileSync(token, 'utf8')).toBe(fresh + '\n');
  });

  it.skipIf(!asRoot)('refuses an api-token that belongs to another user', () => {
    mkdirSync(dir, { mode: 0o700 });
    const token = join(dir, TOKEN_FILE);
    writeFileSync(token, PLANTED + '\n', { mode: 0o600 });
    chownSync(token, OTHER_UID, OTHER_UID);
    expect(() => preparePrivateDataDir(dir)).toThrow(`Refusing to use ${token}: it belongs to uid ${OTHER_UID}`);
    expect(() => new TokenStore(dir)).toThrow(UnsafeDataError);
  });

  it('refuses an api-token others can write', () => {
    mkdirSync(dir, { mode: 0o700 });
    const token = join(dir, TOKEN_FILE);
    writeFileSync(token, PLANTED + '\n');
    chmodSync(token, 0o666);
    expect(() => new TokenStore(dir)).toThrow(`Refusing to use ${token}: it is writable by every user (mode 0666)`);
    expect(readFileSync(token, 'utf8')).toBe(PLANTED + '\n');
  });

  it('refuses a FIFO planted as the api-token without blocking on it', () => {
    mkdirSync(dir, { mode: 0o700 });
    const token = join(dir, TOKEN_FILE);
    execFileSync('mkfifo', ['-m', '600', token]);
    expect(() => preparePrivateDataDir(dir)).toThrow(`Refusing to use ${token}: it is not a regular file`);
    expect(() => new TokenStore(dir)).toThrow(UnsafeDataError);
  });

  it('an api-token of ours that others could read (0644) becomes 0600 with a new token in it', () => {
    mkdirSync(dir, { mode: 0o700 });
    const token = join(dir, TOKEN_FILE);
    writeFileSync(token, PLANTED + '\n');
    chmodSync(token, 0o644);
    preparePrivateDataDir(dir);
    const store = new TokenStore(dir);
    expect(modeOf(token)).toBe(0o600);
    // It may have been read while it was readable: it is replaced, not kept.
    expect(store.get()).not.toBe(PLANTED);
    expect(readFileSync(token, 'utf8')).toBe(store.get() + '\n');
    // A private token is kept across starts.
    expect(new TokenStore(dir).get()).toBe(store.get());
  });

  it('refuses a database that is a symbolic link, and leaves the file it points to as it was', () => {
    mkdirSync(dir, { mode: 0o700 });
    const victim = join(t.dir, 'victim.sqlite');
    writeFileSync(victim, 'not yours\n', { mode: 0o644 });
    symlinkSync(victim, join(dir, DB_FILE));
    expect(() => preparePrivateDataDir(dir)).toThrow(`${join(dir, DB_FILE)}: it is a symbolic link`);
    expect(() => openDatabase(join(dir, DB_FILE))).toThrow(UnsafeDataError);
    expect(readFileSync(victim, 'utf8')).toBe('not yours\n');
    expect(modeOf(victim)).toBe(0o644);
  });

  it('tightens what an older version left readable: folder 0755, database, -wal, -shm, samples 0644', () => {
    mkdirSync(dir);
    const db = join(dir, DB_FILE);
    // An older version's database, still open so that its -wal and -shm exist.
    const old = new Database(db);
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    const samples = join(dir, SAMPLES_DIR);
    mkdirSync(samples, { mode: 0o755 });
    writeFileSync(join(samples, 'sample-old.log'), 'line\n', { mode: 0o644 });
    writeFileSync(join(dir, 'window-state.json'), '{}', { mode: 0o644 });
    // A link the user made in samples/ is neither followed nor changed.
    const elsewhere = join(t.dir, 'elsewhere.log');
    writeFileSync(elsewhere, 'line\n', { mode: 0o644 });
    symlinkSync(elsewhere, join(samples, 'linked.log'));
    // The modes an older version left (umask 022), whatever this process's umask is.
    for (const p of [dir, samples]) chmodSync(p, 0o755);
    for (const p of [db, `${db}-wal`, `${db}-shm`, join(samples, 'sample-old.log'), join(dir, 'window-state.json')])
      chmodSync(p, 0o644);

    try {
      preparePrivateDataDir(dir, { alsoTighten: ['window-state.json'] });
    } finally {
      old.close();
    }
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(db)).toBe(0o600);
    expect(modeOf(samples)).toBe(0o700);
    expect(modeOf(join(samples, 'sample-old.log'))).toBe(0o600);
    expect(modeOf(join(dir, 'window-state.json'))).toBe(0o600);
    expect(modeOf(elsewhere)).toBe(0o644);
  });

  it('after a normal start the folder is 0700 and every file in it 0600: database, -wal, -shm, token, samples', async () => {
    // As serve.ts and the desktop shell do it, in a folder that does not exist yet.
    preparePrivateDataDir(dir);
    const engine = await Engine.start({ dataDir: dir, schedule: false });
    try {
      await engine.call('generateSample', { rows: 2_000, seed: 5 });
      const found = modes(dir);
      expect(Object.keys(found)).toEqual(
        expect.arrayContaining([
          DB_FILE,
          `${DB_FILE}-wal`,
          `${DB_FILE}-shm`,
          TOKEN_FILE,
          SAMPLES_DIR,
          expect.stringMatching(/^samples\/sample-.*\.log$/),
        ]),
      );
      const expected = Object.fromEntries(
        Object.keys(found).map((p) => [p, lstatSync(join(dir, p)).isDirectory() ? '0700' : '0600']),
      );
      expect(found).toEqual(expected);
      expect(modeOf(dir)).toBe(0o700);
    } finally {
      await engine.close();
    }
    expect(existsSync(join(dir, DB_FILE))).toBe(true);
  });
});
