import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_LINE_BYTES } from './parse';

/**
 * Reads an entry's line back from its file at the byte offset stored at ingest, instead of a
 * copy kept in the database. The file may have been rotated, truncated or replaced since, so
 * the line is returned only when it still carries the entry's client and status; otherwise
 * null ("no longer in the file").
 */
export function readRawLine(path: string, offset: number, expect: { ip: string; status: number }): string | null {
  let fd: number;
  try {
    // This runs on the main thread: a FIFO or a link planted where the file was must neither
    // block it nor be read (the same rule as the file sources, ingest/regularFile.ts).
    fd = openSync(
      path,
      constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0),
    );
  } catch {
    return null;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
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
