import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/main/store/migrations';

/** A database file as an older release left it: the migrations up to `version`, and one file source (id 1). */
export function databaseAtVersion(file: string, version: number): Database.Database {
  const db = new Database(file);
  for (const m of MIGRATIONS.filter((x) => x.version <= version)) db.exec(m.sql);
  db.pragma(`user_version = ${version}`);
  db.prepare("INSERT INTO sources (id, path, kind, added_at) VALUES (1, '/var/log/a.log', 'file', 0)").run();
  return db;
}
