import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** The app's own entries in its data folder. */
export const DB_FILE = 'outlier-desk.sqlite';
export const TOKEN_FILE = 'api-token';
export const SAMPLES_DIR = 'samples';
/** Files SQLite keeps beside a database. */
export const SQLITE_SIDE_SUFFIXES = ['-wal', '-shm', '-journal'] as const;

// Owners and mode bits only mean something on POSIX; on Windows the folder lives in the
// user's profile, whose ACLs keep other users out.
const POSIX = process.platform !== 'win32';
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL } = constants;
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/** A data folder or file the app will not use; the message names the path and the fix. */
export class UnsafeDataError extends Error {
  constructor(
    readonly path: string,
    problem: string,
    fix: string,
  ) {
    super(`Refusing to use ${path}: ${problem}. ${fix}`);
    this.name = 'UnsafeDataError';
  }
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');
const shellQuoted = (path: string) => `'${path.replaceAll("'", `'\\''`)}'`;

/** What another user owns or could have written cannot be trusted: refuse it. */
function assertOurs(path: string, st: Stats, kind: 'folder' | 'file'): void {
  if (!POSIX) return;
  const me = process.getuid!();
  if (st.uid !== me) {
    const recursive = kind === 'folder' ? '-R ' : '';
    throw new UnsafeDataError(
      path,
      `it belongs to uid ${st.uid}, not to this user (uid ${me})`,
      `Move it aside so the app starts afresh, or, if you trust its contents: sudo chown ${recursive}${me} ${shellQuoted(path)}`,
    );
  }
  if (st.mode & 0o022) {
    const who = st.mode & 0o002 ? 'every user' : 'its group';
    const what = kind === 'folder' ? 'put files in it' : 'changed it';
    throw new UnsafeDataError(
      path,
      `it is writable by ${who} (mode ${octal(st.mode)}), so another user may have ${what}`,
      `Check it, then: chmod ${kind === 'folder' ? '700' : '600'} ${shellQuoted(path)} (or move it aside)`,
    );
  }
}

export interface OwnFile {
  fd: number;
  stats: Stats;
  /** Group or others could read it (its mode as found, before any tightening). */
  exposed: boolean;
}

/**
 * Opens one of the app's own files for reading: never through a link (O_NOFOLLOW), never
 * blocking on a FIFO (O_NONBLOCK), and checks what was opened (fstat), so the check and the
 * use see the same file. Null when it does not exist.
 */
export function openOwnFile(path: string): OwnFile | null {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    // A link under O_NOFOLLOW: ELOOP on Linux and macOS, EMLINK on FreeBSD.
    if (code === 'ELOOP' || code === 'EMLINK') {
      throw new UnsafeDataError(
        path,
        'it is a symbolic link',
        `Remove the link (rm ${shellQuoted(path)}); the app creates the file itself`,
      );
    }
    throw err;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw new UnsafeDataError(
        path,
        'it is not a regular file',
        `Remove it (rm -r ${shellQuoted(path)}); the app creates the file itself`,
      );
    }
    assertOurs(path, stats, 'file');
    return { fd, stats, exposed: POSIX && (stats.mode & 0o077) !== 0 };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** Checks one of the app's files (openOwnFile) and takes group and others' access away; false when absent. */
export function secureOwnFile(path: string): boolean {
  const file = openOwnFile(path);
  if (!file) return false;
  try {
    if (file.exposed) fchmodSync(file.fd, 0o600);
  } finally {
    closeSync(file.fd);
  }
  return true;
}

/** An existing file is checked and tightened (secureOwnFile); a missing one is created empty, 0600. */
export function ensureOwnFile(path: string): void {
  if (secureOwnFile(path)) return;
  // O_EXCL: fails rather than open whatever appeared meanwhile (a link included).
  closeSync(openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600));
}

/**
 * Replaces a file's content: written to a fresh 0600 file beside it, then renamed over it, so a
 * link at `path` is replaced, never written through, and a crash leaves the old content whole.
 */
export function writeOwnFile(path: string, text: string): void {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  let renamed = false;
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    renamed = true;
  } finally {
    if (!renamed) rmSync(tmp, { force: true });
  }
}

/**
 * Modes older versions left loose (folders 0755, files 0644) lose group and others' access.
 * lstat, not stat: a link is left alone. Nobody else can swap the entry between lstat and chmod,
 * as the data folder was checked to be ours and closed to others first.
 */
function tighten(path: string): Stats | null {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return null;
  }
  if (st.uid !== process.getuid!() || !(st.mode & 0o077)) return st;
  if (st.isFile()) chmodSync(path, 0o600);
  else if (st.isDirectory()) chmodSync(path, 0o700);
  return st;
}

export interface PrepareOptions {
  /** More of the app's files in the folder to tighten (the desktop shell's window state). */
  alsoTighten?: readonly string[];
}

/**
 * Call before anything in the data folder is opened. Creates the folder 0700, or checks an
 * existing one: it, the database files and the token must belong to this user and be writable
 * by nobody else, and the database files and the token must be regular files (not links).
 * Loose modes of this user's entries are tightened (folders 0700, files 0600). Throws
 * UnsafeDataError naming the path and the fix.
 */
export function preparePrivateDataDir(dir: string, options: PrepareOptions = {}): void {
  // Parents get the usual mode; only the data folder itself is private.
  mkdirSync(dirname(dir), { recursive: true });
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (!POSIX) return;
  // A link to the folder is followed: what must be private is the folder the app uses.
  const st = statSync(dir);
  if (!st.isDirectory()) {
    throw new UnsafeDataError(dir, 'it is not a folder', 'Choose a folder with --data-dir or OUTLIER_DESK_DATA');
  }
  assertOurs(dir, st, 'folder');
  if (st.mode & 0o077) chmodSync(dir, 0o700);

  for (const suffix of ['', ...SQLITE_SIDE_SUFFIXES]) secureOwnFile(join(dir, DB_FILE + suffix));
  // The token is only checked here: TokenStore replaces a token others could read.
  const token = openOwnFile(join(dir, TOKEN_FILE));
  if (token) closeSync(token.fd);

  for (const name of options.alsoTighten ?? []) tighten(join(dir, name));
  const samples = join(dir, SAMPLES_DIR);
  const samplesStat = tighten(samples);
  if (samplesStat?.isDirectory() && samplesStat.uid === process.getuid!()) {
    for (const name of readdirSync(samples)) tighten(join(samples, name));
  }
}
