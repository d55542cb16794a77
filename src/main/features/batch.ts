import type { Db } from '../store/db';
import { assertWindowMs, type RowProgressFn } from './types';
import { ScanWorkspace, scanWindowFeatures, type ScanProgress, type ScanScope } from './windowScan';
import { FEATURE_INSERT_HEAD, FEATURE_UPSERT_TAIL, featureValues } from './featureTable';

export interface RecomputeResult {
  /** Rows written to `features` (one per log row). */
  rows: number;
  /** Wall time of the whole recompute, including the write and the commit. */
  ms: number;
}

export interface RecomputeAsyncOptions {
  onProgress?: RowProgressFn;
  /** Longest stretch the event loop is held before a `setImmediate` turn (default 50 ms). */
  maxBlockMs?: number;
  /**
   * Only rows with ts_ms ≥ fromTsMs are recomputed (upserted); the rest keep their stored
   * features. Exact when those are already the batch result for the rows below: a row only
   * counts rows at or before its own ts, so rows added at or after fromTsMs change no row before it.
   */
  fromTsMs?: number;
  /** Entries per time slice (default SLICE_ROWS); tests use small slices to cut many. */
  sliceRows?: number;
}

const ROWS_PER_INSERT = 128;
const WRITE_STEP_ROWS = 65_536;
/** Entries per time slice of a full recompute (see timeSlices): ~13 MB of scan arrays. */
export const SLICE_ROWS = 1_000_000;
const MINUTE_MS = 60_000;
/** Room the slices' shared arrays keep beyond the first slice's size (slices are cut at whole minutes). */
const SLICE_HEADROOM = 0.125;

/**
 * Replaces every row of `features` with the window-W counts, in one IMMEDIATE transaction
 * (readers keep the old table until commit). Synchronous: on the engine's main connection it
 * holds the thread for the whole run (≈ 0.3 s per 300k rows here); for big tables call it from a
 * worker thread with its own connection, or use `recomputeAllFeaturesAsync`.
 *
 * Progress: `onProgress(done, total)` after each step (a chunk of ≈ 64k rows), counted in row
 * steps: each row once when computed and once when written, so total = 2 × rows.
 */
export function recomputeAllFeatures(db: Db, windowMs: number, onProgress?: RowProgressFn): RecomputeResult {
  assertWindowMs(windowMs);
  const t0 = performance.now();
  const rows = db
    .transaction(() => {
      const steps = recomputeSteps(db, windowMs);
      for (;;) {
        const r = steps.next();
        if (r.done) return r.value;
        onProgress?.(r.value.done, r.value.total);
      }
    })
    .immediate();
  return { rows, ms: performance.now() - t0 };
}

/**
 * Same result, but gives the event loop a turn whenever it has held it for `maxBlockMs`, so a
 * multi-second recompute on the main connection does not freeze IPC or HTTP. The transaction
 * stays open across those turns, so the caller must keep every other writer of this connection
 * waiting until the promise settles (their statements would join this transaction); readers on
 * the same connection see the half-written table meanwhile.
 */
export async function recomputeAllFeaturesAsync(
  db: Db,
  windowMs: number,
  options: RecomputeAsyncOptions = {},
): Promise<RecomputeResult> {
  assertWindowMs(windowMs);
  if (db.inTransaction) throw new Error('recomputeAllFeaturesAsync needs a connection with no open transaction');
  const maxBlockMs = options.maxBlockMs ?? 50;
  const t0 = performance.now();
  db.exec('BEGIN IMMEDIATE');
  try {
    const steps = recomputeSteps(db, windowMs, options.fromTsMs, options.sliceRows);
    let slice = performance.now();
    let rows = 0;
    for (;;) {
      const r = steps.next();
      if (r.done) {
        rows = r.value;
        break;
      }
      options.onProgress?.(r.value.done, r.value.total);
      if (performance.now() - slice >= maxBlockMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        slice = performance.now();
      }
    }
    db.exec('COMMIT');
    return { rows, ms: performance.now() - t0 };
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

/**
 * Delete, scan, write in rowid order; yields row-step progress; returns rows written. Scoped
 * (`fromTsMs`): nothing is deleted and the rows in scope are upserted instead.
 */
function* recomputeSteps(
  db: Db,
  windowMs: number,
  fromTsMs?: number,
  sliceRows = SLICE_ROWS,
): Generator<ScanProgress, number, void> {
  // No WHERE and no triggers: SQLite's truncate optimisation drops the pages wholesale.
  if (fromTsMs === undefined) db.exec('DELETE FROM features');
  const total =
    2 *
    (fromTsMs === undefined
      ? (db.prepare('SELECT count(*) FROM logs').pluck().get() as number)
      : (db.prepare('SELECT count(*) FROM logs WHERE ts_ms >= ?').pluck().get(fromTsMs) as number));
  const values = featureValues(windowMs);
  // Slices are disjoint in time, so after the DELETE a plain insert never meets a stored row.
  const upsert = fromTsMs === undefined ? '' : ` ${FEATURE_UPSERT_TAIL}`;
  const many = db.prepare(
    FEATURE_INSERT_HEAD + Array.from({ length: ROWS_PER_INSERT }, () => values).join(',') + upsert,
  );
  const one = db.prepare(FEATURE_INSERT_HEAD + values + upsert);
  const params: number[] = new Array<number>(ROWS_PER_INSERT * 4);
  // Progress in row steps: each row once when computed and once when written (total = 2 × rows).
  let steps = 0;
  let written = 0;
  const report = (n: number): ScanProgress => ({ done: Math.min(total, n), total });
  const slices = timeSlices(db, fromTsMs, sliceRows);
  // Several slices: each seeks every IP (read once here, from the covering index).
  const ips = slices.length > 1 ? (db.prepare('SELECT DISTINCT ip FROM logs').pluck().all() as string[]) : undefined;
  // Each slice is written before the next is scanned, so they can share their arrays.
  const workspace = new ScanWorkspace(SLICE_HEADROOM);
  for (const slice of slices) {
    const scan = scanWindowFeatures(db, windowMs, ips ? { ...slice, ips } : slice, workspace);
    const base = steps;
    let r = scan.next();
    while (!r.done) {
      yield report(base + r.value.done);
      r = scan.next();
    }
    const { baseId, request, client, server, rows } = r.value;
    steps = base + rows;
    let filled = 0;
    let sliceWritten = 0;
    let nextReport = WRITE_STEP_ROWS;
    for (let slot = 0; slot < request.length; slot++) {
      if (request[slot] === 0) continue;
      params[filled++] = baseId + slot;
      params[filled++] = request[slot];
      params[filled++] = client[slot];
      params[filled++] = server[slot];
      if (filled === params.length) {
        many.run(params);
        filled = 0;
        sliceWritten += ROWS_PER_INSERT;
        if (sliceWritten >= nextReport) {
          nextReport += WRITE_STEP_ROWS;
          yield report(steps + sliceWritten);
        }
      }
    }
    for (let k = 0; k < filled; k += 4) one.run(params[k], params[k + 1], params[k + 2], params[k + 3]);
    sliceWritten += filled / 4;
    steps += sliceWritten;
    written += sliceWritten;
  }
  yield { done: total, total };
  return written;
}

/**
 * Time slices of about `rows` entries each, cut at whole minutes (log_minutes): a 10M-line table
 * is computed slice by slice, so the scan's id-indexed arrays (13 bytes an id) stay the size of a
 * slice instead of growing with the table. The first slice starts at fromTsMs (or the oldest
 * row), the last one is open-ended; minutes are only the plan: a slice is a time range either way.
 */
export function timeSlices(db: Db, fromTsMs: number | undefined, rows: number): ScanScope[] {
  const fromMinute = fromTsMs === undefined ? Number.MIN_SAFE_INTEGER : Math.floor(fromTsMs / MINUTE_MS);
  const minutes = db
    .prepare('SELECT minute, n FROM log_minutes WHERE minute >= ? AND n > 0 ORDER BY minute')
    .raw()
    .iterate(fromMinute) as IterableIterator<[number, number]>;
  const out: ScanScope[] = [];
  let lo = fromTsMs;
  let held = 0;
  for (const [minute, n] of minutes) {
    held += n;
    if (held < rows) continue;
    const hi = (minute + 1) * MINUTE_MS;
    out.push({ fromTsMs: lo, toTsMs: hi });
    lo = hi;
    held = 0;
  }
  // The last slice is open-ended; with several, it is cut too (toTsMs) so it also reads by IP seeks.
  out.push(out.length === 0 ? { fromTsMs: lo } : { fromTsMs: lo, toTsMs: Number.MAX_SAFE_INTEGER });
  return out;
}
