/**
 * The feature catalogue: every feature the detectors can see, declared once. The streaming
 * computation (catalogueWindow.ts), the detectors' input transform and the explanations in words
 * all read these definitions, so a feature's rule and its wording cannot drift apart.
 *
 * Every windowed feature follows the original's counting rule: entries with timestamp in
 * (t − window, t] that come at or before this entry in (timestamp, arrival) order.
 */

import type { FeatureSetChoice } from '../../shared/config';

export type FeatureSetName = FeatureSetChoice;

/** Which window a feature counts over: the configured one (W, 5 min by default) or the long one. */
export type WindowKind = 'short' | 'long' | 'none';

export interface FeatureDef {
  /** Column name (stable: stored in models and exported). */
  readonly name: string;
  /** Who is counted: the entry's client IP, its endpoint across all IPs, or the entry itself. */
  readonly scope: 'ip' | 'endpoint' | 'line';
  readonly window: WindowKind;
  /** Words for the UI; `{w}` becomes the window ("5 min", "1 h"). */
  readonly words: string;
  readonly unit: 'count' | 'bytes' | 'minutes';
  /** log1p before the detectors: counts and bytes are heavy-tailed, and a flood of 400 requests
   *  should not sit 100× further out than one of 4. */
  readonly log: boolean;
  /**
   * A count that grows with time (requests, bytes; not distinct values): where the log began
   * less than a window earlier, the detectors see it extrapolated to the whole window (from at
   * least a minute of log), so the first lines of a freshly opened log do not look like quiet
   * outliers. Explanations show the true count.
   */
  readonly additive?: boolean;
  /**
   * Words for a value lower than most training entities have, where a low value says something
   * (a brand-new IP); other features are only ever unusual for being high.
   */
  readonly lowWords?: string;
}

/** Extrapolation of additive counts starts from at least this much log. */
export const MIN_HISTORY_MS = 60_000;

/** The long window: slow attacks (a POST every 3 min) accumulate over it. */
export const LONG_WINDOW_MS = 60 * 60 * 1000;
/** `ip_age_min` stops counting here: older than a day is simply "known". */
export const IP_AGE_CAP_MIN = 24 * 60;

const ORIGINAL: readonly FeatureDef[] = [
  {
    name: 'request_count',
    scope: 'ip',
    window: 'short',
    words: 'requests from this IP in {w}',
    unit: 'count',
    log: false,
  },
  {
    name: 'client_error_count',
    scope: 'ip',
    window: 'short',
    words: '4xx answers to this IP in {w}',
    unit: 'count',
    log: false,
  },
  {
    name: 'server_error_count',
    scope: 'ip',
    window: 'short',
    words: '5xx answers to this IP in {w}',
    unit: 'count',
    log: false,
  },
];

const ENTITY: readonly FeatureDef[] = [
  ...ORIGINAL.map((f) => ({ ...f, log: true, additive: true })),
  {
    name: 'requests_long',
    scope: 'ip',
    window: 'long',
    words: 'requests from this IP in {w}',
    unit: 'count',
    log: true,
    additive: true,
  },
  {
    name: 'non_get_long',
    scope: 'ip',
    window: 'long',
    words: 'non-GET requests (POST, PUT, …) from this IP in {w}',
    unit: 'count',
    log: true,
    additive: true,
  },
  {
    name: 'distinct_paths_long',
    scope: 'ip',
    window: 'long',
    words: 'distinct paths requested by this IP in {w}',
    unit: 'count',
    log: true,
  },
  {
    name: 'path_repeats_long',
    scope: 'ip',
    window: 'long',
    words: 'requests from this IP to this same path in {w}',
    unit: 'count',
    log: true,
    additive: true,
  },
  {
    name: 'client_errors_long',
    scope: 'ip',
    window: 'long',
    words: '4xx answers to this IP in {w}',
    unit: 'count',
    log: true,
    additive: true,
  },
  { name: 'bytes', scope: 'line', window: 'none', words: 'sent in this answer', unit: 'bytes', log: true },
  {
    name: 'bytes_long',
    scope: 'ip',
    window: 'long',
    words: 'sent to this IP in {w}',
    unit: 'bytes',
    log: true,
    additive: true,
  },
  {
    name: 'endpoint_ips_long',
    scope: 'endpoint',
    window: 'long',
    words: 'distinct IPs requesting this path in {w}',
    unit: 'count',
    log: true,
  },
  {
    name: 'endpoint_non_get_long',
    scope: 'endpoint',
    window: 'long',
    words: 'non-GET requests to this path from all IPs in {w}',
    unit: 'count',
    log: true,
    additive: true,
  },
  {
    name: 'ip_age_min',
    scope: 'ip',
    window: 'none',
    words: 'minutes since this IP was first seen (capped at a day)',
    unit: 'minutes',
    log: true,
    lowWords: 'newer than',
  },
];

export const FEATURE_SETS: Readonly<Record<FeatureSetName, readonly FeatureDef[]>> = {
  original: ORIGINAL,
  entity: ENTITY,
};

export function featureSet(name: FeatureSetName): readonly FeatureDef[] {
  return FEATURE_SETS[name];
}

/** "5 min", "1 h", "90 s": a window in the words the UI uses. */
export function windowWords(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

/**
 * The detectors' view of a feature row: additive counts extrapolated over windows the log does
 * not fill yet (`historyMs`: how much log precedes the entry, see catalogueWindow.ts
 * RAW_COLUMNS), then log1p where the catalogue says so.
 */
export function transformRow(
  defs: readonly FeatureDef[],
  raw: ArrayLike<number>,
  out: Float64Array,
  at = 0,
  windowMs = 300_000,
  historyMs = Infinity,
): void {
  const history = Math.max(MIN_HISTORY_MS, historyMs);
  for (let j = 0; j < defs.length; j++) {
    const d = defs[j];
    let v = Math.max(0, raw[j]);
    if (d.additive && d.window !== 'none') {
      const span = d.window === 'long' ? Math.max(LONG_WINDOW_MS, windowMs) : windowMs;
      if (history < span) v *= span / history;
    }
    out[at + j] = d.log ? Math.log1p(v) : v;
  }
}

/** "250 MB", "3.1 kB", "12 B": sizes as an analyst reads them. */
export function sizeWords(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 || v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/** "1 request", "1 4xx answer": the catalogue's words name their counted thing first, in the plural. */
function singular(words: string): string {
  return words.replace(/\b(requests|answers|paths|IPs)\b/, (w) => w.slice(0, -1));
}

function ordinal(p: number): string {
  const s = p >= 99.95 ? '>99.9' : p >= 99 ? p.toFixed(1) : String(Math.floor(p));
  return `${s}th percentile`;
}

/**
 * One feature of one entry in words, e.g. "41 non-GET requests (POST, PUT, …) from this IP in
 * 1 h (99.9th percentile)". `percentile` is the share of training entities with a *lower* value
 * (0–100), `higherShare` the share with a *higher* one; either is only mentioned when the value
 * is unusual (≥ 90), because "0th percentile" for the most common value tells an analyst nothing.
 */
export function featureWords(
  def: FeatureDef,
  value: number,
  shortWindowMs: number,
  percentile?: number,
  higherShare?: number,
): string {
  const w = windowWords(def.window === 'long' ? Math.max(LONG_WINDOW_MS, shortWindowMs) : shortWindowMs);
  const amount = def.unit === 'bytes' ? sizeWords(value) : String(value);
  const text =
    def.unit === 'minutes'
      ? value >= IP_AGE_CAP_MIN
        ? 'IP known for over a day'
        : `IP first seen ${value} min earlier`
      : `${amount} ${(value === 1 ? singular(def.words) : def.words).replace('{w}', w)}`;
  if (percentile !== undefined && percentile >= 90) return `${text} (${ordinal(percentile)})`;
  if (def.lowWords && higherShare !== undefined && higherShare >= 90)
    return `${text} (${def.lowWords} ${Math.min(99.9, Math.floor(higherShare * 10) / 10)} % of client-IP hours)`;
  return text;
}
