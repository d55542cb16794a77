import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '@clickhouse/client';
import { generateSample } from '../ingest/sample/generate';
import { loadLines, readLogLines, type LoadResult } from './logLoader';

/**
 * `npm run fleet:load -- --url http://127.0.0.1:8123 --table logs <file.log | --generate N>`:
 * pushes a dropped log (plain or .gz) or a generated sample (the desktop's generator, with its
 * labelled anomalies) into a ClickHouse table, creating a MergeTree table when it is missing.
 * A Distributed table must exist already (with its local tables); rows go to their shards.
 */

export const USAGE = `usage: npm run fleet:load -- --url URL --table TABLE [--database DB] [--user U] [--password P]
                            (FILE | --generate N [--seed S])
  FILE          an access log (combined, JSON lines or CSV; .gz is unpacked)
  --generate N  N lines of the desktop's labelled sample log instead of a file`;

export interface LoadCommandResult extends LoadResult {
  database: string;
  table: string;
  source: string;
}

/** The desktop's labelled sample log as lines (the generator's 24 h end at endMs, default now). */
export function* generatedLines(rows: number, seed?: number, endMs?: number): Generator<string, void, undefined> {
  for (const s of generateSample({ rows, seed, endMs })) yield s.line;
}

function positiveInt(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new Error(`${name} must be a whole number, got ${text}`);
  return n;
}

/** Runs the command for `argv` (without node and the script); throws a usage error on bad input. */
export async function runLoadCommand(argv: readonly string[]): Promise<LoadCommandResult> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      database: { type: 'string', default: 'default' },
      table: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      generate: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  if (!values.url || !values.table) throw new Error(`--url and --table are required\n${USAGE}`);
  const rows = positiveInt(values.generate, '--generate');
  if ((rows === undefined) === (positionals.length !== 1)) throw new Error(`give one FILE or --generate N\n${USAGE}`);
  const seed = positiveInt(values.seed, '--seed');
  const source = rows === undefined ? basename(positionals[0]) : `generated (${rows} lines)`;
  const client = createClient({ url: values.url, username: values.user, password: values.password });
  try {
    const result = await loadLines(
      client,
      rows === undefined ? readLogLines(positionals[0]) : generatedLines(rows, seed),
      {
        database: values.database ?? 'default',
        table: values.table,
        source,
      },
    );
    return { ...result, database: values.database ?? 'default', table: values.table, source };
  } finally {
    await client.close();
  }
}

/** The script's entry: one JSON line of what was loaded, or the error on stderr and exit code 1. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    const r = await runLoadCommand(argv);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } catch (e) {
    process.stderr.write(`fleet:load: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
