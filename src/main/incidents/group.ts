import type { CatalogueEntry } from '../features/catalogueWindow';

/** A flagged entry, as incidents see it: what the catalogue reads, plus its id, agent and score. */
export interface FlaggedRow extends CatalogueEntry {
  id: number;
  userAgent: string | null;
  score: number;
}

export interface Group {
  kind: 'ip' | 'endpoint';
  /** In (timestamp, id) order. */
  rows: FlaggedRow[];
}

/** An endpoint incident needs at least this many client IPs working on the endpoint together. */
export const MIN_ENDPOINT_IPS = 3;
/** What one member of a distributed attack looks like: a few flagged entries, nearly all on the endpoint. */
export const MEMBER_MAX_ROWS = 20;
const MEMBER_MIN_SHARE = 0.8;

const byTime = (a: FlaggedRow, b: FlaggedRow) => a.tsMs - b.tsMs || a.id - b.id;

/** The endpoint most of a group's rows went to, when it is at least MEMBER_MIN_SHARE of them. */
export function dominantEndpoint(rows: readonly FlaggedRow[]): string | null {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.endpoint, (counts.get(r.endpoint) ?? 0) + 1);
  let best: string | null = null;
  let n = 0;
  for (const [e, c] of counts) if (c > n) [best, n] = [e, c];
  return n >= MEMBER_MIN_SHARE * rows.length ? best : null;
}

/**
 * Flagged entries grouped into incidents. First per client IP: entries closer than `gapMs` (the
 * feature window) to the previous one of the same IP belong together. Then small groups of new
 * IPs (`isNew`: first seen less than a day before, as the catalogue's IP age says) aimed at one
 * endpoint, whose periods overlap or come within `gapMs`, are merged into one endpoint incident
 * when they hold at least MIN_ENDPOINT_IPS IPs: a distributed attack is one story, not fifteen,
 * while the known clients of a busy endpoint keep their own incidents.
 */
export function groupIncidents(
  rows: readonly FlaggedRow[],
  gapMs: number,
  isNew: (ip: string, atMs: number) => boolean = () => true,
): Group[] {
  const sorted = [...rows].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : byTime(a, b)));
  const perIp: FlaggedRow[][] = [];
  for (const r of sorted) {
    const cur = perIp.at(-1);
    const last = cur?.at(-1);
    if (cur && last && last.ip === r.ip && r.tsMs - last.tsMs < gapMs) cur.push(r);
    else perIp.push([r]);
  }
  const out: Group[] = [];
  const byEndpoint = new Map<string, FlaggedRow[][]>();
  for (const g of perIp) {
    const e = g.length <= MEMBER_MAX_ROWS && isNew(g[0].ip, g[0].tsMs) ? dominantEndpoint(g) : null;
    if (e === null) out.push({ kind: 'ip', rows: g });
    else {
      const members = byEndpoint.get(e);
      if (members) members.push(g);
      else byEndpoint.set(e, [g]);
    }
  }
  for (const groups of byEndpoint.values()) {
    groups.sort((a, b) => byTime(a[0], b[0]));
    let cluster: FlaggedRow[][] = [];
    let end = -Infinity;
    const flush = () => {
      const ips = new Set(cluster.map((g) => g[0].ip));
      if (ips.size >= MIN_ENDPOINT_IPS) out.push({ kind: 'endpoint', rows: cluster.flat().sort(byTime) });
      else for (const g of cluster) out.push({ kind: 'ip', rows: g });
      cluster = [];
    };
    for (const g of groups) {
      if (cluster.length > 0 && g[0].tsMs - end >= gapMs) flush();
      cluster.push(g);
      end = Math.max(end, g[g.length - 1].tsMs);
    }
    if (cluster.length > 0) flush();
  }
  return out;
}
