/**
 * The detail view reads an entry's line back from its file on the main thread. A FIFO or a
 * symbolic link planted where the file was (by whoever can write into its folder) must neither
 * block it nor be read.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRawLine } from '../../../src/main/ingest/rawLine';

const dir = mkdtempSync(join(tmpdir(), 'od-rawline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LINE = '10.0.0.1 - - [01/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8"';

describe('reading an entry back from its file', () => {
  it('reads a regular file at the offset', () => {
    const file = join(dir, 'access.log');
    writeFileSync(file, `${LINE}\n${LINE.replace('10.0.0.1', '10.0.0.2')}\n`);
    expect(readRawLine(file, LINE.length + 1, { ip: '10.0.0.2', status: 200 })).toBe(
      LINE.replace('10.0.0.1', '10.0.0.2'),
    );
  });

  it('a FIFO in its place answers null at once (the test would hang otherwise)', () => {
    const fifo = join(dir, 'fifo.log');
    execFileSync('mkfifo', [fifo]);
    expect(readRawLine(fifo, 0, { ip: '10.0.0.1', status: 200 })).toBeNull();
  });

  it('a symbolic link in its place is not followed', () => {
    const secret = join(dir, 'secret.log');
    writeFileSync(secret, `${LINE}\n`);
    const link = join(dir, 'link.log');
    symlinkSync(secret, link);
    expect(readRawLine(link, 0, { ip: '10.0.0.1', status: 200 })).toBeNull();
  });
});
