import type { z } from 'zod';
import type { Incident, IncidentDetail, IncidentPage, IncidentQuerySchema } from '../../shared/schemas/incidents';
import type { Db } from '../store/db';
import { catalogueLookbackMs } from '../features/catalogueWindow';
import { SUPPRESSIONS_STATE_SQL, suppressedSql } from '../feedback/suppressed';
import { searchSql } from '../search/language';
import { describeIncident } from './describe';
import { groupIncidents, type FlaggedRow, type Group } from './group';

type Query = z.output<typeof IncidentQuerySchema>;

const TOP = 5;
const MAX_IPS = 50;
const MAX_DETAIL_ROWS = 5_000;

/**
 * One incident of a build: what sorts it is known at once; its description is made when it is
 * first shown (most of thousands never are) and kept while its group stays the same.
 */
interface Entry {
  id: string;
  score: number;
  group: Group;
  incident: Incident | null;
  /** The entry of an earlier build this one grew from (same first entry), for countEntries. */
  grewFrom?: Entry;
}

interface Built {
  key: string;
  incidents: Entry[];
  flagged: number;
  /** What an update that only adds newer scores builds on (see `extend`). */
  base: Base;
}

interface Base {
  /** Window and suppression rules the build used: a change to either means a full build. */
  setting: string;
  /** Flagged entries (counted with suppressed ones) and their score sum, among scores up to `scoredUpTo`. */
  count: number;
  sum: number;
  scoredUpTo: number;
  dataStart: number;
  /** When each IP was first seen, as looked up so far. */
  seen: Map<string, number | null>;
  /** Entries by their group's extent, to reuse unchanged ones; by id, to count grown ones. */
  byExtent: Map<string, Entry>;
  byId: Map<string, Entry>;
}

function top<T extends string | number>(values: Iterable<T>, n = TOP): Array<[T, number]> {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

/**
 * Incidents over the stored scores, computed from the flagged entries when asked and kept until
 * the flagged set changes (its count and score sum, read from the `scores_anomaly` index, are
 * the cache key), so they follow live scoring and retraining without bookkeeping of their own.
 */
export class IncidentStore {
  private built: Built | null = null;

  constructor(
    private readonly db: Db,
    private readonly windowMs: () => number,
  ) {}

  list(q: Query): IncidentPage {
    const b = this.current();
    const matching = q.q ? this.matching(q.q, b) : b.incidents;
    const page = matching.slice(q.offset, q.offset + q.limit);
    return {
      incidents: page.map((x) => this.shown(x, b.base)),
      total: matching.length,
      flagged: b.flagged,
    };
  }

  /** Brings the grouping up to date with the scores now (what list() does first; the bench times it alone). */
  refresh(): void {
    this.current();
  }

  /** One incident with every entry of its IPs in its period; null when no such incident exists now. */
  detail(id: string): IncidentDetail | null {
    const b = this.current();
    const found = b.incidents.find((x) => x.id === id);
    if (!found) return null;
    const incident = this.shown(found, b.base);
    const ips = [...new Set(found.group.rows.map((r) => r.ip))];
    const rows = this.db
      .prepare(
        `SELECT l.id, l.ts_ms AS tsMs, l.ip, l.method, l.endpoint, l.status, s.votes,
                s.is_anomaly AS isAnomaly, coalesce(s.combined_score, 0) AS combinedScore
         FROM logs l LEFT JOIN scores s ON s.log_id = l.id
         WHERE l.ip IN (SELECT value FROM json_each(?)) AND l.ts_ms BETWEEN ? AND ?
         ORDER BY l.ts_ms, l.id LIMIT ?`,
      )
      .all(JSON.stringify(ips), incident.firstTsMs, incident.lastTsMs, MAX_DETAIL_ROWS + 1) as Array<
      Omit<IncidentDetail['rows'][number], 'isAnomaly'> & { isAnomaly: number | null }
    >;
    const truncated = rows.length > MAX_DETAIL_ROWS;
    return {
      ...incident,
      rows: rows
        .slice(0, MAX_DETAIL_ROWS)
        .map((r) => ({ ...r, isAnomaly: r.isAnomaly === null ? null : r.isAnomaly === 1 })),
      truncated,
    };
  }

  /**
   * Incidents with a flagged entry the search matches. The flagged entries are few next to all
   * entries, so LIKE over them beats narrowing through the search index first.
   */
  private matching(q: string, b: Built): Entry[] {
    const s = searchSql(q);
    const ids = new Set(
      this.db
        .prepare(
          `SELECT l.id FROM scores s JOIN logs l ON l.id = s.log_id WHERE s.is_anomaly = 1 AND +s.log_id > 0 AND ${s.sql}`,
        )
        .pluck()
        .all(...s.params) as number[],
    );
    return b.incidents.filter((x) => x.group.rows.some((r) => ids.has(r.id)));
  }

  /** Ids of the incident's flagged entries (what a verdict on it labels); null when it does not exist now. */
  flaggedIds(id: string): number[] | null {
    const found = this.current().incidents.find((x) => x.id === id);
    return found ? found.group.rows.map((r) => r.id) : null;
  }

  /**
   * Every entry of the incident's IPs in its period (index range counts in one statement; done
   * for shown incidents only). An incident that grew from one already counted (same first entry,
   * no IP lost) adds the entries of its old IPs after its old end and of its new IPs in its period.
   */
  private countEntries(x: Entry, i: Incident): void {
    if (i.entries >= 0) return;
    const ips = new Set(x.group.rows.map((r) => r.ip));
    const was = x.grewFrom?.incident;
    const oldIps = x.grewFrom && new Set(x.grewFrom.group.rows.map((r) => r.ip));
    x.grewFrom = undefined;
    if (was && oldIps && was.entries >= 0 && was.firstTsMs === i.firstTsMs && was.lastTsMs <= i.lastTsMs) {
      if ([...oldIps].every((ip) => ips.has(ip))) {
        const added = [...ips].filter((ip) => !oldIps.has(ip));
        i.entries =
          was.entries +
          this.countIn([...oldIps], was.lastTsMs + 1, i.lastTsMs) +
          this.countIn(added, i.firstTsMs, i.lastTsMs);
        return;
      }
    }
    i.entries = this.countIn([...ips], i.firstTsMs, i.lastTsMs);
  }

  /** Entries of these IPs with fromMs ≤ ts_ms ≤ toMs: one index range per IP, in one statement. */
  private countIn(ips: string[], fromMs: number, toMs: number): number {
    if (ips.length === 0 || fromMs > toMs) return 0;
    return this.db
      .prepare(
        `SELECT total((SELECT count(*) FROM logs WHERE ip = j.value AND ts_ms BETWEEN ? AND ?)) FROM json_each(?) j`,
      )
      .pluck()
      .get(fromMs, toMs, JSON.stringify(ips)) as number;
  }

  private current(): Built {
    const [count, sum, scoredUpTo] = this.db
      .prepare(
        'SELECT count(*), total(combined_score), (SELECT coalesce(max(log_id), 0) FROM scores) FROM scores WHERE is_anomaly = 1',
      )
      .raw()
      .get() as [number, number, number];
    const rules = this.db.prepare(SUPPRESSIONS_STATE_SQL).pluck().get() as string;
    const setting = `${this.windowMs()}:${rules}`;
    const key = `${count}:${sum}:${setting}`;
    const prev = this.built;
    if (prev?.key === key) return prev;
    const base = { setting, count, sum, scoredUpTo };
    const added = prev?.base.setting === setting ? this.newerFlagged(prev.base) : null;
    this.built = prev && added ? this.extend(prev, added, key, base) : this.build(key, base);
    return this.built;
  }

  /**
   * The flagged entries (suppressed ones left out: they are part of no incident) with ids above
   * `after`. `+` keeps SQLite on the flagged part of scores_anomaly rather than a log_id range.
   */
  private flaggedAfter(after: number): FlaggedRow[] {
    return this.db
      .prepare(
        `SELECT l.id, l.ts_ms AS tsMs, l.ip, l.method, l.endpoint, l.status, l.bytes,
                l.user_agent AS userAgent, s.combined_score AS score
         FROM scores s JOIN logs l ON l.id = s.log_id
         WHERE s.is_anomaly = 1 AND +s.log_id > ? AND NOT ${suppressedSql()}`,
      )
      .all(after) as FlaggedRow[];
  }

  private dataStart(): number {
    return (this.db.prepare('SELECT min(ts_ms) FROM logs').pluck().get() as number | null) ?? 0;
  }

  /**
   * The live tail's case: only entries newer than the last build were scored. The flagged
   * entries up to the last build's newest score must be as they were (same count and score sum)
   * and the data must start where it did; then the flagged entries scored since, else null.
   */
  private newerFlagged(base: Base): FlaggedRow[] | null {
    const [count, sum] = this.db
      .prepare('SELECT count(*), total(combined_score) FROM scores WHERE is_anomaly = 1 AND +log_id <= ?')
      .raw()
      .get(base.scoredUpTo) as [number, number];
    if (count !== base.count || sum !== base.sum || this.dataStart() !== base.dataStart) return null;
    return this.flaggedAfter(base.scoredUpTo);
  }

  /** Every flagged entry grouped afresh. */
  private build(key: string, b: Pick<Base, 'setting' | 'count' | 'sum' | 'scoredUpTo'>): Built {
    const base: Base = {
      ...b,
      dataStart: this.dataStart(),
      seen: new Map(),
      byExtent: new Map(),
      byId: new Map(),
    };
    const rows = this.flaggedAfter(0);
    return { key, incidents: sorted(this.group(rows, base), base), flagged: rows.length, base };
  }

  /**
   * The last build plus newer flagged entries. An incident that ended a grouping gap before the
   * earliest of them cannot change (no entry can join its IP's run, and no group starting that
   * late can join its endpoint cluster), so it stands; the entries of the others and the new ones
   * are grouped again. The result is what a full build would give, at the cost of the recent part.
   */
  private extend(prev: Built, added: FlaggedRow[], key: string, b: Pick<Base, 'count' | 'sum' | 'scoredUpTo'>): Built {
    const base: Base = { ...prev.base, ...b };
    if (added.length === 0) return { ...prev, key, base };
    const cutoff = added.reduce((m, r) => Math.min(m, r.tsMs), Infinity) - catalogueLookbackMs(this.windowMs());
    const settled: Entry[] = [];
    const regroup = [...added];
    for (const x of prev.incidents) {
      if (x.group.rows[x.group.rows.length - 1].tsMs < cutoff) settled.push(x);
      else for (const r of x.group.rows) regroup.push(r);
    }
    const incidents = sorted(settled.concat(this.group(regroup, base)), base);
    return { key, incidents, flagged: prev.flagged + added.length, base };
  }

  /** Groups the rows into incidents, reusing the entry of any group seen before. */
  private group(rows: readonly FlaggedRow[], base: Base): Entry[] {
    const windowMs = this.windowMs();
    // First-seen times of the IPs not looked up yet, in one statement (one index seek each).
    const unseen = [...new Set(rows.map((r) => r.ip))].filter((ip) => !base.seen.has(ip));
    if (unseen.length > 0) {
      const found = this.db
        .prepare('SELECT j.value, (SELECT min(ts_ms) FROM logs WHERE ip = j.value) FROM json_each(?) j')
        .raw()
        .all(JSON.stringify(unseen)) as Array<[string, number]>;
      for (const [ip, t] of found) base.seen.set(ip, t - base.dataStart < windowMs ? null : t);
    }
    const isNew = (ip: string, atMs: number) => {
      const t = base.seen.get(ip) ?? null;
      return t !== null && atMs - t < 86_400_000;
    };
    // Entries closer than the catalogue's long window belong together: a slow brute force (a
    // POST every few minutes) is one incident, as its 1 h counts are one story.
    return groupIncidents(rows, catalogueLookbackMs(windowMs), isNew).map((group) => {
      // A group with the same kind, ends and size holds the same entries: its entry stands.
      const same = base.byExtent.get(extentOf(group));
      if (same) return same;
      const id = `${group.kind}-${group.rows[0].id}`;
      const score = group.rows.reduce((m, r) => Math.max(m, r.score), -Infinity);
      // What it grew from: the last counted incident with its first entry (a chain of one).
      const was = base.byId.get(id);
      const grewFrom = was?.incident && was.incident.entries >= 0 ? was : was?.grewFrom;
      return { id, score, group, incident: null, grewFrom };
    });
  }

  /** The entry's incident as shown: described and its entries counted (once, then kept). */
  private shown(x: Entry, base: Base): Incident {
    x.incident ??= this.describe(x, base);
    this.countEntries(x, x.incident);
    return x.incident;
  }

  private describe(x: Entry, base: Base): Incident {
    const { group } = x;
    const g = group.rows;
    const first = g[0];
    const last = g[g.length - 1];
    const ipCounts = top(
      g.map((r) => r.ip),
      Infinity,
    );
    const ips = ipCounts.map(([ip]) => ip);
    // When its IP was first seen; null when it was there as the log began (within the window, as the catalogue counts it).
    const seen = group.kind === 'ip' ? (base.seen.get(first.ip) ?? null) : null;
    return {
      id: x.id,
      kind: group.kind,
      ...describeIncident(group, seen),
      score: x.score,
      firstTsMs: first.tsMs,
      lastTsMs: last.tsMs,
      ips: ips.slice(0, MAX_IPS),
      ipCount: ips.length,
      flagged: g.length,
      entries: -1, // counted when shown (countEntries)
      topEndpoints: top(g.map((r) => r.endpoint)).map(([endpoint, count]) => ({ endpoint, count })),
      statuses: top(g.map((r) => r.status)).map(([status, count]) => ({ status, count })),
      userAgents: top(g.flatMap((r) => (r.userAgent === null ? [] : [r.userAgent]))).map(([userAgent, count]) => ({
        userAgent,
        count,
      })),
    };
  }
}

const extentOf = (g: Group) => `${g.kind}:${g.rows[0].id}:${g.rows.length}:${g.rows[g.rows.length - 1].id}`;

/**
 * The most anomalous first; among equals, the larger story, then the earlier first entry (a
 * total order, so a build and an update agree). Remembers them by extent and id in `base`.
 */
function sorted(incidents: Entry[], base: Base): Entry[] {
  base.byExtent = new Map(incidents.map((x) => [extentOf(x.group), x]));
  base.byId = new Map(incidents.map((x) => [x.id, x]));
  return incidents.sort(
    (a, b) =>
      b.score - a.score || b.group.rows.length - a.group.rows.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
