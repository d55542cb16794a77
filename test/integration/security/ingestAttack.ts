import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../../../src/main/engine';
import type { Source } from '../../../src/shared/schemas/sources';
import { count } from '../ingest/engineFixture';

/** Marks every byte an attacker wants to exfiltrate: no stored row may carry it. */
export const MARK = 'ROOTSECRET';

/** A distinct, parseable combined-format line per number. */
export const entry = (n: number, path = `/item/${n}`) =>
  `10.0.${(n >> 8) & 255}.${n & 255} - - [10/Oct/2023:13:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')} +0000] "GET ${path} HTTP/1.1" 200 ${n} "-" "test"`;
export const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => entry(from + i) + '\n').join('');

/**
 * The victim's private file (mode 0600, outside every watched folder): lines that would parse
 * (they would become entries) and lines that would not (they would become parse errors).
 */
export function plantSecret(dir: string): string {
  const path = join(dir, 'secret');
  const parseable = Array.from({ length: 5 }, (_, i) => entry(i, `/${MARK}/${i}`));
  writeFileSync(path, [...parseable, `${MARK} root password: hunter2`, `${MARK} api key: abc123`].join('\n') + '\n');
  chmodSync(path, 0o600);
  return path;
}

/** Rows anywhere in the store that came from the secret: entries and parse errors. */
export function leakedRows(engine: Engine): number {
  const like = `%${MARK}%`;
  return (
    count(
      engine,
      'SELECT count(*) FROM logs WHERE endpoint LIKE ? OR raw LIKE ? OR user_agent LIKE ?',
      like,
      like,
      like,
    ) + count(engine, 'SELECT count(*) FROM parse_errors WHERE line LIKE ? OR reason LIKE ?', like, like)
  );
}

export const mkfifo = (path: string) => execFileSync('mkfifo', [path]);

export async function sourceAt(engine: Engine, path: string): Promise<Source | undefined> {
  return (await engine.api.listSources({})).find((s) => s.path === path);
}

export const logCount = (engine: Engine) => count(engine, 'SELECT count(*) FROM logs');
