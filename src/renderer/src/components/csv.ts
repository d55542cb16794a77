import { csvRow } from '../../../shared/csv';
import type { AnomalyRow } from '../../../shared/schemas/analysis';

export const CSV_COLUMNS = [
  'id',
  'time_utc',
  'ts_ms',
  'ip',
  'method',
  'endpoint',
  'status',
  'votes',
  'is_anomaly',
  'combined_score',
] as const;

/** The Anomalies view's export; fields go through the shared formula-safe writer (src/shared/csv.ts). */
export function anomaliesToCsv(rows: AnomalyRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      csvRow([
        r.id,
        new Date(r.tsMs).toISOString(),
        r.tsMs,
        r.ip,
        r.method,
        r.endpoint,
        r.status,
        r.votes,
        r.isAnomaly,
        r.combinedScore,
      ]),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** `anomalies-20240504-132211.csv` (UTC, so names sort in time order anywhere). */
export function exportFileName(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .replace(/\.\d+Z$/, '');
  return `anomalies-${stamp}.csv`;
}
