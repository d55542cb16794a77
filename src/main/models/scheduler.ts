import { ApiError } from '../../shared/api';
import type { AppConfig } from '../../shared/config';
import type { Logger } from '../logger';
import { readSetting, writeSetting } from '../store/configStore';
import type { Db } from '../store/db';

const NEXT_RUN_KEY = 'scheduler.nextRunAt';
const LAST_MAX_ID_KEY = 'scheduler.lastTrainedMaxId';
/** How often the clock is looked at: a timer cannot be trusted across sleep, a comparison can. */
const TICK_MS = 15_000;

export interface SchedulerDeps {
  db: Db;
  logger: Logger;
  config: () => AppConfig;
  /** Features first, then training, then the swap (the original's daily DAG). */
  run: (reason: string) => Promise<unknown>;
}

/**
 * Periodic retraining, and optionally after M new entries. The next run time is persisted, so
 * a run missed while the app was closed or the machine slept runs once when it is back.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(private readonly deps: SchedulerDeps) {}

  get nextRunAt(): number {
    const stored = Number(readSetting(this.deps.db, NEXT_RUN_KEY));
    return Number.isFinite(stored) && stored > 0 ? stored : this.reschedule();
  }

  start(): void {
    void this.nextRunAt; // persist a first next-run time
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Sets the next run from now (after a run, or when the interval changes). */
  reschedule(from = Date.now()): number {
    const next = from + this.deps.config().retrainEveryHours * 3_600_000;
    writeSetting(this.deps.db, NEXT_RUN_KEY, String(next));
    return next;
  }

  /** Remembers how far the data went at a training, for the "after M new entries" rule. */
  noteTrained(): void {
    const maxId = this.deps.db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck().get() as number;
    writeSetting(this.deps.db, LAST_MAX_ID_KEY, String(maxId));
  }

  /**
   * Looks at the clock (`now`, injectable for tests) and runs a training when one is due.
   * Returns true when a run happened and succeeded. The next run time moves forward before the
   * run starts, and the entry mark is taken then too, so a run that fails (too little data) is
   * not retried at every tick: the next attempt waits for the next period or M more entries.
   */
  async tick(now = Date.now()): Promise<boolean> {
    if (this.busy) return false;
    const reason = this.due(now);
    if (!reason) return false;
    this.busy = true;
    try {
      this.reschedule(now);
      this.noteTrained();
      await this.deps.run(reason);
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409)
        this.deps.logger.info({ reason }, 'scheduled training skipped: a training run is in progress');
      else this.deps.logger.warn({ err, reason }, 'scheduled training did not run');
      return false;
    } finally {
      this.busy = false;
    }
  }

  private due(now: number): string | null {
    const { db, config } = this.deps;
    const hasData = db.prepare('SELECT 1 FROM logs LIMIT 1').get() !== undefined;
    if (!hasData) return null;
    if (this.nextRunAt <= now) return 'schedule';
    const every = config().retrainAfterEntries;
    if (every > 0) {
      const last = Number(readSetting(db, LAST_MAX_ID_KEY) ?? 0);
      // Cheap on millions of rows: ids only grow, so max(id) − last bounds the count, and the
      // exact count stops at M.
      const maxId = db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck().get() as number;
      if (maxId - last < every) return null;
      const newer = db
        .prepare('SELECT count(*) FROM (SELECT 1 FROM logs WHERE id > ? LIMIT ?)')
        .pluck()
        .get(last, every) as number;
      if (newer >= every) return `${newer} new entries`;
    }
    return null;
  }
}
