import type { Incident } from '../../../shared/schemas/incidents';
import { fmtElapsed, fmtTime } from './format';

/** The summary without its leading "label: ", for places that show the label next to it. */
export function summaryAfterLabel(i: Pick<Incident, 'label' | 'summary'>): string {
  const prefix = `${i.label}: `;
  return i.summary.startsWith(prefix) ? i.summary.slice(prefix.length) : i.summary;
}

/** The colour class of an HTTP status, as the Anomalies grid uses. */
export const statusClass = (status: number) => (status >= 500 ? 'st-5xx' : status >= 400 ? 'st-4xx' : 'st-ok');

/** "203.0.113.9", or "203.0.113.9 +11" when more IPs took part. */
export function ipsText(i: Pick<Incident, 'ips' | 'ipCount'>): string {
  const first = i.ips[0] ?? '—';
  return i.ipCount > 1 ? `${first} +${i.ipCount - 1}` : first;
}

/** The end of a period: its time only when it ends on the day it began. */
export function periodEnd(firstMs: number, lastMs: number, utc: boolean): string {
  const a = fmtTime(firstMs, utc);
  const b = fmtTime(lastMs, utc);
  return a.slice(0, 10) === b.slice(0, 10) ? b.slice(11) : b;
}

/** First and last time on two lines, with the duration: fits a narrow column. */
export function IncidentPeriod({ firstMs, lastMs, utc }: { firstMs: number; lastMs: number; utc: boolean }) {
  return (
    <span className="incident-period">
      <span className="mono">{fmtTime(firstMs, utc)}</span>
      <span className="mono muted">
        – {periodEnd(firstMs, lastMs, utc)} · {fmtElapsed(lastMs - firstMs)}
      </span>
    </span>
  );
}
