import type { Db } from '../store/db';
import { IntFrequencies, type FeatureStats } from './distribution';
import { FEATURE_NAMES, assertWindowMs, type FeatureName } from './types';
import { scanWindowFeatures } from './windowScan';
import { featureTableReads } from './featureTable';

export interface PreviewOptions {
  /** Describe only the newest ~sampleLimit rows (by ts; ties at the cut are all kept). Their
   *  features are still exact: the W before the cut is read as context. */
  sampleLimit?: number;
  /** Histogram bars per feature (default 20). */
  bins?: number;
}

export type FeatureDistributions = Record<FeatureName, FeatureStats>;

export interface WindowPreview {
  windowMs: number;
  /** Rows described by `proposed`. */
  rows: number;
  /** What `windowMs` would give on the current data (nothing is written). */
  proposed: FeatureDistributions;
  /** The stored features for the same rows; null when none are stored. */
  current: FeatureDistributions | null;
  currentWindowMs: number | null;
  /** Rows described by `current` (rows ingested since the last feature run have none). */
  currentRows: number;
  /** ts_ms from which rows were described, when sampleLimit cut the data. */
  sampledFromTsMs: number | null;
  ms: number;
}

/**
 * Distributions of the three features for a candidate window next to the stored ones, for the
 * Settings view. Read-only: runs the same scan as the batch inside a read transaction and
 * keeps the results in memory.
 */
export function previewWindow(db: Db, windowMs: number, options: PreviewOptions = {}): WindowPreview {
  assertWindowMs(windowMs);
  const bins = options.bins ?? 20;
  const t0 = performance.now();
  return db.transaction((): WindowPreview => {
    let from: number | undefined;
    if (options.sampleLimit !== undefined) {
      const limit = Math.max(1, Math.floor(options.sampleLimit));
      const cut = db
        .prepare('SELECT ts_ms FROM logs ORDER BY ts_ms DESC LIMIT 1 OFFSET ?')
        .pluck()
        .get(limit - 1) as number | undefined;
      from = cut; // undefined when the table has no more rows than the limit
    }

    const scan = scanWindowFeatures(db, windowMs, from === undefined ? {} : { fromTsMs: from });
    let step = scan.next();
    while (!step.done) step = scan.next();
    const cols = step.value;
    const proposed = frequencies();
    for (let slot = 0; slot < cols.request.length; slot++) {
      if (cols.request[slot] === 0) continue;
      proposed.request_count.add(cols.request[slot]);
      proposed.client_error_count.add(cols.client[slot]);
      proposed.server_error_count.add(cols.server[slot]);
    }

    const currentWindowMs = featureTableReads(db).storedWindowMs() ?? null;
    let current: FeatureDistributions | null = null;
    let currentRows = 0;
    if (currentWindowMs !== null) {
      const stored = frequencies();
      for (const name of FEATURE_NAMES) {
        const values = (
          from === undefined
            ? db.prepare(`SELECT ${name} FROM features`).pluck().iterate()
            : db
                .prepare(`SELECT f.${name} FROM logs l JOIN features f ON f.log_id = l.id WHERE l.ts_ms >= ?`)
                .pluck()
                .iterate(from)
        ) as IterableIterator<number>;
        let n = 0;
        for (const v of values) {
          stored[name].add(v);
          n++;
        }
        currentRows = n;
      }
      current = summarise(stored, bins);
    }

    return {
      windowMs,
      rows: cols.rows,
      proposed: summarise(proposed, bins),
      current,
      currentWindowMs,
      currentRows,
      sampledFromTsMs: from ?? null,
      ms: performance.now() - t0,
    };
  })();
}

function frequencies(): Record<FeatureName, IntFrequencies> {
  return {
    request_count: new IntFrequencies(),
    client_error_count: new IntFrequencies(),
    server_error_count: new IntFrequencies(),
  };
}

function summarise(f: Record<FeatureName, IntFrequencies>, bins: number): FeatureDistributions {
  return {
    request_count: f.request_count.stats(bins),
    client_error_count: f.client_error_count.stats(bins),
    server_error_count: f.server_error_count.stats(bins),
  };
}
