/**
 * The feature catalogue: every feature the detectors can see, declared once. The streaming
 * computation (catalogueWindow.ts), the detectors' input transform and the explanations in words
 * all read these definitions, so a feature's rule and its wording cannot drift apart.
 *
 * Every windowed feature follows the original's counting rule: entries with timestamp in
 * (t − window, t] that come at or before this entry in (timestamp, arrival) order.
 */

export type FeatureSetName = 'original' | 'entity';

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
}

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
  ...ORIGINAL.map((f) => ({ ...f, log: true })),
  {
    name: 'requests_long',
    scope: 'ip',
    window: 'long',
    words: 'requests from this IP in {w}',
    unit: 'count',
    log: true,
  },
  {
    name: 'non_get_long',
    scope: 'ip',
    window: 'long',
    words: 'non-GET requests (POST, PUT, …) from this IP in {w}',
    unit: 'count',
    log: true,
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
  },
  {
    name: 'client_errors_long',
    scope: 'ip',
    window: 'long',
    words: '4xx answers to this IP in {w}',
    unit: 'count',
    log: true,
  },
  { name: 'bytes', scope: 'line', window: 'none', words: 'sent in this answer', unit: 'bytes', log: true },
  { name: 'bytes_long', scope: 'ip', window: 'long', words: 'sent to this IP in {w}', unit: 'bytes', log: true },
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
  },
  {
    name: 'ip_age_min',
    scope: 'ip',
    window: 'none',
    words: 'minutes since this IP was first seen (capped at a day)',
    unit: 'minutes',
    log: true,
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

/** The detectors' view of a raw feature row: log1p where the catalogue says so. */
export function transformRow(defs: readonly FeatureDef[], raw: ArrayLike<number>, out: Float64Array, at = 0): void {
  for (let j = 0; j < defs.length; j++) {
    const v = raw[j];
    out[at + j] = defs[j].log ? Math.log1p(Math.max(0, v)) : v;
  }
}

/** "250 MB", "3.1 kB", "12 B": sizes as an analyst reads them. */
function sizeWords(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 || v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

function ordinal(p: number): string {
  const s = p >= 99.95 ? '>99.9' : p >= 99 ? p.toFixed(1) : String(Math.floor(p));
  return `${s}th percentile`;
}

/**
 * One feature of one entry in words, e.g. "41 non-GET requests (POST, PUT, …) from this IP in
 * 1 h (99.9th percentile)". `percentile` is the share of training entities with a *lower* value
 * (0–100); it is only mentioned when the value is unusual (≥ 90th), because "0th percentile" for
 * the most common value tells an analyst nothing.
 */
export function featureWords(def: FeatureDef, value: number, shortWindowMs: number, percentile?: number): string {
  const w = windowWords(def.window === 'long' ? Math.max(LONG_WINDOW_MS, shortWindowMs) : shortWindowMs);
  const amount = def.unit === 'bytes' ? sizeWords(value) : String(value);
  const text =
    def.unit === 'minutes'
      ? value >= IP_AGE_CAP_MIN
        ? 'IP known for over a day'
        : `IP first seen ${value} min earlier`
      : `${amount} ${def.words.replace('{w}', w)}`;
  return percentile !== undefined && percentile >= 90 ? `${text} (${ordinal(percentile)})` : text;
}
