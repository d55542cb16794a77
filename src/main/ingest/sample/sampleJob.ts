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
  const label = db.prepare(
    'INSERT OR REPLACE INTO sample_labels (log_id, label) SELECT id, ? FROM logs WHERE source_id = ? AND line_no = ?',
  );
  db.transaction(() => {
    for (const l of written.labels) label.run(l.label, sourceId, l.lineNo);
  })();
  return { path: written.path, rows: written.rows, anomalies: written.labels.length, sourceId };
}
