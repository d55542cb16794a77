/**
 * One writer per table (ARCHITECTURE.md, "Writes"): every INSERT, UPDATE or DELETE of a table in
 * src/main sits in the module that owns the table. A write added anywhere else fails here, so
 * the owners stay the only places to look when a table's rows are wrong.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/serveProcess';

/** Table → the files (or folders, ending in /) allowed to write it. */
const OWNERS: Record<string, string[]> = {
  logs: ['ingest/logWriter.ts'],
  // Entries per minute: added with the rows; the migrations' trigger takes removed entries off.
  log_minutes: ['ingest/logWriter.ts', 'store/migrations.ts'],
  parse_errors: ['ingest/logWriter.ts'],
  // The byte offset commits with the rows (logWriter); everything else about a source is sourceRepo's.
  sources: ['ingest/logWriter.ts', 'ingest/sourceRepo.ts'],
  sample_labels: ['ingest/sample/sampleJob.ts'],
  features: ['features/'],
  // The migrations' triggers place a flagged row's time and IP (migration 8).
  scores: ['models/scoreWriter.ts', 'store/migrations.ts'],
  // Kept by the migrations' triggers as score rows are inserted and deleted (migration 11).
  score_count: ['store/migrations.ts'],
  models: ['models/registry.ts'],
  model_snapshots: ['incidents/modelDiff.ts'],
  feedback: ['feedback/feedbackStore.ts'],
  entry_labels: ['feedback/feedbackStore.ts'],
  suppressions: ['feedback/feedbackStore.ts'],
  settings: ['store/configStore.ts'],
  search_fts: ['search/searchIndexer.ts', 'store/migrations.ts'],
  search_skipped: ['search/searchIndexer.ts', 'store/migrations.ts'],
  search_state: ['search/searchIndexer.ts', 'store/migrations.ts'],
  search_words: ['search/searchIndexer.ts'],
};

const MAIN = join(ROOT, 'src/main');
const WRITE = /\b(?:INSERT(?: OR \w+)? INTO|REPLACE INTO|UPDATE|DELETE FROM)\s+([a-z_]+)(?:\.([a-z_]+))?/g;
/** The schema's tables, as the migrations create them (words in prose such as "UPDATE once" are not tables). */
const TABLES = new Set(
  [
    ...readFileSync(join(MAIN, 'store/migrations.ts'), 'utf8').matchAll(
      /CREATE (?:VIRTUAL )?TABLE (?:IF NOT EXISTS )?(\w+)/g,
    ),
  ].map((m) => m[1]),
);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** [file, table] for every write statement in src/main (temp.* tables are private to their file). */
function writes(): Array<[file: string, table: string]> {
  return sources(MAIN).flatMap((path) => {
    const file = relative(MAIN, path);
    return [...readFileSync(path, 'utf8').matchAll(WRITE)]
      .filter(([, schema, table]) => schema !== 'temp' || table === undefined)
      .map(([, schema, table]) => [file, table ?? schema] as [string, string])
      .filter(([, table]) => TABLES.has(table));
  });
}

const owned = (file: string, table: string) =>
  (OWNERS[table] ?? []).some((o) => (o.endsWith('/') ? file.startsWith(o) : file === o));

describe('table writers', () => {
  it('every table of the schema has an owner', () => {
    expect([...TABLES].filter((t) => !OWNERS[t])).toEqual([]);
  });

  it('finds the writes it guards (the scan is not blind)', () => {
    const tables = new Set(writes().map(([, t]) => t));
    for (const t of ['logs', 'features', 'scores', 'sources', 'models']) expect(tables).toContain(t);
  });

  it('every write of a table is in the module that owns it', () => {
    const strays = writes()
      .filter(([file, table]) => !owned(file, table))
      .map(([file, table]) => `${file} writes ${table}`);
    expect(strays).toEqual([]);
  });

  it('a write outside the owner is caught', () => {
    expect(owned('queries/anomalies.ts', 'scores')).toBe(false);
    expect(owned('features/tail.ts', 'features')).toBe(true);
    expect(owned('models/modelService.ts', 'logs')).toBe(false);
  });
});
