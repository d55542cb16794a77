import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ensureOwnFile, secureOwnFile, SQLITE_SIDE_SUFFIXES, UnsafeDataError } from './dataDir';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';

export type Db = Database.Database;

/** Raised for a database file the app cannot use; the message always names the file. */
export class DatabaseFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`Cannot open database ${file}: ${detail}`);
    this.name = 'DatabaseFileError';
  }
}

/**
 * Opens (creating if needed) the store: WAL so readers never block the single writer,
 * foreign keys on, then applies pending migrations. Refuses corrupt files and files
 * written by a newer version of the app rather than guessing. The file and its -wal/-shm are
 * private (0600, see dataDir.ts): links, other users' files and group/other-writable files are
 * refused (UnsafeDataError).
 */
export function openDatabase(file: string): Db {
  try {
    // Created 0600 before SQLite opens it: SQLite gives the -wal and -shm it creates the
    // database file's mode. Existing ones (older versions made them 0644) are tightened.
    ensureOwnFile(file);
    for (const suffix of SQLITE_SIDE_SUFFIXES) secureOwnFile(file + suffix);
  } catch (err) {
    if (err instanceof UnsafeDataError) throw err;
    throw new DatabaseFileError(file, (err as Error).message);
  }
  let db: Db;
  try {
    // The desktop app may point at a better-sqlite3 build for Electron's ABI (scripts/electron-native.mjs).
    const binding = process.env.OUTLIER_DESK_SQLITE_BINDING;
    db = new Database(file, binding ? { nativeBinding: resolve(binding) } : {});
  } catch (err) {
    throw new DatabaseFileError(file, (err as Error).message);
  }
  try {
    // 8 KiB pages for a new file: about twice the insert rate of 4 KiB for our wide, indexed rows.
    // (A page size only takes effect before the first table exists.)
    if (schemaVersion(db) === 0) db.pragma('page_size = 8192');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Up to 32 MiB of page cache: since a bulk import keeps its rows young (lineIngester.ts), a
    // 1M-line drop costs the same CPU with 32 as with 64 MiB (7.4 vs 7.3–7.8 s, measured back to
    // back) and peaks at 183–185 instead of 221 MB (bench drop_ready_1m). The cache is most of
    // what an import holds: the rest of its memory stays flat whatever the file's size.
    db.pragma('cache_size = -32768');
    // Fewer, larger checkpoints while bulk inserting (16 MiB of WAL between them).
    db.pragma('wal_autocheckpoint = 4000');
    db.pragma('temp_store = MEMORY');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check failed (${String(check)})`);
    migrate(db, file);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof DatabaseFileError) throw err;
    const msg = (err as Error).message;
    throw new DatabaseFileError(
      file,
      /not a database|malformed|integrity/i.test(msg) ? `the file is corrupt (${msg})` : msg,
    );
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies every migration above the file's user_version, each in its own transaction. */
export function migrate(db: Db, file: string): void {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new DatabaseFileError(
      file,
      `it has schema version ${current}, newer than this app understands (${SCHEMA_VERSION}); update Outlier Desk`,
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
