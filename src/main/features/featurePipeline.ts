import { recomputeAllFeaturesAsync } from './batch';
import { FeatureTail, type AdvanceResult, type FeatureTailOptions } from './tail';
import { featureTableReads } from './featureTable';
import { CoalescedRun } from '../store/coalescedRun';
import type { EventBus } from '../events';
import type { Logger } from '../logger';
import type { Db } from '../store/db';
import type { WriteGate } from '../store/writeGate';

export interface FeatureRange {
  /** Rows with id ≥ firstId got features in this step. */
  firstId: number;
  lastId: number;
}

export interface FeaturePipelineOptions {
  /** Longest a slice of a step holds the event loop before committing and yielding (default 8 ms;
   *  a slice always finishes the row it is on, and a range-recompute fallback runs to its end). */
  sliceBudgetMs?: number;
  /** Bounds of the per-IP tail state. */
  tail?: FeatureTailOptions;
}

/** What the last step did (diagnostics, bench/features.ts). */
export interface FeatureStepStats {
  /** Transactions the step took (each committed on its own, with an event-loop turn between). */
  slices: number;
  /** Rows that received features. */
  rows: number;
  /** Existing rows rewritten because late rows entered their windows. */
  updated: number;
  /** IPs seeded from SQLite, IPs that fell back to the range recompute. */
  seeded: number;
  fallbackIps: number;
  /** The step was a full recompute (features empty, of another window, or too many new rows). */
  full: boolean;
  /** Longest single slice (the longest the step held the event loop) and the sum of all. */
  maxSliceMs: number;
  busyMs: number;
}

/** Above this many new rows one full recompute is cheaper than the incremental path. */
const FULL_RECOMPUTE_NEW_ROWS = 200_000;

/**
 * Keeps `features` current: new rows get theirs incrementally as batches commit (coalesced,
 * one step at a time), and a window change or POST /features/generate_features recomputes
 * everything under the write gate with progress events.
 *
 * A step works through the rows after the last featured id in slices (FeatureTail.advance): each
 * slice gives features to the next rows in id order within a time budget and commits, so after
 * every slice `features` is exactly the batch result for the rows up to its last id; listeners
 * hear of each slice, and the event loop gets a turn before the next. Rows in time order per IP
 * cost O(1) each from the in-memory tail state; see features/tail.ts for the rest.
 */
export class FeaturePipeline {
  private readonly steps = new CoalescedRun(() => this.step());
  private listeners: Array<(r: FeatureRange) => void> = [];
  private readonly tail: FeatureTail;
  private readonly sliceBudgetMs: number;
  private readonly table: ReturnType<typeof featureTableReads>;
  /** Sources seen at the last check: rows of `logs` only ever disappear with their source. */
  /** Figures of the last step that had rows to process. */
  lastStep: FeatureStepStats | null = null;

  constructor(
    private readonly db: Db,
    private readonly gate: WriteGate,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly windowMs: () => number,
    options: FeaturePipelineOptions = {},
  ) {
    this.tail = new FeatureTail(options.tail);
    this.sliceBudgetMs = options.sliceBudgetMs ?? 8;
    this.table = featureTableReads(db);
  }

  /** Called after new rows commit; returns when they (and any earlier ones) have features. */
  schedule(): Promise<void> {
    return this.steps.schedule();
  }

  /** Listeners get the id range of rows that just received features (the scorer). */
  onFeatures(listener: (r: FeatureRange) => void): void {
    this.listeners.push(listener);
  }

  async recomputeAll(): Promise<number> {
    await this.steps.idle();
    return this.gate.exclusive(async () => {
      // Called after a window change and after a source removal: the tail state is stale.
      this.tail.clear();
      try {
        const res = await recomputeAllFeaturesAsync(this.db, this.windowMs(), {
          onProgress: (done, total) => this.events.emit({ type: 'features-progress', done, total }),
        });
        this.logger.info({ rows: res.rows, ms: Math.round(res.ms) }, 'features recomputed');
        this.events.emit({ type: 'features-progress', done: res.rows, total: res.rows });
        return res.rows;
      } finally {
        this.tail.clear();
      }
    });
  }

  /**
   * Where a scoped recompute of the rows from `first` on may start: the oldest ts among them,
   * when the stored features are of this window and end right before `first` (so they are exact
   * for every older row); undefined (everything) otherwise, or when no older row sorts before it.
   */
  private recomputeFrom(windowMs: number, first: number): number | undefined {
    if (this.table.storedWindowMs() !== windowMs || this.table.featuredUpTo() !== first - 1) return undefined;
    const oldest = this.db.prepare('SELECT min(ts_ms) FROM logs').pluck().get() as number | null;
    const from = this.db.prepare('SELECT min(ts_ms) FROM logs WHERE id >= ?').pluck().get(first) as number | null;
    return from === null || oldest === null || from <= oldest ? undefined : from;
  }

  private newestLogId(): number {
    return this.db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck().get() as number;
  }

  /**
   * Told by the ingest when a source is gone: its rows were deleted (ON DELETE CASCADE), which
   * the tail state may still count. The engine recomputes everything afterwards (which clears
   * the state too), but slices may run before that recompute starts.
   */
  sourcesRemoved(): void {
    this.tail.clear();
  }

  private notify(firstId: number, lastId: number): void {
    for (const l of this.listeners) l({ firstId, lastId });
  }

  private async step(): Promise<void> {
    await this.gate.settle(this.db);
    const windowMs = this.windowMs();
    const first = this.table.featuredUpTo() + 1;
    const target = this.newestLogId();
    if (target < first) return;
    const stats: FeatureStepStats = {
      slices: 0,
      rows: 0,
      updated: 0,
      seeded: 0,
      fallbackIps: 0,
      full: false,
      maxSliceMs: 0,
      busyMs: 0,
    };
    this.lastStep = stats;
    if (
      target - first + 1 > FULL_RECOMPUTE_NEW_ROWS &&
      (this.db.prepare('SELECT count(*) FROM logs WHERE id >= ?').pluck().get(first) as number) >
        FULL_RECOMPUTE_NEW_ROWS
    ) {
      await this.fullRecompute(windowMs, first, stats, true);
      return;
    }
    for (;;) {
      let r: AdvanceResult;
      const t0 = performance.now();
      try {
        r = this.tail.advance(this.db, windowMs, { lastId: target, budgetMs: this.sliceBudgetMs });
      } catch (err) {
        this.logger.error({ err }, 'feature update failed');
        return;
      }
      if (r.full) {
        await this.fullRecompute(windowMs, first, stats);
        return;
      }
      const ms = performance.now() - t0;
      stats.slices++;
      stats.rows += r.rows;
      stats.updated += r.updated;
      stats.seeded += r.seeded;
      stats.fallbackIps += r.fallbackIps;
      stats.busyMs += ms;
      stats.maxSliceMs = Math.max(stats.maxSliceMs, ms);
      if (r.lastId >= r.firstId) this.notify(r.firstId, r.lastId);
      if (r.lastId >= target) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
      await this.gate.settle(this.db);
    }
  }

  /**
   * Features empty, of another window, or a very large step: recompute under the gate. A large
   * step (`scoped`) on top of exact features of this window recomputes only the rows at or after
   * the oldest new row's ts (a file appended in time order: little more than the new rows).
   */
  private async fullRecompute(windowMs: number, first: number, stats: FeatureStepStats, scoped = false): Promise<void> {
    stats.full = true;
    const t0 = performance.now();
    let last = 0;
    try {
      await this.gate.exclusive(async () => {
        this.tail.clear();
        try {
          // Read right before the transaction opens (synchronously): exactly the rows it covers.
          last = this.newestLogId();
          const fromTsMs = scoped ? this.recomputeFrom(windowMs, first) : undefined;
          await recomputeAllFeaturesAsync(this.db, windowMs, { maxBlockMs: this.sliceBudgetMs, fromTsMs });
        } finally {
          this.tail.clear();
        }
      });
    } catch (err) {
      this.logger.error({ err }, 'feature update failed');
      return;
    }
    stats.slices++;
    stats.busyMs += performance.now() - t0;
    stats.rows += last - first + 1;
    if (last >= first) this.notify(first, last);
  }
}
