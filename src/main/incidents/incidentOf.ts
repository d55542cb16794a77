import type { Incident } from '../../shared/schemas/incidents';
import { describeIncident, type FirstSeen } from './describe';
import type { Group } from './group';

const TOP = 5;
const MAX_IPS = 50;

function top<T extends string | number>(values: Iterable<T>, n = TOP): Array<[T, number]> {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

/**
 * An incident as the views show it, from its group: label and summary, period, IPs (the busiest
 * first), the top endpoints, statuses and agents. `entries` is the caller's: it needs the log.
 */
export function incidentOf(id: string, group: Group, score: number, seen: FirstSeen): Omit<Incident, 'entries'> {
  const g = group.rows;
  const first = g[0];
  const last = g[g.length - 1];
  const ips = top(
    g.map((r) => r.ip),
    Infinity,
  ).map(([ip]) => ip);
  return {
    id,
    kind: group.kind,
    ...describeIncident(group, seen),
    score,
    firstTsMs: first.tsMs,
    lastTsMs: last.tsMs,
    ips: ips.slice(0, MAX_IPS),
    ipCount: ips.length,
    flagged: g.length,
    topEndpoints: top(g.map((r) => r.endpoint)).map(([endpoint, count]) => ({ endpoint, count })),
    statuses: top(g.map((r) => r.status)).map(([status, count]) => ({ status, count })),
    userAgents: top(g.flatMap((r) => (r.userAgent === null ? [] : [r.userAgent]))).map(([userAgent, count]) => ({
      userAgent,
      count,
    })),
  };
}
