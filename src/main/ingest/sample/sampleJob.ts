import { join } from 'node:path';
import type { Db } from '../../store/db';
import type { IngestService } from '../ingestService';
import { writeSampleFile } from './writeSample';

export interface SampleJobResult {
  path: string;
  rows: number;
  anomalies: number;
  sourceId: number;
}

/**
 * POST /data/generate_sample made real: a labelled Apache log written into the data directory,
 * ingested through the same pipeline as any file, its injected anomalies stored as labels so the
 * Models view can report how many the live model catches.
 */
export async function generateSampleSource(
  ingest: IngestService,
  db: Db,
  dataDir: string,
  opts: { rows: number; seed?: number; anomalies: boolean },
): Promise<SampleJobResult> {
  const written = await writeSampleFile(join(dataDir, 'samples'), opts);
  const sourceId = await ingest.ingestOnce(written.path, 'sample');
  // One pass over the source's rows, joined with the labels by line number.
  db.transaction(() => {
    db.exec('CREATE TEMP TABLE IF NOT EXISTS pending_labels (line_no INTEGER PRIMARY KEY, label TEXT NOT NULL)');
    db.exec('DELETE FROM temp.pending_labels');
    const add = db.prepare('INSERT INTO temp.pending_labels (line_no, label) VALUES (?, ?)');
    for (const l of written.labels) add.run(l.lineNo, l.label);
    db.prepare(
      `INSERT OR REPLACE INTO sample_labels (log_id, label)
       SELECT l.id, p.label FROM logs l JOIN temp.pending_labels p ON p.line_no = l.line_no WHERE l.source_id = ?`,
    ).run(sourceId);
    db.exec('DELETE FROM temp.pending_labels');
  })();
  return { path: written.path, rows: written.rows, anomalies: written.labels.length, sourceId };
}
