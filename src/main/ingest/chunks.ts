import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

const CHUNK = 1 << 20;

/** The bytes of an open file from `start` to its current end. */
export async function* fileChunks(fh: FileHandle, start: number): AsyncGenerator<Buffer> {
  let pos = start;
  while (true) {
    // A fresh buffer per chunk: the splitter may keep references to partial lines.
    const buf = Buffer.allocUnsafe(CHUNK);
    const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
    if (bytesRead === 0) return;
    pos += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}

/** Decompressed bytes of a .gz file, skipping the first `skip` of them (resume after a restart). */
export async function* gzipChunks(path: string, skip: number): AsyncGenerator<Buffer> {
  let toSkip = skip;
  const stream = createReadStream(path, { highWaterMark: CHUNK }).pipe(createGunzip({ chunkSize: CHUNK }));
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (toSkip >= chunk.length) {
      toSkip -= chunk.length;
      continue;
    }
    yield toSkip > 0 ? chunk.subarray(toSkip) : chunk;
    toSkip = 0;
  }
}

export const isGzip = (path: string): boolean => /\.gz$/i.test(path);
