import { closeSync, openSync, readSync } from 'node:fs';
import { MAX_LINE_BYTES } from '../ingest/parse';

/**
 * Reads an entry's line back from its file at the byte offset stored at ingest, instead of a
 * copy kept in the database. The file may have been rotated, truncated or replaced since, so
 * the line is returned only when it still carries the entry's client and status; otherwise
 * null ("no longer in the file").
 */
export function readRawLine(path: string, offset: number, expect: { ip: string; status: number }): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(MAX_LINE_BYTES + 1);
    const n = readSync(fd, buf, 0, buf.length, offset);
    const newline = buf.subarray(0, n).indexOf(10);
    let text = buf.subarray(0, newline >= 0 ? newline : n).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return text.includes(expect.ip) && text.includes(String(expect.status)) ? text : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
