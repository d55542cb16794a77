import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { generateSample, type SampleLabel, type SampleOptions } from './generate';

export interface WrittenSample {
  path: string;
  rows: number;
  /** 1-based line numbers of the injected anomalies, with their kind. */
  labels: Array<{ lineNo: number; label: SampleLabel }>;
}

const FLUSH_CHARS = 1 << 20;

/** Writes a generated sample as a real Apache combined log in `dir`, respecting backpressure. */
export async function writeSampleFile(dir: string, options: SampleOptions): Promise<WrittenSample> {
  // Private like the rest of the data folder (folder 0700, file 0600).
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const { path, handle } = await createSampleFile(dir, stamp);
  const out = handle.createWriteStream({ encoding: 'utf8' });
  const labels: WrittenSample['labels'] = [];
  let rows = 0;
  let buffer = '';
  for (const { line, label } of generateSample(options)) {
    rows += 1;
    if (label) labels.push({ lineNo: rows, label });
    buffer += line + '\n';
    if (buffer.length >= FLUSH_CHARS) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return { path, rows, labels };
}

/** A new 0600 file: 'wx' never opens an existing file or follows a link; two samples in one millisecond get a suffix. */
async function createSampleFile(dir: string, stamp: string): Promise<{ path: string; handle: FileHandle }> {
  for (let n = 1; ; n++) {
    const path = join(dir, n === 1 ? `sample-${stamp}.log` : `sample-${stamp}-${n}.log`);
    try {
      return { path, handle: await open(path, 'wx', 0o600) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw err;
    }
  }
}
