/** Loads the copied reference data from test/fixtures/ingest (never from ../shared). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const DIR = fileURLToPath(new URL('../../fixtures/ingest/', import.meta.url));

export function fixtureBytes(name: string): Buffer {
  const raw = readFileSync(DIR + name);
  return name.endsWith('.gz') ? gunzipSync(raw) : raw;
}

/** The 10,000-line Apache log, byte-for-byte (stored gzipped: `*.log` is git-ignored). */
export function apacheLogBytes(): Buffer {
  return fixtureBytes('apache_logs.log.gz');
}

export function apacheLogLines(): string[] {
  const lines = apacheLogBytes().toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Rows of apache_logs.parsed.csv.gz, header first. */
export function parsedCsvLines(): string[] {
  return fixtureBytes('apache_logs.parsed.csv.gz').toString('utf8').trimEnd().split('\n');
}
