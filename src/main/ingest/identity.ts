import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** Head bytes hashed: enough to tell a replaced file from the same file grown. */
const HEAD_BYTES = 256;

/**
 * Who a file is, beyond its path: device + inode (changes on rename rotation) and a hash of its
 * first bytes (changes on copytruncate followed by new writes, or on replacement in place).
 */
export interface FileIdentity {
  dev: number;
  ino: number;
  headLen: number;
  head: string;
}

export async function readIdentity(fh: FileHandle, upTo: number): Promise<FileIdentity> {
  const st = await fh.stat();
  const len = Math.min(HEAD_BYTES, upTo, st.size);
  const buf = Buffer.alloc(len);
  if (len > 0) await fh.read(buf, 0, len, 0);
  return { dev: st.dev, ino: st.ino, headLen: len, head: createHash('sha1').update(buf).digest('hex') };
}

export function encodeIdentity(id: FileIdentity): string {
  return JSON.stringify(id);
}

export function decodeIdentity(text: string | null): FileIdentity | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as Partial<FileIdentity>;
    if (
      typeof v.dev === 'number' &&
      typeof v.ino === 'number' &&
      typeof v.headLen === 'number' &&
      typeof v.head === 'string'
    ) {
      return v as FileIdentity;
    }
  } catch {
    /* an identity from elsewhere: treat as unknown */
  }
  return null;
}

/** Same file as before, with the bytes we already read unchanged at its start. */
export async function isSameFile(fh: FileHandle, stored: FileIdentity): Promise<boolean> {
  const now = await readIdentity(fh, stored.headLen);
  return now.dev === stored.dev && now.ino === stored.ino && now.headLen === stored.headLen && now.head === stored.head;
}
