import { dominantEndpoint, MEMBER_MAX_ROWS, MIN_ENDPOINT_IPS, type FlaggedRow, type Group } from './group';

/**
 * The grouping of group.ts (`groupIncidents`), kept up to date as flagged entries arrive: only
 * the IPs that got entries are split into runs again, and only the endpoint clusters from the
 * first changed member on are swept again. The groups it holds always equal what
 * `groupIncidents` gives for all the rows added so far (test/unit/incidents/liveGroups.test.ts).
 */

/** One IP's entries closer than the gap to each other. */
interface Run {
  ip: string;
  rows: FlaggedRow[];
  /** The endpoint it is a candidate member of an endpoint incident for; null when it stands alone. */
  endpoint: string | null;
  /** Its own incident: always for a run that stands alone; for a candidate, while its cluster is too small. */
  group: Group | null;
}

interface Cluster {
  members: Run[];
  /** The endpoint incident, when the cluster holds MIN_ENDPOINT_IPS IPs or more. */
  group: Group | null;
}

interface EndpointState {
  /** Candidate runs by their first entry (time, id). */
  members: Run[];
  clusters: Cluster[];
}

export interface GroupDelta {
  removed: Group[];
  added: Group[];
}

const NO_RUNS: readonly Run[] = [];

const byTime = (a: FlaggedRow, b: FlaggedRow) => a.tsMs - b.tsMs || a.id - b.id;
const byStart = (a: Run, b: Run) => byTime(a.rows[0], b.rows[0]);

/** Rows that are the same only if the groups are (ids are unique; the sum guards a swapped member). */
function extentOf(g: Group): string {
  const r = g.rows;
  let sum = 0;
  if (g.kind === 'endpoint') for (const x of r) sum += x.id;
  return `${g.kind}:${r[0].id}:${r.length}:${r[r.length - 1].id}:${sum}`;
}

/** The runs are of MIN_ENDPOINT_IPS IPs or more. */
function enoughIps(runs: readonly Run[]): boolean {
  if (runs.length < MIN_ENDPOINT_IPS) return false;
  const ips: string[] = [];
  for (const r of runs) {
    if (!ips.includes(r.ip)) ips.push(r.ip);
    if (ips.length >= MIN_ENDPOINT_IPS) return true;
  }
  return false;
}

/** Merges two arrays sorted by `cmp`. */
function merge<T>(a: readonly T[], b: readonly T[], cmp: (x: T, y: T) => number): T[] {
  if (b.length === 0) return a.slice();
  if (a.length === 0) return b.slice();
  const out: T[] = new Array<T>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = cmp(a[i], b[j]) <= 0 ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

/** How many IPs or endpoints are worked through between two chances to yield. */
const STEP = 500;
/** Rows a full load works through between two chances to yield. */
const LOAD_ROWS = 3_000;

/** Rows [from, to) appended to their IP's list. */
function byIpInto(byIp: Map<string, FlaggedRow[]>, rows: readonly FlaggedRow[], from: number, to: number): void {
  for (let k = from; k < to; k++) {
    const r = rows[k];
    const list = byIp.get(r.ip);
    if (list) list.push(r);
    else byIp.set(r.ip, [r]);
  }
}

/** What one `add` changed: groups that may go or came, and the endpoints whose candidates changed. */
class Changes {
  /** Groups that may go: reused when a group of the same extent comes back, else removed. */
  private readonly maybeGone = new Map<string, Group>();
  private readonly removed: Group[] = [];
  private readonly added: Group[] = [];
  readonly members = new Map<string, { gone: Set<Run>; came: Run[] }>();
  /** Runs whose old group is stale whatever their extent (IP age changed). */
  readonly forcedRuns = new Set<Run>();

  drop(g: Group | null, forced: boolean): void {
    if (g === null) return;
    if (forced) this.removed.push(g);
    else this.maybeGone.set(extentOf(g), g);
  }

  keep(g: Group): Group {
    const key = extentOf(g);
    const old = this.maybeGone.get(key);
    if (old) {
      this.maybeGone.delete(key);
      return old;
    }
    this.added.push(g);
    return g;
  }

  of(endpoint: string): { gone: Set<Run>; came: Run[] } {
    let c = this.members.get(endpoint);
    if (!c) this.members.set(endpoint, (c = { gone: new Set(), came: [] }));
    return c;
  }

  delta(): GroupDelta {
    return { removed: this.removed.concat([...this.maybeGone.values()]), added: this.added };
  }
}

export class LiveGroups {
  private readonly rowsByIp = new Map<string, FlaggedRow[]>();
  private readonly runsByIp = new Map<string, Run[]>();
  private readonly endpoints = new Map<string, EndpointState>();

  constructor(
    private readonly gapMs: number,
    private readonly isNew: (ip: string, atMs: number) => boolean,
  ) {}

  /**
   * Adds flagged rows (any timestamps) and re-classifies the runs of `refresh` IPs (their first
   * sighting changed); yields now and then so a caller can spread the work. Returns the groups
   * that went and came; an unchanged group keeps its object, so what hangs on it can be kept.
   * Groups of `refresh` IPs' runs are always new objects (their summaries say the IP's age).
   * `removed`: ids of rows that leave first (rescored: no longer flagged, or flagged anew with
   * another score, then in `rows` again); their IPs must be in `refresh`.
   */
  *add(
    rows: readonly FlaggedRow[],
    refresh: ReadonlySet<string> = new Set(),
    removed: ReadonlySet<number> = new Set(),
  ): Generator<void, GroupDelta> {
    const incoming = new Map<string, FlaggedRow[]>();
    byIpInto(incoming, rows, 0, rows.length);
    for (const ip of refresh) if (!incoming.has(ip) && this.rowsByIp.has(ip)) incoming.set(ip, []);
    const changes = new Changes();
    // The loops run in plain methods (a generator's own loop is not optimised), a batch at a time.
    const ips = [...incoming];
    for (let i = 0; i < ips.length; i += STEP) {
      if (i > 0) yield;
      this.resplit(ips.slice(i, i + STEP), refresh, removed, changes);
    }
    let n = 0;
    for (const [e, c] of changes.members) {
      if (++n % STEP === 0 || (this.endpoints.get(e)?.members.length ?? 0) > STEP / 5) yield;
      this.recluster(e, c.gone, c.came, changes);
    }
    return changes.delta();
  }

  /** The IPs' rows with the new ones, cut into runs again; runs that stay the same keep their object. */
  private resplit(
    batch: ReadonlyArray<[string, FlaggedRow[]]>,
    refresh: ReadonlySet<string>,
    removed: ReadonlySet<number>,
    changes: Changes,
  ): void {
    for (const [ip, fresh] of batch) {
      fresh.sort(byTime);
      let had = this.rowsByIp.get(ip);
      if (had && removed.size > 0) had = had.filter((r) => !removed.has(r.id));
      const all = had ? merge(had, fresh, byTime) : fresh;
      if (all.length > 0) this.rowsByIp.set(ip, all);
      else this.rowsByIp.delete(ip);
      const forced = refresh.has(ip);
      const old = this.runsByIp.get(ip) ?? NO_RUNS;
      const oldByKey = old.length > 0 ? new Map<string, Run>() : null;
      for (const run of old) {
        if (forced) changes.forcedRuns.add(run);
        else oldByKey!.set(this.runKey(run.rows, run.endpoint), run);
      }
      const next: Run[] = [];
      for (const part of this.split(all)) {
        const endpoint = this.candidateFor(part);
        const key = oldByKey && oldByKey.size > 0 ? this.runKey(part, endpoint) : null;
        const same = key === null ? undefined : oldByKey!.get(key);
        if (same) {
          oldByKey!.delete(key!);
          next.push(same);
          continue;
        }
        const run: Run = { ip, rows: part, endpoint, group: null };
        if (endpoint === null) run.group = changes.keep({ kind: 'ip', rows: part });
        else changes.of(endpoint).came.push(run);
        next.push(run);
      }
      for (const run of forced ? old : (oldByKey?.values() ?? NO_RUNS)) {
        if (run.endpoint === null) changes.drop(run.group, forced);
        else changes.of(run.endpoint).gone.add(run);
      }
      if (next.length > 0) this.runsByIp.set(ip, next);
      else this.runsByIp.delete(ip);
    }
  }

  /** The rows held whose timestamp `inside` accepts (what a rescored time range had flagged). */
  rowsWhere(inside: (tsMs: number) => boolean): FlaggedRow[] {
    const out: FlaggedRow[] = [];
    for (const rows of this.rowsByIp.values()) for (const r of rows) if (inside(r.tsMs)) out.push(r);
    return out;
  }

  /**
   * All the rows at once into an empty grouping (a full build): the same state `add` would
   * reach, by the long loops of `groupIncidents` (per IP in time order, one pass), which cost
   * far less than the bookkeeping of changes. Rows are put with their IP a batch at a time and
   * each IP's sorted as its runs are made: one sort of all of them held the loop ~70 ms at 231k
   * rows. Returns every group.
   */
  *load(rows: readonly FlaggedRow[]): Generator<void, Group[]> {
    if (this.rowsByIp.size > 0) throw new Error('load() needs an empty grouping');
    const byIp = new Map<string, FlaggedRow[]>();
    for (let i = 0; i < rows.length; i += LOAD_ROWS) {
      yield;
      byIpInto(byIp, rows, i, Math.min(rows.length, i + LOAD_ROWS));
    }
    const ips = [...byIp];
    const out: Group[] = [];
    const candidates = new Map<string, Run[]>();
    for (let i = 0; i < ips.length;) {
      yield;
      i = this.loadRuns(ips, i, LOAD_ROWS, out, candidates);
    }
    const endpoints = [...candidates];
    for (let i = 0; i < endpoints.length; i += STEP) {
      yield;
      this.loadClusters(endpoints.slice(i, i + STEP), out);
    }
    return out;
  }

  /** Runs of the IPs from `from` on, about `count` rows' worth; returns where it stopped. */
  private loadRuns(
    ips: ReadonlyArray<[string, FlaggedRow[]]>,
    from: number,
    count: number,
    out: Group[],
    candidates: Map<string, Run[]>,
  ): number {
    let i = from;
    for (let n = 0; i < ips.length && n < count; i++) {
      const [ip, all] = ips[i];
      n += all.length;
      all.sort(byTime);
      this.rowsByIp.set(ip, all);
      const runs: Run[] = [];
      for (const part of this.split(all)) {
        const endpoint = this.candidateFor(part);
        const run: Run = { ip, rows: part, endpoint, group: null };
        if (endpoint === null) out.push((run.group = { kind: 'ip', rows: part }));
        else {
          const list = candidates.get(endpoint);
          if (list) list.push(run);
          else candidates.set(endpoint, [run]);
        }
        runs.push(run);
      }
      this.runsByIp.set(ip, runs);
    }
    return i;
  }

  /** The endpoints' candidates swept into clusters, as `recluster` would from nothing. */
  private loadClusters(endpoints: ReadonlyArray<[string, Run[]]>, out: Group[]): void {
    for (const [e, members] of endpoints) {
      members.sort(byStart);
      const clusters: Cluster[] = [];
      let cluster: Run[] = [];
      let end = -Infinity;
      for (const m of members) {
        if (cluster.length > 0 && m.rows[0].tsMs - end >= this.gapMs) {
          clusters.push({ members: cluster, group: null });
          cluster = [];
        }
        cluster.push(m);
        end = Math.max(end, m.rows[m.rows.length - 1].tsMs);
      }
      if (cluster.length > 0) clusters.push({ members: cluster, group: null });
      for (const x of clusters) {
        if (enoughIps(x.members)) {
          const rows =
            x.members.length === 1 ? x.members[0].rows.slice() : x.members.flatMap((m) => m.rows).sort(byTime);
          out.push((x.group = { kind: 'endpoint', rows }));
        } else for (const m of x.members) out.push((m.group = { kind: 'ip', rows: m.rows }));
      }
      this.endpoints.set(e, { members, clusters });
    }
  }

  /** Every group now (what `groupIncidents` over all rows added gives, in no particular order). */
  groups(): Group[] {
    const out: Group[] = [];
    for (const runs of this.runsByIp.values()) for (const run of runs) if (run.group) out.push(run.group);
    for (const state of this.endpoints.values()) for (const c of state.clusters) if (c.group) out.push(c.group);
    return out;
  }

  private runKey(rows: readonly FlaggedRow[], endpoint: string | null): string {
    return `${rows[0].id}:${rows.length}:${rows[rows.length - 1].id}:${endpoint ?? ''}`;
  }

  /** One IP's rows (in time order) cut where the gap to the previous one reaches `gapMs`. */
  private split(rows: readonly FlaggedRow[]): FlaggedRow[][] {
    const out: FlaggedRow[][] = [];
    let cur: FlaggedRow[] = [];
    for (const r of rows) {
      if (cur.length > 0 && r.tsMs - cur[cur.length - 1].tsMs >= this.gapMs) {
        out.push(cur);
        cur = [];
      }
      cur.push(r);
    }
    if (cur.length > 0) out.push(cur);
    return out;
  }

  private candidateFor(rows: readonly FlaggedRow[]): string | null {
    return rows.length <= MEMBER_MAX_ROWS && this.isNew(rows[0].ip, rows[0].tsMs) ? dominantEndpoint(rows) : null;
  }

  /**
   * Sweeps the endpoint's candidates again from the cluster the first change falls in, as
   * `groupIncidents` does from the start (the sweep before that point cannot differ), and stops
   * where, past every change, it starts a cluster where the last sweep started one too.
   */
  private recluster(e: string, gone: ReadonlySet<Run>, came: Run[], changes: Changes): void {
    let state = this.endpoints.get(e);
    if (!state) this.endpoints.set(e, (state = { members: [], clusters: [] }));
    came.sort(byStart);
    let first = came[0];
    let last = came[came.length - 1];
    for (const r of gone) {
      if (first === undefined || byStart(r, first) < 0) first = r;
      if (last === undefined || byStart(r, last) > 0) last = r;
    }
    const members =
      gone.size > 0
        ? merge(
            state.members.filter((r) => !gone.has(r)),
            came,
            byStart,
          )
        : merge(state.members, came, byStart);
    // The last old cluster that starts before the first change: the sweep is redone from its start.
    const old = state.clusters;
    let c = old.length - 1;
    while (c >= 0 && byStart(old[c].members[0], first) >= 0) c--;
    c = Math.max(c, 0);
    let p = 0;
    if (old.length > 0 && byStart(old[c].members[0], first) < 0) {
      const start = old[c].members[0];
      let lo = 0;
      let hi = members.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (byStart(members[mid], start) < 0) lo = mid + 1;
        else hi = mid;
      }
      p = lo;
    }
    const oldStarts = old.length > c ? new Map<Run, number>() : null;
    for (let i = c; i < old.length; i++) oldStarts!.set(old[i].members[0], i);

    const swept: Cluster[] = [];
    let stopAt = old.length;
    let cluster: Run[] = [];
    let end = -Infinity;
    for (let i = p; i < members.length; i++) {
      const m = members[i];
      if (cluster.length > 0 && m.rows[0].tsMs - end >= this.gapMs) {
        swept.push({ members: cluster, group: null });
        cluster = [];
        const again = oldStarts?.get(m);
        if (again !== undefined && byStart(m, last) > 0) {
          stopAt = again;
          break;
        }
      }
      cluster.push(m);
      end = Math.max(end, m.rows[m.rows.length - 1].tsMs);
    }
    if (cluster.length > 0) swept.push({ members: cluster, group: null });

    // What the replaced clusters held may go (gone members are among them: none is before `first`).
    for (let i = c; i < stopAt; i++) {
      const x = old[i];
      // A forced member (its IP refreshed, or its rows rescored) may hold new scores under the same extent.
      if (x.group)
        changes.drop(
          x.group,
          x.members.some((m) => changes.forcedRuns.has(m)),
        );
      else for (const m of x.members) changes.drop(m.group, changes.forcedRuns.has(m));
    }
    for (const x of swept) {
      if (enoughIps(x.members)) {
        for (const m of x.members) m.group = null;
        const rows = x.members.length === 1 ? x.members[0].rows.slice() : x.members.flatMap((m) => m.rows).sort(byTime);
        x.group = changes.keep({ kind: 'endpoint', rows });
      } else for (const m of x.members) m.group = changes.keep(m.group ?? { kind: 'ip', rows: m.rows });
    }
    state.members = members;
    state.clusters = c === 0 && stopAt === old.length ? swept : old.slice(0, c).concat(swept, old.slice(stopAt));
  }
}
