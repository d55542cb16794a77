/** Formatting shared by every view: locale-aware numbers, fixed-width times in local time or UTC. */

const numberFormat = new Intl.NumberFormat();
const decimalFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });
const scoreFormat = new Intl.NumberFormat(undefined, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const shortFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const percentFormat = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'local time';

export const fmtInt = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : numberFormat.format(n);

export const fmtNum = (n: number | null | undefined): string =>
  n === null || n === undefined || Number.isNaN(n) ? '—' : decimalFormat.format(n);

export const fmtPct = (x: number | null | undefined): string =>
  x === null || x === undefined || Number.isNaN(x) ? '—' : percentFormat.format(x);

/** Scores span several magnitudes (LOF near 1, KNN distances in the thousands). */
export const fmtScore = (x: number): string => (Math.abs(x) >= 1e5 ? x.toExponential(2) : scoreFormat.format(x));

// One formatter per zone; `formatToParts` lets us assemble an ISO-like, fixed-width label in any locale.
const timeFormats = new Map<string, Intl.DateTimeFormat>();
function timeFormat(utc: boolean): Intl.DateTimeFormat {
  const key = utc ? 'UTC' : 'local';
  let f = timeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      ...(utc ? { timeZone: 'UTC' } : {}),
    });
    timeFormats.set(key, f);
  }
  return f;
}

function timeParts(ms: number, utc: boolean): Record<string, string> {
  const parts: Record<string, string> = {};
  for (const p of timeFormat(utc).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return parts;
}

/** `2024-05-04 13:22:11`, in the analyst's zone or UTC; same width for every row. */
export const fmtTime = (ms: number | null | undefined, utc = false): string => {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const p = timeParts(ms, utc);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
};

/**
 * A period [from, to) in one line: `2024-05-04 13:20–13:30` within a day, both dates otherwise;
 * seconds only where either end has them.
 */
export const fmtSpan = (from: number, to: number, utc = false): string => {
  const a = fmtTime(from, utc);
  const b = fmtTime(to, utc);
  const cut = a.endsWith(':00') && b.endsWith(':00') ? 16 : 19;
  return a.slice(0, 10) === b.slice(0, 10)
    ? `${a.slice(0, cut)}–${b.slice(11, cut)}`
    : `${a.slice(0, cut)} – ${b.slice(0, cut)}`;
};

/** The value of a `datetime-local` input for a time. */
export const toInputTime = (ms: number | undefined, utc: boolean): string => {
  if (ms === undefined) return '';
  const p = timeParts(ms, utc);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
};

/** Reads a `datetime-local` value as local time or as UTC. */
export const fromInputTime = (value: string, utc: boolean): number | undefined => {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  const ms = utc ? Date.UTC(y, mo - 1, d, h, mi, s) : new Date(y, mo - 1, d, h, mi, s).getTime();
  return Number.isFinite(ms) ? ms : undefined;
};

/** "in 3 hours", "5 minutes ago". */
export const fmtRelative = (ms: number | null | undefined, now = Date.now()): string => {
  if (ms === null || ms === undefined) return '—';
  const diff = ms - now;
  const abs = Math.abs(diff);
  if (abs < 60_000) return relativeFormat.format(Math.round(diff / 1000), 'second');
  if (abs < 3_600_000) return relativeFormat.format(Math.round(diff / 60_000), 'minute');
  if (abs < 86_400_000) return relativeFormat.format(Math.round(diff / 3_600_000), 'hour');
  if (abs < 60 * 86_400_000) return relativeFormat.format(Math.round(diff / 86_400_000), 'day');
  if (abs < 730 * 86_400_000) return relativeFormat.format(Math.round(diff / (30.44 * 86_400_000)), 'month');
  return relativeFormat.format(Math.round(diff / (365.25 * 86_400_000)), 'year');
};

/** Elapsed time such as a training run: `850 ms`, `12.4 s`, `3.2 min`. */
export const fmtElapsed = (ms: number): string => {
  if (ms < 1000) return `${numberFormat.format(Math.round(ms))} ms`;
  if (ms < 60_000) return `${shortFormat.format(ms / 1000)} s`;
  if (ms < 3_600_000) return `${shortFormat.format(ms / 60_000)} min`;
  return `${shortFormat.format(ms / 3_600_000)} h`;
};

export const fmtRate = (perSecond: number): string => `${numberFormat.format(Math.round(perSecond))} lines/s`;

export const fmtBytes = (n: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${shortFormat.format(i ? v : Math.round(v))} ${units[i]}`;
};
