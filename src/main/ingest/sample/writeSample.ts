import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
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
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `sample-${stamp}.log`);
  const out = createWriteStream(path, { encoding: 'utf8' });
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
