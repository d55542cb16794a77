import type { z } from 'zod';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Incident, IncidentDetail, IncidentPage, IncidentQuerySchema } from '../../shared/schemas/incidents';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';
import { catalogueLookbackMs } from '../features/catalogueWindow';
import { SUPPRESSIONS_STATE_SQL, suppressedSql } from '../feedback/suppressed';
import { searchSql } from '../search/language';
import { cached, countEntriesIn, countNew, entriesAfter, type NewEntries } from './entryCounts';
import type { FlaggedRow, Group } from './group';
import { LiveGroups, type GroupDelta } from './liveGroups';
import { FirstSightings } from './firstSeen';
import { CompactRows } from './compactRows';
import { incidentOf } from './incidentOf';
import {
  addPrint,
  addTo,
  BUCKET_MS,
  bucketOf,
  bucketRuns,
  flaggedBuckets,
  readPrints,
  differingHours,
  SCORE_SQL,
  totalOf,
  type Print,
  type Prints,
  type TimeRange,
} from './flaggedPrints';
import { Job, SLICE_MS } from './slices';

type Query = z.output<typeof IncidentQuerySchema>;

const MAX_DETAIL_ROWS = 5_000;
/** Flagged entries read, and IPs looked up, per step of a full build. */
const CHUNK = 500;
/** Flagged entries' ids and scores read per step of a full build (~10 ms). */
const SNAPSHOT_PAGE = 10_000;
/** More entries stored since the last update than this: a full build (in slices) rather than one long read of them. */
const MAX_FOLLOWED = 50_000;
/** Hours of prints compared per step when looking for what a rescoring changed. */
const PRINT_WINDOW = 24 * 7;
/** Consecutive changed hours whose flagged entries are read in one step. */
const READ_HOURS = 24;
const MINUTE_MS = 60_000;
/** Updates a waiting reader lets run before it takes the state as is (the tail never stops). */
const MAX_ROUNDS = 4;

/**
 * One incident of a state: what sorts it is known at once; its description is made when it is
 * first shown (most of thousands never are) and kept while its group stays the same.
 */
interface Entry {
  id: string;
  score: number;
  group: Group;
  incident: Incident | null;
  /** Its IPs, once asked for. */
  ips?: Set<string>;
  /** `incident.entries` counts the entries with ids up to this (-1: not counted). */
  countedUpTo: number;
  /** The counted entry of an earlier state this one grew from (same first entry), for countEntries. */
  grewFrom?: Entry;
}

/** What the flagged set and its setting looked like when read (`key` changes with either). */
interface Probe {
  key: string;
  setting: string;
  /** The flagged set's totals, as the prints add up (count, id sum, score sum in millionths). */
  totals: Print;
  scoredUpTo: number;
  /** The newest stored entry: counts are as of it, so entries stored unscored change the key too. */
  logsUpTo: number;
}

interface State {
  key: string;
  incidents: Entry[];
  flagged: number;
  base: Base;
}

/**
 * What a state was made from. A state updated from another shares its grouping, sightings and
 * entries (the update changes them in place; no reader looks at a state while an update runs:
 * it waits for it or finishes it first).
 */
interface Base {
  /** Window, suppression rules and sources the state used: a change to any means a full build. */
  setting: string;
  /** The prints added up: the flagged entries (suppressed ones too) with ids up to `scoredUpTo`. */
  totals: Print;
  scoredUpTo: number;
  /** Entries (log ids) the state knows of: first sightings and counts are as of these. */
  logsUpTo: number;
  dataStart: number;
  /** When each IP was first seen (among logs up to logsUpTo). */
  sightings: FirstSightings;
  /** The flagged entries (suppressed ones too) with ids up to scoredUpTo, per hour (flaggedPrints.ts). */
  prints: Prints;
  groups: LiveGroups;
  entryOf: Map<Group, Entry>;
  /** Makes the rows the grouping keeps compact (their strings shared). */
  rows: CompactRows;
}

/**
 * Incidents over the stored scores, kept current as entries are scored: the flagged count and
 * score sum (read from the `scores_flagged` index), the newest stored entry, the window, the
 * suppression rules and the sources are the state's key. When only newer entries were scored, the new flagged entries are
 * added to the grouping (liveGroups.ts: only their IPs and endpoints are looked at again);
 * otherwise (a retrain, a rule, a removed source) everything is grouped afresh. Either runs as a
 * Job: readers that can wait (`settle`, `page`) let it run in slices, the others finish it; the
 * new state replaces the old one only when complete.
 */
export class IncidentStore {
  private state: State | null = null;
  private job: Job<State> | null = null;
  /** Full builds begun (tests check that a rescoring is followed without one). */
  fullBuilds = 0;
  /** Updates that compared the prints of every hour (a rescoring's hints did not account for a change). */
  fullCompares = 0;
  /** Time ranges being rescored now: every update looks at their hours (their writes land in slices). */
  private readonly writing = new Set<TimeRange>();
  /** Time ranges rescored since the last update began: the next one looks at their hours. */
  private pending: TimeRange[] = [];

  constructor(
    private readonly db: Db,
    private readonly windowMs: () => number,
    /** Longest stretch an update or a page holds the event loop (tests use 0: a step a turn). */
    private readonly sliceMs = SLICE_MS,
  ) {}

  /**
   * The entries of `range` are about to get new scores (a rescoring writes them in slices):
   * until `rescored(range)`, every update regroups what changed in its hours without comparing
   * every other hour. Anything else that changed still shows in the flagged set's totals.
   */
  rescoring(range: TimeRange): void {
    this.writing.add(range);
  }

  /** The scores of `range` (the object given to `rescoring`, or a new one) are written. */
  rescored(range: TimeRange): void {
    this.writing.delete(range);
    this.pending.push(range);
  }

  /** Brings the incidents up to date with the scores, holding the event loop no more than a slice at a time. */
  async settle(): Promise<void> {
    await this.settled();
  }

  /** A page of incidents, as `list` gives it, with the work to bring it up to date done in slices. */
  async page(q: Query): Promise<IncidentPage> {
    for (let round = 0; ; round++) {
      const s = await this.settled();
      const matching = q.q ? this.matching(q.q, s) : s.incidents;
      const wanted = matching.slice(q.offset, q.offset + q.limit);
      let until = performance.now() + this.sliceMs;
      let moved = false;
      for (const x of wanted) {
        if (performance.now() > until) {
          await yieldToLoop();
          // Another reader may have brought in a newer state meanwhile: start again from it.
          if (this.state !== s || this.job) {
            moved = true;
            break;
          }
          until = performance.now() + this.sliceMs;
        }
        this.shown(x, s);
      }
      if (!moved) return this.pageOf(q, s, matching);
      // The scores keep changing faster than pages are made: this one is made at once.
      if (round >= MAX_ROUNDS) return this.list(q);
    }
  }

  /** Synchronous: whatever is left to bring the incidents up to date is done now. */
  list(q: Query): IncidentPage {
    const s = this.current();
    return this.pageOf(q, s, q.q ? this.matching(q.q, s) : s.incidents);
  }

  /** One incident with every entry of its IPs in its period; null when no such incident exists now. */
  detail(id: string): IncidentDetail | null {
    const s = this.current();
    const found = s.incidents.find((x) => x.id === id);
    if (!found) return null;
    const incident = this.shown(found, s);
    const rows = cached(
      this.db,
      `SELECT l.id, l.ts_ms AS tsMs, l.ip, l.method, l.endpoint, l.status, s.votes,
                s.is_anomaly AS isAnomaly, coalesce(s.combined_score, 0) AS combinedScore
         FROM logs l LEFT JOIN scores s ON s.log_id = l.id
         WHERE l.ip IN (SELECT value FROM json_each(?)) AND l.ts_ms BETWEEN ? AND ? AND l.id <= ?
         ORDER BY l.ts_ms, l.id LIMIT ?`,
    ).all(
      JSON.stringify([...this.ipsOf(found)]),
      incident.firstTsMs,
      incident.lastTsMs,
      s.base.logsUpTo,
      MAX_DETAIL_ROWS + 1,
    ) as Array<Omit<IncidentDetail['rows'][number], 'isAnomaly'> & { isAnomaly: number | null }>;
    const truncated = rows.length > MAX_DETAIL_ROWS;
    return {
      ...incident,
      rows: rows
        .slice(0, MAX_DETAIL_ROWS)
        .map((r) => ({ ...r, isAnomaly: r.isAnomaly === null ? null : r.isAnomaly === 1 })),
      truncated,
    };
  }

  /** Ids of the incident's flagged entries (what a verdict on it labels); null when it does not exist now. */
  flaggedIds(id: string): number[] | null {
    const found = this.current().incidents.find((x) => x.id === id);
    return found ? found.group.rows.map((r) => r.id) : null;
  }

  private pageOf(q: Query, s: State, matching: Entry[]): IncidentPage {
    return {
      incidents: matching.slice(q.offset, q.offset + q.limit).map((x) => this.shown(x, s)),
      total: matching.length,
      flagged: s.flagged,
    };
  }

  /**
   * Incidents with a flagged entry the search matches. The flagged entries are few next to all
   * entries, so LIKE over them beats narrowing through the search index first.
   */
  private matching(q: string, s: State): Entry[] {
    const sq = searchSql(q);
    const ids = new Set(
      this.db
        .prepare(
          `SELECT l.id FROM scores s JOIN logs l ON l.id = s.log_id WHERE s.is_anomaly = 1 AND +s.log_id > 0 AND ${sq.sql}`,
        )
        .pluck()
        .all(...sq.params) as number[],
    );
    return s.incidents.filter((x) => x.group.rows.some((r) => ids.has(r.id)));
  }

  // --- Keeping the state current -------------------------------------------------------------

  private probe(): Probe {
    const [count, sum, ids, score, scoredUpTo] = cached(
      this.db,
      `SELECT count(*), total(s.combined_score), coalesce(sum(s.log_id), 0), coalesce(sum(${SCORE_SQL}), 0),
              (SELECT coalesce(max(log_id), 0) FROM scores)
         FROM scores s WHERE s.is_anomaly = 1`,
    )
      .raw()
      .get() as [number, number, number, number, number];
    const rules = cached(this.db, SUPPRESSIONS_STATE_SQL).pluck().get() as string;
    const sources = cached(this.db, "SELECT count(*) || ':' || total(id) FROM sources").pluck().get() as string;
    const setting = `${this.windowMs()}:${rules}:${sources}`;
    const logsUpTo = cached(this.db, 'SELECT coalesce(max(id), 0) FROM logs').pluck().get() as number;
    return {
      key: `${count}:${sum}:${ids}:${score}:${logsUpTo}:${setting}`,
      setting,
      totals: { count, ids, score },
      scoredUpTo,
      logsUpTo,
    };
  }

  /** The state now, any update finished synchronously. */
  private current(): State {
    for (;;) {
      if (this.job) this.publish(this.job, () => this.job!.finish());
      const p = this.probe();
      if (this.state?.key === p.key) return this.state;
      this.job = new Job(this.update(p));
    }
  }

  /** The state now (or after MAX_ROUNDS updates, if the scores keep changing), updated in slices. */
  private async settled(): Promise<State> {
    for (let round = 0; ; round++) {
      if (!this.job) {
        const p = this.probe();
        if (this.state?.key === p.key || (this.state && round >= MAX_ROUNDS)) return this.state;
        this.job = new Job(this.update(p), this.sliceMs);
      }
      const job = this.job;
      const s = await job.drive().catch((err: unknown) => {
        if (this.job === job) this.job = null;
        throw err;
      });
      this.publish(job, () => s);
    }
  }

  /** The job's state becomes the current one (unless someone else published it already); a failed job is dropped. */
  private publish(job: Job<State>, result: () => State): void {
    try {
      const s = result();
      if (this.job !== job) return;
      this.state = s;
    } finally {
      if (this.job === job) this.job = null;
    }
  }

  /** The next state: the last one plus newer flagged entries when that is all that changed, else a full build. */
  private *update(p: Probe): Generator<void, State> {
    // Taken as the probe is made (no yield before): ranges rescored later are the next update's.
    const hints = [...this.pending, ...this.writing];
    this.pending = [];
    const prev = this.state;
    if (prev?.base.setting === p.setting) {
      const next = this.extend(prev, p);
      if (next) return yield* next;
      if (!this.mostRescored(hints)) {
        const again = yield* this.regroupChanged(prev, p, hints);
        if (again) return again;
      }
    }
    for (;;) {
      const built = yield* this.build(p);
      if (built) return built;
      p = this.probe();
    }
  }

  /**
   * The ranges hold more than half of the entries (a model's rescoring of the log, say): then
   * a full build, in short steps, costs less than comparing and regrouping what changed, whose
   * first step alone (the prints of every rescored hour, read at once) held the loop ~250 ms at
   * 4M entries. Counted from the entries per minute.
   */
  private mostRescored(ranges: readonly TimeRange[]): boolean {
    if (ranges.length === 0) return false;
    const count = cached(
      this.db,
      'SELECT coalesce(sum(n), 0) FROM log_minutes WHERE minute >= ? AND minute < ?',
    ).pluck();
    const all = count.get(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) as number;
    let covered = 0;
    for (const [first, last] of bucketRuns(ranges, -Infinity, Infinity)) {
      covered += count.get((first * BUCKET_MS) / MINUTE_MS, ((last + 1) * BUCKET_MS) / MINUTE_MS) as number;
    }
    return covered > all / 2;
  }

  private dataStart(): number {
    return (cached(this.db, 'SELECT min(ts_ms) FROM logs').pluck().get() as number | null) ?? 0;
  }

  /**
   * The flagged entries (suppressed ones left out: they are part of no incident) with ids in
   * (after, upTo]. `+` keeps SQLite on the flagged rows' index (scores_flagged) rather than a log_id range.
   */
  private flaggedBetween(after: number, upTo: number, rows: CompactRows): FlaggedRow[] {
    const read = cached(
      this.db,
      `SELECT l.id, l.ts_ms AS tsMs, l.ip, l.method, l.endpoint, l.status, l.bytes,
                l.user_agent AS userAgent, s.combined_score AS score
         FROM scores s JOIN logs l ON l.id = s.log_id
         WHERE s.is_anomaly = 1 AND +s.log_id > ? AND +s.log_id <= ? AND NOT ${suppressedSql()}`,
    );
    return (read.all(after, upTo) as FlaggedRow[]).map((r) => rows.of(r));
  }

  /**
   * The flagged entries up to the base's newest score add up as the base's do (the probe's
   * totals less those of newer ids: a short id range, not the whole flagged set), and the data
   * starts where it did. `p` must be read in the same synchronous step.
   */
  private unchangedUpTo(base: Base, p: Probe): boolean {
    const newer = this.totalsAfter(base.scoredUpTo, p.scoredUpTo);
    const t = p.totals;
    const b = base.totals;
    return (
      t.count - newer.count === b.count &&
      t.ids - newer.ids === b.ids &&
      t.score - newer.score === b.score &&
      this.dataStart() === base.dataStart
    );
  }

  /** Totals of the flagged entries with ids in (after, upTo] (a range of the primary key). */
  private totalsAfter(after: number, upTo: number): Print {
    const [count, ids, score] = cached(
      this.db,
      `SELECT count(*), coalesce(sum(s.log_id), 0), coalesce(sum(${SCORE_SQL}), 0)
         FROM scores s WHERE s.log_id > ? AND s.log_id <= ? AND s.is_anomaly = 1`,
    )
      .raw()
      .get(after, upTo) as [number, number, number];
    return { count, ids, score };
  }

  /** Every flagged entry grouped afresh, in steps; null when the scores changed under it (then it starts again). */
  private *build(p: Probe): Generator<void, State | null> {
    this.fullBuilds++;
    const dataStart = this.dataStart();
    const sightings = new FirstSightings(this.db, dataStart, this.windowMs(), p.logsUpTo);
    const base: Base = {
      setting: p.setting,
      totals: { count: 0, ids: 0, score: 0 },
      scoredUpTo: p.scoredUpTo,
      logsUpTo: p.logsUpTo,
      dataStart,
      sightings,
      prints: new Map(),
      // Entries closer than the catalogue's long window belong together: a slow brute force (a
      // POST every few minutes) is one incident, as its 1 h counts are one story.
      groups: new LiveGroups(catalogueLookbackMs(this.windowMs()), (ip, atMs) => sightings.isNew(ip, atMs)),
      entryOf: new Map(),
      rows: new CompactRows(),
    };
    // Ids and scores from the covering scores_flagged index, then the logs rows by id in chunks
    // (CROSS JOIN keeps SQLite on the listed ids).
    // The flagged set in pages along the (ts_ms, log_id) order of scores_flagged_ts, a step each:
    // read at once it held the loop ~0.4 s at 231k flagged entries, and the views' requests with
    // it. Scores written between pages show in the prints of what was read, which the next update
    // compares (as for writes after a snapshot). Typed arrays: an array per row would hold ~100
    // bytes for each of 500k+.
    const page = cached(
      this.db,
      `SELECT s.log_id, s.combined_score, s.ts_ms, ${SCORE_SQL} FROM scores s
        WHERE s.is_anomaly = 1 AND (s.ts_ms, s.log_id) > (?, ?) AND +s.log_id <= ?
        ORDER BY s.ts_ms, s.log_id LIMIT ${SNAPSHOT_PAGE}`,
    ).raw();
    const flagged = new Flagged(p.totals.count);
    for (let afterTs = -Infinity, afterId = 0; ;) {
      yield;
      const rows = page.all(afterTs, afterId, p.scoredUpTo) as Array<[number, number, number, number]>;
      for (const [id, score, tsMs, q] of rows) {
        addPrint(base.prints, tsMs, id, q);
        flagged.push(id, score);
      }
      if (rows.length < SNAPSHOT_PAGE) break;
      [afterId, , afterTs] = rows[rows.length - 1];
    }
    base.totals = totalOf(base.prints);
    const read = cached(
      this.db,
      `SELECT l.id, l.ts_ms AS tsMs, l.ip, l.method, l.endpoint, l.status, l.bytes,
              l.user_agent AS userAgent, 0 AS score
       FROM json_each(?) j CROSS JOIN logs l ON l.id = j.value WHERE NOT ${suppressedSql()}`,
    );
    const rows: FlaggedRow[] = [];
    for (let i = 0; i < flagged.length; i += CHUNK) {
      yield;
      readChunk(read, flagged, i, Math.min(i + CHUNK, flagged.length), base.rows, rows);
    }
    yield* sightings.prepare([...new Set(rows.map((r) => r.ip))]);
    const groups = yield* base.groups.load(rows);
    yield;
    // A rule added or the data cut meanwhile: what was read may be mixed. Scores written meanwhile
    // are not: the state is that of the snapshot, whose prints show the next update what changed.
    if (this.probe().setting !== p.setting || this.dataStart() !== dataStart) return null;
    const incidents: Entry[] = [];
    for (let i = 0; i < groups.length; i += CHUNK) {
      yield;
      this.entriesFor(groups.slice(i, i + CHUNK), base, incidents);
    }
    yield;
    return { key: p.key, incidents: incidents.sort(byRank), flagged: rows.length, base };
  }

  /**
   * The live tail's case: only entries newer than the state's were scored (the flagged entries
   * up to its newest score are as they were, and the data starts where it did). The new flagged
   * entries are added to the grouping; IPs whose first sighting moved earlier (an older entry
   * arrived late) are grouped again; counts already made take in the entries stored since.
   * Null when a full build is needed.
   */
  private extend(prev: State, p: Probe): Generator<void, State> | null {
    const old = prev.base;
    if (!this.unchangedUpTo(old, p)) return null;
    const { logsUpTo } = p;
    if (logsUpTo < old.logsUpTo || logsUpTo - old.logsUpTo > MAX_FOLLOWED) return null;
    const added = this.flaggedBetween(old.scoredUpTo, p.scoredUpTo, old.rows);
    const stored = entriesAfter(this.db, old.logsUpTo, logsUpTo);
    const base: Base = { ...old, totals: p.totals, scoredUpTo: p.scoredUpTo, logsUpTo };
    const refresh = base.sightings.follow(stored, logsUpTo);
    base.sightings.prepareMore(added.map((r) => r.ip));
    const tail = cached(
      this.db,
      `SELECT s.ts_ms, s.log_id, ${SCORE_SQL} FROM scores s WHERE s.log_id > ? AND s.log_id <= ? AND s.is_anomaly = 1`,
    )
      .raw()
      .all(old.scoredUpTo, p.scoredUpTo) as Array<[number, number, number]>;
    for (const [tsMs, id, q] of tail) addPrint(base.prints, tsMs, id, q);
    return this.applying(prev, base, p.key, added, refresh, stored);
  }

  /**
   * A background rescoring's case: older entries got new scores a time range at a time. The
   * hours whose prints changed (flaggedPrints.ts) lose their rows from the grouping and get their
   * flagged entries back as they are now, their IPs grouped again; every other hour is as the
   * state has it. The hours are found among those of the rescored ranges (`hints`) and of the
   * newer ids; when the flagged set's totals show a change elsewhere, among all hours. Null when
   * the data changed, or, comparing all hours, when most entries changed (a full build costs less).
   */
  private *regroupChanged(prev: State, p: Probe, hints: readonly TimeRange[]): Generator<void, State | null> {
    const old = prev.base;
    const { logsUpTo } = p;
    if (this.dataStart() !== old.dataStart) return null;
    if (logsUpTo < old.logsUpTo || logsUpTo - old.logsUpTo > MAX_FOLLOWED) return null;
    let lo = Infinity;
    let hi = -Infinity;
    for (const b of old.prints.keys()) {
      if (b < lo) lo = b;
      if (b > hi) hi = b;
    }
    const span = flaggedBuckets(this.db);
    if (span) [lo, hi] = [Math.min(lo, span[0]), Math.max(hi, span[1])];
    let dirty = hints.length > 0 ? this.hintedChanges(old, p, hints, lo, hi) : null;
    if (!dirty) {
      this.fullCompares++;
      dirty = yield* this.comparedChanges(old, p, lo, hi);
      if (!dirty) return null;
    }
    // Their rows now, in runs of consecutive hours.
    const read = cached(
      this.db,
      `SELECT l.id, l.ts_ms AS tsMs, l.ip, l.method, l.endpoint, l.status, l.bytes,
              l.user_agent AS userAgent, s.combined_score AS score, ${SCORE_SQL} AS q, ${suppressedSql()} AS hidden
         FROM scores s CROSS JOIN logs l ON l.id = s.log_id
         WHERE s.is_anomaly = 1 AND s.ts_ms >= ? AND s.ts_ms < ? AND +s.log_id <= ?`,
    );
    const prints: Prints = new Map();
    const added: FlaggedRow[] = [];
    const hours = [...dirty].sort((a, b) => a - b);
    for (let i = 0; i < hours.length;) {
      yield;
      let j = i + 1;
      while (j < hours.length && hours[j] === hours[j - 1] + 1 && j - i < READ_HOURS) j++;
      const rows = read.all(hours[i] * BUCKET_MS, (hours[j - 1] + 1) * BUCKET_MS, p.scoredUpTo) as Array<
        FlaggedRow & { q: number; hidden: number }
      >;
      for (const r of rows) {
        addPrint(prints, r.tsMs, r.id, r.q);
        if (!r.hidden) added.push(old.rows.of(r));
      }
      i = j;
    }
    const inDirty = (tsMs: number) => dirty.has(bucketOf(tsMs));
    const gone = old.groups.rowsWhere(inDirty);
    const removed = new Set(gone.map((r) => r.id));
    const stored = entriesAfter(this.db, old.logsUpTo, logsUpTo);
    const base: Base = { ...old, totals: { ...old.totals }, scoredUpTo: p.scoredUpTo, logsUpTo };
    const refresh = base.sightings.follow(stored, logsUpTo);
    yield* base.sightings.prepareMoreInSteps([...new Set(added.map((r) => r.ip))]);
    for (const r of gone) refresh.add(r.ip);
    for (const r of added) refresh.add(r.ip);
    // The prints of what was read (rows read after a later write show it: the prints say so too).
    for (const b of dirty) {
      const now = prints.get(b);
      addTo(base.totals, base.prints.get(b), -1);
      addTo(base.totals, now, 1);
      if (now) base.prints.set(b, now);
      else base.prints.delete(b);
    }
    return yield* this.applying(prev, base, p.key, added, refresh, stored, removed);
  }

  /**
   * The changed hours when all are among those of the ranges and of ids newer than the base's:
   * their prints now, compared, and the flagged set's totals (the probe's) equal to the base's
   * with those hours' differences. Null when the totals say some other hour changed too.
   * Synchronous, and in the probe's step: nothing is written in between.
   */
  private hintedChanges(old: Base, p: Probe, hints: readonly TimeRange[], lo: number, hi: number): Set<number> | null {
    const newer = cached(
      this.db,
      `SELECT DISTINCT s.ts_ms / ${BUCKET_MS} FROM scores s WHERE s.log_id > ? AND s.log_id <= ? AND s.is_anomaly = 1`,
    )
      .pluck()
      .all(old.scoredUpTo, p.scoredUpTo) as number[];
    const ranges = [...hints, ...newer.map((b) => ({ fromMs: b * BUCKET_MS, toMs: (b + 1) * BUCKET_MS }))];
    const expected = { ...old.totals };
    const dirty = new Set<number>();
    for (const [first, last] of bucketRuns(ranges, lo, hi)) {
      const now = readPrints(this.db, first, last + 1, p.scoredUpTo);
      for (const [b, was, is] of differingHours(old.prints, now, first, last)) {
        addTo(expected, was, -1);
        addTo(expected, is, 1);
        dirty.add(b);
      }
    }
    const t = p.totals;
    return expected.count === t.count && expected.ids === t.ids && expected.score === t.score ? dirty : null;
  }

  /** The changed hours, every hour's prints compared a week at a time; null when most entries changed. */
  private *comparedChanges(old: Base, p: Probe, lo: number, hi: number): Generator<void, Set<number> | null> {
    const dirty = new Set<number>();
    let changed = 0;
    for (let from = lo; from <= hi; from += PRINT_WINDOW) {
      yield;
      const now = readPrints(this.db, from, from + PRINT_WINDOW, p.scoredUpTo);
      for (const [b, was, is] of differingHours(old.prints, now, from, Math.min(from + PRINT_WINDOW - 1, hi))) {
        dirty.add(b);
        changed += Math.max(was?.count ?? 0, is?.count ?? 0);
      }
      if (changed > p.totals.count / 2) return null;
    }
    return dirty;
  }

  private *applying(
    prev: State,
    base: Base,
    key: string,
    added: FlaggedRow[],
    refresh: Set<string>,
    stored: NewEntries,
    removed: Set<number> = new Set(),
  ): Generator<void, State> {
    const delta: GroupDelta =
      added.length > 0 || refresh.size > 0
        ? yield* base.groups.add(added, refresh, removed)
        : { removed: [], added: [] };
    yield;
    const gone = new Set<Entry>();
    const goneById = new Map<string, Entry>();
    for (const g of delta.removed) {
      const x = base.entryOf.get(g)!;
      base.entryOf.delete(g);
      gone.add(x);
      goneById.set(x.id, x);
    }
    const came = delta.added.map((g) => this.entryFor(g, base, goneById)).sort(byRank);
    const kept = gone.size > 0 ? prev.incidents.filter((x) => !gone.has(x)) : prev.incidents;
    const incidents = mergeRanked(kept, came);
    // Counts made as of the last state take in the entries stored since, so they stay exact.
    const bases = new Set<Entry>();
    for (const x of incidents) {
      if (x.countedUpTo === prev.base.logsUpTo) bases.add(x);
      else if (x.grewFrom && x.grewFrom.countedUpTo === prev.base.logsUpTo) bases.add(x.grewFrom);
    }
    for (const x of bases) {
      const i = x.incident!;
      if (stored.size > 0) i.entries += countNew(stored, this.ipsOf(x), i.firstTsMs, i.lastTsMs);
      x.countedUpTo = base.logsUpTo;
    }
    return { key, incidents, flagged: prev.flagged - removed.size + added.length, base };
  }

  private entriesFor(groups: readonly Group[], base: Base, into: Entry[]): void {
    for (const g of groups) into.push(this.entryFor(g, base, undefined));
  }

  private entryFor(group: Group, base: Base, gone: Map<string, Entry> | undefined): Entry {
    const id = `${group.kind}-${group.rows[0].id}`;
    let score = -Infinity;
    for (const r of group.rows) if (r.score > score) score = r.score;
    // What it grew from: the last counted incident with its first entry (a chain of one).
    const was = gone?.get(id);
    const grewFrom = was && was.countedUpTo >= 0 ? was : was?.grewFrom;
    const x: Entry = { id, score, group, incident: null, countedUpTo: -1, grewFrom };
    base.entryOf.set(group, x);
    return x;
  }

  // --- Showing an incident ----------------------------------------------------------------------

  private ipsOf(x: Entry): Set<string> {
    return (x.ips ??= new Set(x.group.rows.map((r) => r.ip)));
  }

  /** The entry's incident as shown: described and its entries counted (once, then kept current). */
  private shown(x: Entry, s: State): Incident {
    x.incident ??= this.describe(x, s.base);
    if (x.countedUpTo !== s.base.logsUpTo) this.countEntries(x, x.incident, s.base.logsUpTo);
    return x.incident;
  }

  /**
   * Every entry of the incident's IPs in its period (with ids up to `upTo`). An incident that
   * grew from one counted as of the same moment (same first entry, no IP lost) adds the entries
   * of its old IPs after its old end and of its new IPs in its period.
   */
  private countEntries(x: Entry, i: Incident, upTo: number): void {
    const ips = this.ipsOf(x);
    const was = x.grewFrom;
    x.grewFrom = undefined;
    x.countedUpTo = upTo;
    const before = was?.incident;
    if (before && was.countedUpTo === upTo && before.firstTsMs === i.firstTsMs && before.lastTsMs <= i.lastTsMs) {
      const oldIps = this.ipsOf(was);
      if ([...oldIps].every((ip) => ips.has(ip))) {
        const more = [...ips].filter((ip) => !oldIps.has(ip));
        i.entries =
          before.entries +
          countEntriesIn(this.db, [...oldIps], before.lastTsMs + 1, i.lastTsMs, upTo) +
          countEntriesIn(this.db, more, i.firstTsMs, i.lastTsMs, upTo);
        return;
      }
    }
    i.entries = countEntriesIn(this.db, [...ips], i.firstTsMs, i.lastTsMs, upTo);
  }

  private describe(x: Entry, base: Base): Incident {
    const seen = x.group.kind === 'ip' ? base.sightings.seen(x.group.rows[0].ip) : null;
    return { ...incidentOf(x.id, x.group, x.score, seen), entries: -1 }; // entries: counted when shown (countEntries)
  }
}

/** Flagged entries' ids and scores, in the order read. */
class Flagged {
  length = 0;
  ids: Float64Array;
  scores: Float64Array;

  constructor(expected: number) {
    this.ids = new Float64Array(Math.max(expected, 16));
    this.scores = new Float64Array(this.ids.length);
  }

  push(id: number, score: number): void {
    if (this.length === this.ids.length) {
      this.ids = grown(this.ids);
      this.scores = grown(this.scores);
    }
    this.ids[this.length] = id;
    this.scores[this.length++] = score;
  }
}

function grown(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** Flagged rows of entries [from, to) of `flagged`, suppressed ones left out, made compact and appended to `into`. */
function readChunk(
  read: Statement,
  flagged: Flagged,
  from: number,
  to: number,
  compact: CompactRows,
  into: FlaggedRow[],
): void {
  // In id order within the chunk: the logs rows are then read in the table's order.
  const ids = flagged.ids.slice(from, to).sort();
  const scoreOf = new Map<number, number>();
  for (let i = from; i < to; i++) scoreOf.set(flagged.ids[i], flagged.scores[i]);
  for (const r of read.all(JSON.stringify(Array.from(ids))) as FlaggedRow[]) {
    r.score = scoreOf.get(r.id)!;
    into.push(compact.of(r));
  }
}

/** The most anomalous first; among equals, the larger story, then the earlier first entry (a total order). */
function byRank(a: Entry, b: Entry): number {
  return b.score - a.score || b.group.rows.length - a.group.rows.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function mergeRanked(a: readonly Entry[], b: readonly Entry[]): Entry[] {
  if (b.length === 0) return a.slice();
  const out: Entry[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && byRank(b[j], x) < 0) out.push(b[j++]);
    out.push(x);
  }
  while (j < b.length) out.push(b[j++]);
  return out;
}
