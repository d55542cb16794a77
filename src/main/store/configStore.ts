import { AppConfigSchema, type AppConfig } from '../../shared/config';
import type { Db } from './db';

const KEY = 'config';

/** Reads and writes the analyst's configuration in the `settings` table. */
export class ConfigStore {
  private cached: AppConfig;

  constructor(private readonly db: Db) {
    this.cached = this.load();
  }

  get(): AppConfig {
    return this.cached;
  }

  set(next: AppConfig): AppConfig {
    const valid = AppConfigSchema.parse(next);
    this.db
      .prepare('INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(KEY, JSON.stringify(valid));
    this.cached = valid;
    return valid;
  }

  /** A stored value that no longer validates (older app, hand edit) falls back field by field to defaults. */
  private load(): AppConfig {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(KEY) as { value: string } | undefined;
    if (!row) return AppConfigSchema.parse({});
    let stored: Record<string, unknown>;
    try {
      stored = JSON.parse(row.value) as Record<string, unknown>;
    } catch {
      return AppConfigSchema.parse({});
    }
    const defaults = AppConfigSchema.parse({});
    const merged: Record<string, unknown> = { ...defaults };
    for (const [k, v] of Object.entries(stored)) {
      const candidate = AppConfigSchema.safeParse({ ...merged, [k]: v });
      if (candidate.success) merged[k] = v;
    }
    return AppConfigSchema.parse(merged);
  }
}

/** Small key/value helpers for engine state that must survive restarts (next run time, …). */
export function readSetting(db: Db, key: string): string | null {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value ?? null;
}

export function writeSetting(db: Db, key: string, value: string): void {
  db.prepare(
    'INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  ).run(key, value);
}
