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

/**
 * One CSV field. Quotes when needed (RFC 4180), and neutralises text that a spreadsheet
 * would run as a formula: log fields are attacker-controlled.
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function anomaliesToCsv(rows: AnomalyRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      [
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
      ]
        .map(csvField)
        .join(','),
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
