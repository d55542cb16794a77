import { ApiError } from '../../shared/api';
import type { AppConfig } from '../../shared/config';
import type { AnomalyRow } from '../../shared/schemas/analysis';
import type { EventBus } from '../events';
import type { Logger } from '../logger';
import type { Db } from '../store/db';
import type { WriteGate } from '../store/writeGate';
import { MlClient } from './mlClient';
import type { ExplainResult, ScoreArrays } from './protocol';
import { sampleQuality } from './quality';
import { ModelRegistry } from './registry';
import { ScoreWriter } from './scoreWriter';

export interface ModelServiceDeps {
  db: Db;
  dbPath: string;
  gate: WriteGate;
  events: EventBus;
  logger: Logger;
  config: () => AppConfig;
  workerFile: string;
  /** Makes sure every entry has features before a training run reads them. */
  featuresCurrent: () => Promise<void>;
}

/** Flagged rows announced per batch of new entries; the UI fetches the rest on demand. */
const MAX_EVENT_ROWS = 200;

/**
 * The model lifecycle: training in the trainer worker, versions in the registry, the live
 * model in the scorer worker (swapped by message order, so in-flight detections finish on the
 * old one), scores for every entry after a training and for new entries as they arrive.
 */
export class ModelService {
  readonly registry: ModelRegistry;
  private readonly writer: ScoreWriter;
  private readonly trainer: MlClient;
  private readonly scorer: MlClient;
  private live: number | null = null;
  private running: Promise<number> | null = null;
  private scoring: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ModelServiceDeps) {
    this.registry = new ModelRegistry(deps.db);
    this.writer = new ScoreWriter(deps.db, deps.gate);
    this.trainer = new MlClient(deps.workerFile, 'trainer');
    this.scorer = new MlClient(deps.workerFile, 'scorer');
  }

  get liveVersion(): number | null {
    return this.live;
  }

  get isTraining(): boolean {
    return this.running !== null;
  }

  /** Loads the newest usable version. Returns true when a run was interrupted and should be redone. */
  async start(): Promise<boolean> {
    const interrupted = this.registry.markInterrupted() > 0;
    await this.reload().catch((err: Error) => this.deps.logger.warn({ err }, 'no model loaded at start'));
    return interrupted;
  }

  async close(): Promise<void> {
    await this.running?.catch(() => undefined);
    await this.scoring;
    await Promise.all([this.trainer.close(), this.scorer.close()]);
  }

  /**
   * Makes the newest complete version live. A version that cannot be loaded (corrupt or
   * unreadable parameters) is skipped with a logged error and the previous one is tried.
   */
  async reload(): Promise<number> {
    for (const version of this.registry.completeVersions()) {
      const params = this.registry.params(version);
      try {
        if (!params) throw new Error('no parameters stored');
        await this.scorer.load(version, params);
        if (this.live !== version) {
          this.live = version;
          this.deps.events.emit({ type: 'model-swapped', version });
        }
        return version;
      } catch (err) {
        this.deps.logger.error({ err, version }, `model version ${version} cannot be loaded; trying the previous one`);
      }
    }
    throw new ApiError(503, 'Failed to load any models after reload attempt. Train the models first.');
  }

  /** One training run; a second call while one runs is refused with a message. */
  train(reason: string): Promise<number> {
    if (this.running) throw new ApiError(409, 'A training run is already in progress; wait for it to finish');
    this.running = this.runTraining(reason).finally(() => (this.running = null));
    return this.running;
  }

  private async runTraining(reason: string): Promise<number> {
    const { db, events, logger, config } = this.deps;
    const progress = (fraction: number, stage: string) => events.emit({ type: 'training-progress', fraction, stage });
    progress(0, 'computing features');
    await this.deps.featuresCurrent();
    const span = db.prepare('SELECT max(ts_ms) AS hi FROM logs').get() as { hi: number | null };
    if (span.hi === null)
      throw new ApiError(409, 'There are no log entries to train on: add a source or generate sample data');
    const cfg = config();
    const version = this.registry.begin(cfg);
    const spanEndMs = span.hi;
    const spanStartMs = spanEndMs - cfg.trainingSpanHours * 3_600_000;
    try {
      const t = await this.trainer.train(
        {
          dbPath: this.deps.dbPath,
          spanStartMs,
          spanEndMs,
          options: {
            models: cfg.models,
            contamination: cfg.contamination,
            standardize: cfg.standardize,
            seed: version,
          },
        },
        (f, stage) => progress(0.05 + 0.75 * f, stage),
      );
      const thresholds = Object.fromEntries(t.scored.models.map((m, i) => [m, t.scored.thresholds[i]]));
      await this.deps.gate.idle();
      this.registry.complete(version, { ...t, thresholds });
      await this.scorer.load(version, t.params);
      this.live = version;
      events.emit({ type: 'model-swapped', version });
      progress(0.85, 'writing scores');
      await this.writer.write(version, t.scored, (done, total) =>
        progress(0.85 + (0.14 * done) / total, 'writing scores'),
      );
      this.registry.setMetrics(version, sampleQuality(db));
      progress(1, 'done');
      logger.info({ version, rows: t.rows, ms: Math.round(t.trainMs), reason }, 'model trained');
      return version;
    } catch (err) {
      const message = (err as Error).message;
      this.registry.fail(version, message);
      events.emit({ type: 'training-failed', message });
      logger.error({ err, version }, 'training failed');
      throw err instanceof ApiError ? err : new ApiError(422, `Training failed: ${message}`);
    }
  }

  /** New entries that just got features are scored by the live model, in arrival order. */
  scoreNew(firstId: number, lastId: number): Promise<void> {
    this.scoring = this.scoring.then(async () => {
      if (this.live === null) return;
      try {
        const { version, scored } = await this.scorer.scoreRange(this.deps.dbPath, firstId, lastId);
        await this.deps.gate.idle();
        this.writer.writeSync(version, scored);
        this.announce(scored);
      } catch (err) {
        this.deps.logger.warn({ err, firstId, lastId }, 'scoring new entries failed');
      }
    });
    return this.scoring;
  }

  /** Scores feature rows given directly (detections); throws 503 when no model is live. */
  async scoreFeatures(features: Float64Array, rows: number): Promise<{ version: number; scored: ScoreArrays }> {
    if (this.live === null) {
      throw new ApiError(503, 'No models are loaded. Cannot perform detection. Please train the models first.');
    }
    return this.scorer.scoreRows(features, rows);
  }

  writeScores(version: number, scored: ScoreArrays, ids: ArrayLike<number>): void {
    this.writer.writeSync(version, scored, 0, scored.votes.length, ids);
  }

  async explain(features: number[]): Promise<{ version: number; result: ExplainResult } | null> {
    if (this.live === null) return null;
    return this.scorer.explain(features).catch(() => null);
  }

  private announce(s: ScoreArrays): void {
    const ids: number[] = [];
    for (let i = 0; i < s.isAnomaly.length && ids.length < MAX_EVENT_ROWS; i++) if (s.isAnomaly[i]) ids.push(s.ids[i]);
    if (ids.length === 0) return;
    this.deps.events.emit({ type: 'anomalies', rows: anomalyRows(this.deps.db, ids) });
  }
}

export function anomalyRows(db: Db, ids: number[]): AnomalyRow[] {
  const rows = db
    .prepare(
      `SELECT l.id, l.ts_ms, l.ip, l.method, l.endpoint, l.status, s.votes, s.is_anomaly, s.combined_score
       FROM logs l JOIN scores s ON s.log_id = l.id WHERE l.id IN (SELECT value FROM json_each(?)) ORDER BY l.id`,
    )
    .all(JSON.stringify(ids)) as Array<{
    id: number;
    ts_ms: number;
    ip: string;
    method: string | null;
    endpoint: string;
    status: number;
    votes: number;
    is_anomaly: number;
    combined_score: number;
  }>;
  return rows.map((r) => ({
    id: r.id,
    tsMs: r.ts_ms,
    ip: r.ip,
    method: r.method,
    endpoint: r.endpoint,
    status: r.status,
    votes: r.votes,
    isAnomaly: r.is_anomaly === 1,
    combinedScore: r.combined_score,
  }));
}
