import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseFileError, openDatabase, schemaVersion } from '../../../src/main/store/db';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../src/main/store/migrations';
import { databaseAtVersion } from '../../helpers/oldSchema';
import { tempDir } from '../../helpers/tmp';

describe('store migrations', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  it('creates a fresh file at the newest schema with WAL and foreign keys', () => {
    const db = openDatabase(join(dir, 'a.sqlite'));
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(
      expect.arrayContaining([
        'features',
        'logs',
        'models',
        'parse_errors',
        'sample_labels',
        'scores',
        'settings',
        'sources',
      ]),
    );
    db.close();
  });

  it('upgrades a version-1 file in place and keeps its rows', () => {
    const file = join(dir, 'old.sqlite');
    const old = new Database(file);
    old.exec(MIGRATIONS[0].sql);
    old.pragma('user_version = 1');
    old.prepare("INSERT INTO sources (id, path, kind, added_at) VALUES (1, '/var/log/a.log', 'file', 0)").run();
    old
      .prepare(
        "INSERT INTO logs (source_id, line_no, ts_ms, ip, endpoint, status) VALUES (1, 1, 5, '10.0.0.1', '/', 200)",
      )
      .run();
    old.close();

    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT count(*) FROM logs').pluck().get()).toBe(1);
    db.prepare(
      'INSERT INTO features (log_id, window_ms, request_count, client_error_count, server_error_count) VALUES (1, 300000, 1, 0, 0)',
    ).run();
    db.close();

    // Re-running on an up-to-date file changes nothing.
    const again = openDatabase(file);
    expect(schemaVersion(again)).toBe(SCHEMA_VERSION);
    expect(again.prepare('SELECT count(*) FROM features').pluck().get()).toBe(1);
    again.close();
  });

  it('counts the scores a version-10 file already holds, then follows new ones', () => {
    const file = join(dir, 'v10.sqlite');
    const old = databaseAtVersion(file, 10);
    const log = old.prepare(
      "INSERT INTO logs (source_id, line_no, ts_ms, ip, endpoint, status) VALUES (1, ?, ?, '10.0.0.1', '/', 200)",
    );
    const score = old.prepare(
      'INSERT INTO scores (log_id, model_version, votes, is_anomaly, combined_score) VALUES (?, 1, 0, 0, 0)',
    );
    for (let i = 1; i <= 3; i++) log.run(i, i);
    for (let i = 1; i <= 2; i++) score.run(i);
    old.close();

    const db = openDatabase(file);
    const n = () => db.prepare('SELECT n FROM score_count').pluck().get();
    expect(n()).toBe(2);
    db.prepare(
      'INSERT INTO scores (log_id, model_version, votes, is_anomaly, combined_score) VALUES (3, 1, 0, 0, 0)',
    ).run();
    expect(n()).toBe(3);
    db.prepare('DELETE FROM logs WHERE id = 1').run();
    expect(n()).toBe(2);
    db.close();
  });

  it('refuses a file from a newer app version, naming the file', () => {
    const file = join(dir, 'newer.sqlite');
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    expect(() => openDatabase(file)).toThrow(DatabaseFileError);
    expect(() => openDatabase(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*newer`));
  });

  it('refuses a corrupt file, naming the file', () => {
    const file = join(dir, 'corrupt.sqlite');
    writeFileSync(file, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 0x5a)]));
    expect(() => openDatabase(file)).toThrow(DatabaseFileError);
    try {
      openDatabase(file);
    } catch (err) {
      expect((err as Error).message).toContain(file);
    }
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'this is not a database at all, just text '.repeat(200));
    expect(() => openDatabase(junk)).toThrow(/junk\.sqlite/);
  });
});
