import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Test fixtures, read from the repository (benchmarks run from its root). */
export function fixtureText(relative: string): string {
  const raw = readFileSync(join(process.cwd(), 'test', 'fixtures', relative));
  return (relative.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
}
