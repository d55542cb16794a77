import { sizeWords } from '../features/catalogue';
import type { FlaggedRow, Group } from './group';

/** When an incident's one IP was first seen: ms, null (there when the log began), or not known (fleet mode). */
export type FirstSeen = number | null | 'unknown';

export interface Description {
  label: string;
  summary: string;
}

/** "0.4 s", "90 s", "12 min", "3.5 h": a duration as the summaries say it. */
export function durationWords(ms: number): string {
  if (ms < 1000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 3 * 86_400_000) return `${Math.round(ms / 360_000) / 10} h`;
  return `${Math.round(ms / 8_640_000) / 10} d`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

interface Stats {
  n: number;
  c4xx: number;
  c404: number;
  c5xx: number;
  nonGet: number;
  paths: number;
  topPath: string;
  topPathCount: number;
  bytes: number;
  ips: number;
  spanMs: number;
}

function stats(rows: readonly FlaggedRow[]): Stats {
  const paths = new Map<string, number>();
  const ips = new Set<string>();
  let [c4xx, c404, c5xx, nonGet, bytes] = [0, 0, 0, 0, 0];
  for (const r of rows) {
    paths.set(r.endpoint, (paths.get(r.endpoint) ?? 0) + 1);
    ips.add(r.ip);
    if (r.status >= 400 && r.status <= 499) c4xx++;
    if (r.status === 404) c404++;
    if (r.status >= 500 && r.status <= 599) c5xx++;
    if (r.method !== null && r.method.toUpperCase() !== 'GET') nonGet++;
    bytes += r.bytes ?? 0;
  }
  let topPath = '';
  let topPathCount = 0;
  for (const [p, c] of paths) if (c > topPathCount) [topPath, topPathCount] = [p, c];
  const spanMs = rows[rows.length - 1].tsMs - rows[0].tsMs;
  return {
    n: rows.length,
    c4xx,
    c404,
    c5xx,
    nonGet,
    paths: paths.size,
    topPath,
    topPathCount,
    bytes,
    ips: ips.size,
    spanMs,
  };
}

/** What the flagged entries look like, in the words an analyst would use first. */
function label(kind: Group['kind'], s: Stats): string {
  if (kind === 'endpoint') return `distributed attack on ${s.topPath}`;
  if (s.c4xx * 2 >= s.n && s.paths >= 10) return s.c404 * 2 >= s.c4xx ? '404 scan' : 'scan';
  if (s.nonGet * 2 >= s.n && s.topPathCount >= 0.6 * s.n && s.n >= 3) return `brute force on ${s.topPath}`;
  if (s.c5xx * 2 >= s.n) return '5xx storm';
  if (s.bytes >= 100_000_000) return 'large downloads';
  if (s.n >= 30 && s.n / Math.max(1, s.spanMs / 1000) >= 0.5) return 'burst';
  if (s.paths >= 30) return 'crawl';
  return 'unusual activity';
}

/**
 * The incident's label and one-line summary, e.g. "404 scan: 150 requests, 142 × 404, 97
 * distinct paths in 90 s from an IP first seen 2 min earlier". `ipFirstSeenMs`: when its (one)
 * IP was first seen in all the data, null when it was there when the log began, 'unknown' when
 * that was not looked up.
 */
export function describeIncident(g: Group, ipFirstSeenMs: FirstSeen): Description {
  const s = stats(g.rows);
  const l = label(g.kind, s);
  const parts = [plural(s.n, 'request')];
  if (s.c404 > 0) parts.push(`${s.c404} × 404`);
  if (s.c4xx > s.c404) parts.push(`${s.c4xx - s.c404} other 4xx`);
  if (s.c5xx > 0) parts.push(`${s.c5xx} × 5xx`);
  if (s.nonGet > 0) parts.push(`${s.nonGet} non-GET`);
  parts.push(plural(s.paths, 'distinct path'));
  if (s.bytes >= 1_000_000) parts.push(`${sizeWords(s.bytes)} sent`);
  let who: string;
  if (g.kind === 'endpoint') who = `from ${s.ips} IPs`;
  else if (ipFirstSeenMs === 'unknown') who = 'from one IP';
  else if (ipFirstSeenMs === null) who = 'from an IP present since the log began';
  else {
    const age = g.rows[0].tsMs - ipFirstSeenMs;
    who =
      age >= 86_400_000
        ? 'from an IP known for over a day'
        : age < 1000
          ? 'from an IP never seen before'
          : `from an IP first seen ${durationWords(age)} earlier`;
  }
  return { label: l, summary: `${l}: ${parts.join(', ')} in ${durationWords(s.spanMs)} ${who}` };
}
