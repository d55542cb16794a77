import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { StreamQuery } from '../../shared/api';
import type { IngestResultSchema } from '../../shared/schemas/sources';
import { exportFeaturesCsv } from '../features/export';
import type { Services } from './services';

/** The stream operations of the contract (`streamOperations`), with their queries already parsed. */
export interface StreamHandlers {
  /** POST /ingest: a raw body of log lines becomes an upload source. */
  ingest(
    query: StreamQuery<'ingest'>,
    body: AsyncIterable<Buffer> | Readable,
  ): Promise<z.output<typeof IngestResultSchema>>;
  /** GET /features/export: CSV chunks, read from the database as they are consumed. */
  exportFeatures(query: StreamQuery<'exportFeatures'>): Iterable<string>;
}

export function streamHandlers(s: Services): StreamHandlers {
  return {
    ingest: async ({ name, format }, body) => {
      const cursor = await s.ingest.ingestStream(name, body, format);
      await s.features.schedule();
      return { sourceId: cursor.sourceId, lines: cursor.lines, parseErrors: cursor.parseErrors, bytes: cursor.offset };
    },
    exportFeatures: ({ source }) => exportFeaturesCsv(s.db, { sourceId: source }),
  };
}
