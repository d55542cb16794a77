import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';

const LOG_NAME = /\.(log|txt|json|jsonl|ndjson|csv|gz)$|^[^.]+$|access|error|log/i;
/** access.log.1, access.log.2.gz, access.log-20260101: copies made by logrotate. */
const ROTATED = /\.\d+(\.gz)?$|-\d{8}(\.gz)?$/;

/** Files in a watched folder that are treated as logs. Hidden files never are. */
export function isLogFileName(path: string): boolean {
  const name = basename(path);
  return !name.startsWith('.') && LOG_NAME.test(name);
}

/**
 * A rotated copy appearing after the folder was added is the same lines as a file already
 * followed (renamed away), so it is not ingested again; at the first scan it is history and is.
 */
export function isRotatedCopy(path: string): boolean {
  return ROTATED.test(basename(path));
}

/**
 * Everything named like a log in `dir` except folders. Links, FIFOs and devices are listed too:
 * their FileSource refuses to read them and says so on the source (regularFile.ts).
 */
export async function listLogFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory() && isLogFileName(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}
