import { recomputeAllFeaturesAsync, updateFeaturesAfterInsert } from '../features';
import type { EventBus } from '../events';
import type { Logger } from '../logger';
import type { Db } from '../store/db';
import type { WriteGate } from '../store/writeGate';

export interface FeatureRange {
  /** Rows with id ≥ firstId got features in this step. */
  firstId: number;
  lastId: number;
}

/**
 * Keeps `features` current: new rows get theirs incrementally as batches commit (coalesced,
 * one update at a time), and a window change or POST /features/generate_features recomputes
 * everything under the write gate with progress events.
 */
export class FeaturePipeline {
  private running: Promise<void> | null = null;
  private again = false;
  private listeners: Array<(r: FeatureRange) => void> = [];

  constructor(
    private readonly db: Db,
    private readonly gate: WriteGate,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly windowMs: () => number,
  ) {}

  /** Called after new rows commit; returns when they (and any earlier ones) have features. */
  schedule(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.step();
      } while (this.again);
    })().finally(() => (this.running = null));
    return this.running;
  }

  /** Listeners get the id range of rows that just received features (the scorer). */
  onFeatures(listener: (r: FeatureRange) => void): void {
    this.listeners.push(listener);
  }

  async recomputeAll(): Promise<number> {
    await this.running;
    return this.gate.exclusive(async () => {
      const res = await recomputeAllFeaturesAsync(this.db, this.windowMs(), {
        onProgress: (done, total) => this.events.emit({ type: 'features-progress', done, total }),
      });
      this.logger.info({ rows: res.rows, ms: Math.round(res.ms) }, 'features recomputed');
      this.events.emit({ type: 'features-progress', done: res.rows, total: res.rows });
      return res.rows;
    });
  }

  /** Highest log id; every row at or below it has features once `schedule()` settles. */
  private featuredUpTo(): number {
    return (this.db.prepare('SELECT coalesce(max(log_id), 0) FROM features').pluck().get() as number) ?? 0;
  }

  private async step(): Promise<void> {
    await this.gate.idle();
    const first = this.featuredUpTo() + 1;
    const last = this.db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck().get() as number;
    if (last < first) return;
    try {
      updateFeaturesAfterInsert(this.db, this.windowMs(), first);
    } catch (err) {
      this.logger.error({ err }, 'feature update failed');
      return;
    }
    for (const l of this.listeners) l({ firstId: first, lastId: last });
  }
}
