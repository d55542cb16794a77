import type { Db } from '../store/db';
import { STATUS_CLASS_SQL, assertWindowMs } from './types';

/**
 * The canonical window computation: one streaming pass over the (ip, ts_ms, id) index.
 *
 * Why not SQL window functions: SQLite needs two differently ordered windows (ROWS over
 * (ts_ms, id) for the running count, RANGE over ts_ms for the part that left the window), so it
 * buffers and re-sorts every partition; measured 2–3× slower than this pass, write included
 * (bench/features.ts; sqlWindow.ts is kept as the cross-check). What this pass reads, all through `pluck()` (flat
 * numbers, no row objects):
 *   - the status class of every row, by rowid slices of the table (sequential pages);
 *   - per group of IPs, ts_ms and id in (ip, ts_ms, id) order, both covered by the index, so
 *     no table lookups happen in index order.
 * Working memory is typed arrays indexed by `id − baseId`: 1 byte (class) + 12 bytes (three
 * counts) per id in range, plus the ts/id lists of one chunk of IPs (≈ CHUNK_ROWS rows, more
 * only when a single IP has more rows). Results come out indexed by id so the writer can append
 * to `features` in rowid order, which is about twice as fast as inserting in IP order.
 *
 * Callers must hold a transaction (or otherwise keep writers out) so the per-IP counts, the
 * class slices and the chunk reads all see one snapshot.
 */

export interface ScanScope {
  /** Only rows with ts_ms ≥ fromTsMs get results; rows of the W before are read as context. */
  fromTsMs?: number;
  /**
   * Only rows with ts_ms < toTsMs are read (and get results): a time slice of a larger run, so
   * the id-indexed arrays cover the slice, not the table. A row's window holds only rows at or
   * before its own ts, so nothing after the slice can change its counts. Each IP is then read
   * by its own seek on (ip, ts_ms): an IP range would scan those IPs' rows of every slice.
   */
  toTsMs?: number;
  /** With toTsMs: every IP that may have rows in the slice (the table's, read once per run). */
  ips?: readonly string[];
}

/**
 * Arrays a run of several scans (time slices) lends each of them: a slice fills them and the
 * caller writes its results out before the next one, so the run holds one slice's arrays
 * instead of leaving each slice's ~13 MB behind for the collector (the import's peak at 10M).
 */
export class ScanWorkspace {
  private cls = new Uint8Array(0);
  private counts = [new Int32Array(0), new Int32Array(0), new Int32Array(0)];

  /** `headroom`: share allocated beyond the size asked (slices differ a little in size). */
  constructor(private readonly headroom = 0) {}

  /** Zeroed views of `size` ids: the class per id, then request, client and server counts. */
  take(size: number): [Uint8Array, Int32Array, Int32Array, Int32Array] {
    if (this.cls.length < size) {
      // Each regrowth leaves a set behind for the collector: a run of slices asks for headroom.
      const room = size + Math.ceil(size * this.headroom);
      this.cls = new Uint8Array(room);
      this.counts = this.counts.map(() => new Int32Array(room));
    } else {
      this.cls.fill(0, 0, size);
      for (const c of this.counts) c.fill(0, 0, size);
    }
    const [request, client, server] = this.counts.map((c) => c.subarray(0, size));
    return [this.cls.subarray(0, size), request, client, server];
  }
}

/** Results indexed by `id − baseId`; `request[k] === 0` means no row with that id in scope. */
export interface FeatureColumns {
  readonly baseId: number;
  readonly request: Int32Array;
  readonly client: Int32Array;
  readonly server: Int32Array;
  /** Rows that received results. */
  readonly rows: number;
}

export interface ScanProgress {
  done: number;
  total: number;
}

/** Rows per chunk of IPs; one chunk is one step between progress reports (≈ 10–30 ms). */
export const CHUNK_ROWS = 65_536;
/**
 * Ids per read of the status classes: the array a read returns (8 bytes an element, ~64–100 KB
 * as it grows) stays under V8's large-object size (128 KB), so it dies young in the nursery.
 */
const CLASS_SLICE_IDS = 8_192;

const EMPTY: FeatureColumns = {
  baseId: 0,
  request: new Int32Array(0),
  client: new Int32Array(0),
  server: new Int32Array(0),
  rows: 0,
};

/**
 * Generator: yields progress after each step (done/total in rows read), returns the columns.
 * Driving it to completion is the whole computation; pausing between steps is how callers
 * report progress or give the event loop a turn. With a workspace, the columns are its arrays,
 * valid until its next scan.
 */
export function* scanWindowFeatures(
  db: Db,
  windowMs: number,
  scope: ScanScope = {},
  workspace: ScanWorkspace = new ScanWorkspace(),
): Generator<ScanProgress, FeatureColumns, void> {
  assertWindowMs(windowMs);
  const from = scope.fromTsMs;
  const to = scope.toTsMs;
  if (from !== undefined && !Number.isSafeInteger(from)) throw new RangeError('fromTsMs must be whole ms');
  if (to !== undefined && !Number.isSafeInteger(to)) throw new RangeError('toTsMs must be whole ms');
  // Context: rows with ts > from − W are all any in-scope row's window can contain.
  const filter =
    (from === undefined ? '' : ` AND ts_ms > ${from - windowMs}`) + (to === undefined ? '' : ` AND ts_ms < ${to}`);

  const span = db.prepare(`SELECT min(id), max(id), count(*) FROM logs WHERE 1${filter}`).raw().get() as [
    number | null,
    number | null,
    number,
  ];
  if (span[0] === null || span[1] === null) return EMPTY;
  const baseId = span[0];
  const size = span[1] - baseId + 1;
  const total = span[2];

  // Status classes by id, read in rowid slices so no single array of the column is built.
  const [cls, request, client, server] = workspace.take(size);
  const classSlice = db
    .prepare(`SELECT id * 4 + ${STATUS_CLASS_SQL} FROM logs WHERE id >= ? AND id < ?${filter}`)
    .pluck();
  for (let lo = baseId; lo <= span[1]; lo += CLASS_SLICE_IDS) {
    const packed = classSlice.all(lo, lo + CLASS_SLICE_IDS) as number[];
    for (let k = 0; k < packed.length; k++) {
      const v = packed[k];
      cls[Math.floor(v / 4) - baseId] = v % 4;
    }
  }

  const minTs = from ?? -Infinity;
  let rows = 0;
  /** Two pointers over one IP's rows [start, end) in (ts, id) order: `head` is the oldest row
   *  still inside (t − W, t]; everything from head to k is in the window and sorts at or before k. */
  const countWindows = (ts: readonly number[], ids: readonly number[], start: number, end: number): void => {
    let head = start;
    let c4 = 0;
    let c5 = 0;
    for (let k = start; k < end; k++) {
      const t = ts[k];
      const edge = t - windowMs;
      while (ts[head] <= edge) {
        const c = cls[ids[head] - baseId];
        if (c === 1) c4--;
        else if (c === 2) c5--;
        head++;
      }
      const slot = ids[k] - baseId;
      const c = cls[slot];
      if (c === 1) c4++;
      else if (c === 2) c5++;
      if (t >= minTs) {
        request[slot] = k - head + 1;
        client[slot] = c4;
        server[slot] = c5;
        rows++;
      }
    }
  };
  const changed = (): Error => new Error('logs changed during the feature scan; run it inside a transaction');
  let done = 0;

  if (to !== undefined) {
    // A time slice: one seek per IP on (ip, ts_ms); an IP range would read its IPs' other slices too.
    const readTs = db.prepare(`SELECT ts_ms FROM logs WHERE ip = ?${filter} ORDER BY ts_ms, id`).pluck();
    const readId = db.prepare(`SELECT id FROM logs WHERE ip = ?${filter} ORDER BY ts_ms, id`).pluck();
    const ips = scope.ips ?? (db.prepare(`SELECT DISTINCT ip FROM logs WHERE 1${filter}`).pluck().all() as string[]);
    let sinceStep = 0;
    for (const ip of ips) {
      const ts = readTs.all(ip) as number[];
      if (ts.length === 0) continue;
      const ids = readId.all(ip) as number[];
      if (ids.length !== ts.length) throw changed();
      countWindows(ts, ids, 0, ts.length);
      done += ts.length;
      sinceStep += ts.length;
      if (sinceStep >= CHUNK_ROWS) {
        sinceStep = 0;
        yield { done, total };
      }
    }
    if (done !== total) throw changed();
    return { baseId, request, client, server, rows };
  }

  const groups = db.prepare(`SELECT ip, COUNT(*) FROM logs WHERE 1${filter} GROUP BY ip ORDER BY ip`).raw().all() as [
    string,
    number,
  ][];
  const readTs = db.prepare(`SELECT ts_ms FROM logs WHERE ip >= ? AND ip <= ?${filter} ORDER BY ip, ts_ms, id`).pluck();
  const readId = db.prepare(`SELECT id FROM logs WHERE ip >= ? AND ip <= ?${filter} ORDER BY ip, ts_ms, id`).pluck();
  let g0 = 0;
  while (g0 < groups.length) {
    let g1 = g0;
    let chunkRows = 0;
    while (g1 < groups.length && (g1 === g0 || chunkRows + groups[g1][1] <= CHUNK_ROWS)) {
      chunkRows += groups[g1][1];
      g1++;
    }
    const ts = readTs.all(groups[g0][0], groups[g1 - 1][0]) as number[];
    const ids = readId.all(groups[g0][0], groups[g1 - 1][0]) as number[];
    if (ts.length !== chunkRows || ids.length !== chunkRows) throw changed();
    let start = 0;
    for (let g = g0; g < g1; g++) {
      const end = start + groups[g][1];
      countWindows(ts, ids, start, end);
      start = end;
    }
    done += chunkRows;
    g0 = g1;
    yield { done, total };
  }
  return { baseId, request, client, server, rows };
}
