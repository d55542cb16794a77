import { ApiError } from '../../shared/api';
import type { AppConfig, FeatureSetChoice } from '../../shared/config';
import type { AnomalyRow } from '../../shared/schemas/analysis';
import type { EventBus } from '../events';
import type { Logger } from '../logger';
import { featureTableReads } from '../features/featureTable';
import type { Db } from '../store/db';
import type { WriteGate } from '../store/writeGate';
import { MlClient } from './mlClient';
import type { ExplainResult, ScoreArrays } from './protocol';
import { ModelRegistry, type PendingRescore } from './registry';
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
  /** The list rows of flagged entries, for the `anomalies` event (the read side is not the scorer's). */
  anomalyRows: (ids: number[]) => AnomalyRow[];
  /** When a training scores only its span and rescores the rest afterwards (BACKGROUND_RESCORE). */
  backgroundRescore?: BackgroundRescore;
  /**
   * Called before and after the scores of old entries in one time range are rewritten (the same
   * object to both): the span of a span-only training, the entries the old model scored during
   * it, then each chunk of the background rescoring. Only entries with fromMs ≤ ts < toMs get
   * new scores, in slices between the calls (the incidents regroup only the hours those cover).
   */
  onRescoring?: (range: RescoredRange) => void;
  onRescoredChunk?: (range: RescoredRange) => void;
  /** Resolves when what a version that just went live flags is kept (a training answers after it). */
  swappedIn?: (version: number) => Promise<void>;
}

/** Timestamps [fromMs, toMs) whose entries were rescored (toMs may be Infinity). */
export interface RescoredRange {
  fromMs: number;
  toMs: number;
}

export interface BackgroundRescore {
  /** More entries than this outside the training span: they are rescored after the swap. */
  above: number;
  /** Entries a chunk of that rescoring holds (about: whole timestamps stay together). */
  chunkRows: number;
}

/**
 * A 10M-line log spends minutes scoring every entry inside the training request and holds all
 * their features and scores at once (gigabytes): above a million entries outside the span, the
 * run reads and scores only the span, goes live, and the older entries get the new model's
 * scores in the background, 100,000 at a time.
 */
const BACKGROUND_RESCORE: BackgroundRescore = { above: 1_000_000, chunkRows: 100_000 };

/** Flagged rows announced per batch of new entries; the UI fetches the rest on demand. */
const MAX_EVENT_ROWS = 200;
/**
 * New entries are scored in id slices of this size, so a detection queued behind a big batch
 * (a 300,000-line file) waits for one slice (~50 ms in the scorer), not for the whole batch.
 */
const SCORE_SLICE = 25_000;
/**
 * The `entity` set's lines are mostly distinct vectors (13 features, bytes among them), so the
 * neighbour models cost ~40 µs a line instead of a few per distinct point: slices are smaller
 * to keep the wait of a queued detection near 100 ms.
 */
const ENTITY_SCORE_SLICE = 2_000;

/**
 * The model lifecycle: training in the trainer worker, versions in the registry, the live
 * model in a scorer worker (two of them, for the swap), scores for every entry after a
 * training and for new entries as they arrive.
 *
 * A training run, in order: features current → fit and score every entry (trainer worker) →
 * parameters stored (row still 'training') → scores written in short transactions → quality →
 * row 'complete' → swap (see `swap`): a detection sent before the swap finishes on the old
 * model, one sent after it uses the new one, none fails and none waits for the new model to
 * load. A kill before 'complete' leaves the previous version live and the run is redone at the
 * next start; after it, the new version is complete with all its scores.
 */
export class ModelService {
  readonly registry: ModelRegistry;
  private readonly writer: ScoreWriter;
  private readonly trainer: MlClient;
  /** Two scorers: the active one answers, the standby decodes the next version meanwhile. */
  private readonly scorers: [MlClient, MlClient];
  private active = 0;
  private swapping: Promise<void> = Promise.resolve();
  private live: number | null = null;
  private liveSet: FeatureSetChoice | null = null;
  private running: Promise<number> | null = null;
  private queued: Promise<number> | null = null;
  private scoring: Promise<void> = Promise.resolve();
  private rescoring: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: ModelServiceDeps) {
    this.registry = new ModelRegistry(deps.db);
    this.writer = new ScoreWriter(deps.db, deps.gate);
    this.trainer = new MlClient(deps.workerFile, 'trainer');
    this.scorers = [
      new MlClient(deps.workerFile, 'scorer-a', () => this.scorerRestarted(0)),
      new MlClient(deps.workerFile, 'scorer-b', () => this.scorerRestarted(1)),
    ];
  }

  /** The scorer that answers now. */
  private get scorer(): MlClient {
    return this.scorers[this.active];
  }

  get liveVersion(): number | null {
    return this.live;
  }

  /** The feature set the live model reads (detections must send its features). */
  get liveFeatureSet(): FeatureSetChoice | null {
    return this.liveSet;
  }

  /** Entries were removed (a source): the scorers rebuild their incremental feature state. */
  async forgetRemoved(): Promise<void> {
    await Promise.all(this.scorers.map((s) => s.forget().catch(() => undefined)));
  }

  get isTraining(): boolean {
    return this.running !== null;
  }

  /**
   * Loads the newest usable version, and resumes its background rescoring where a stop left it.
   * Returns true when a run was interrupted and should be redone.
   */
  async start(): Promise<boolean> {
    const interrupted = this.registry.markInterrupted() > 0;
    if (this.registry.completeVersions().length > 0) {
      const version = await this.reload().catch((err: Error) => {
        this.deps.logger.error({ err }, 'no model could be loaded at start');
        return null;
      });
      const pending = version === null ? null : this.registry.pendingRescore(version);
      const params = pending && this.registry.params(version!);
      if (pending && params) {
        this.deps.logger.info(
          { version, fromTs: pending.fromTs },
          'resuming the rescoring of entries outside the span',
        );
        this.rescoreLater(version!, params, pending);
      }
    }
    return interrupted;
  }

  /** Queues the background rescoring of `pending` with `version`'s model. */
  private rescoreLater(version: number, params: Uint8Array, pending: PendingRescore): void {
    this.rescoring = this.rescoring.then(() => this.rescoreOutsideSpan(version, params, pending));
  }

  async close(): Promise<void> {
    await this.queued?.catch(() => undefined);
    await this.running?.catch(() => undefined);
    await this.scoring;
    this.closed = true;
    await this.rescoring; // stops after its current chunk
    await Promise.all([this.trainer.close(), ...this.scorers.map((s) => s.close())]);
  }

  /**
   * Makes the newest complete version live. A version that cannot be loaded (corrupt or
   * unreadable parameters) is skipped with a logged error, noted on its row, and the previous
   * one is tried; the scorer keeps its current model until a load succeeds.
   */
  async reload(): Promise<number> {
    for (const version of this.registry.completeVersions()) {
      try {
        const params = this.registry.params(version);
        if (!params) throw new Error('no parameters are stored');
        await this.swap(version, params);
        this.registry.clearLoadError(version);
        return version;
      } catch (err) {
        if (this.closed) throw err;
        const message = (err as Error).message;
        this.registry.noteLoadError(version, message);
        this.deps.logger.error(
          { err, version },
          `model version ${version} cannot be loaded (${message}); trying the previous version`,
        );
      }
    }
    throw new ApiError(503, 'Failed to load any models after reload attempt. Train the models first.');
  }

  /**
   * One training run. A second call while one runs is refused with a 409 (as a rejected
   * promise, never a synchronous throw, so fire-and-forget callers can `.catch` it).
   */
  train(reason: string): Promise<number> {
    if (this.running) {
      return Promise.reject(new ApiError(409, 'A training run is already in progress; wait for it to finish'));
    }
    this.running = this.runTraining(reason).finally(() => (this.running = null));
    return this.running;
  }

  /**
   * A training run after the current one (if any) ends: for callers that must not be refused,
   * such as a window change. Calls made while one is already waiting share that run.
   */
  trainWhenIdle(reason: string): Promise<number> {
    if (!this.running) return this.train(reason);
    if (!this.queued) {
      this.queued = this.running
        .catch(() => undefined)
        .then(() => {
          this.queued = null;
          return this.running ?? this.train(reason);
        });
    }
    return this.queued;
  }

  private async runTraining(reason: string): Promise<number> {
    const { db, events, logger, config, gate } = this.deps;
    let reached = 0;
    const progress = (fraction: number, stage: string) => {
      reached = Math.min(1, Math.max(reached, fraction)); // never backwards, whatever the rounding
      events.emit({ type: 'training-progress', fraction: reached, stage });
    };
    progress(0, 'computing features');
    await this.deps.featuresCurrent();
    const span = db.prepare('SELECT max(ts_ms) AS hi FROM logs').get() as { hi: number | null };
    if (span.hi === null)
      throw new ApiError(409, 'There are no log entries to train on: add a source or generate sample data');
    const cfg = config();
    const version = await gate.write(() => this.registry.begin(cfg));
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
            featureSet: cfg.featureSet,
            windowMs: cfg.windowMs,
          },
          rescoreLaterAbove: (this.deps.backgroundRescore ?? BACKGROUND_RESCORE).above,
        },
        (f, stage) => progress(0.05 + 0.65 * f, stage), // the worker's 0…1 → 0.05…0.7
      );
      const thresholds = Object.fromEntries(t.scored.models.map((m, i) => [m, t.scored.thresholds[i]]));
      const pending: PendingRescore | null = t.rescoreLater
        ? { maxId: t.maxId, spanStartMs: t.spanStartMs, spanEndMs: t.spanEndMs, fromTs: Number.MIN_SAFE_INTEGER }
        : null;
      await gate.write(() => {
        this.registry.trained(version, { ...t, thresholds });
        this.registry.setRescore(version, pending);
      });
      progress(0.7, 'writing scores');
      // Only the span gets new scores when the rest is rescored later (else every entry does).
      await this.rewriting(t.rescoreLater ? { fromMs: t.spanStartMs, toMs: t.spanEndMs + 1 } : null, () =>
        this.writer.write(version, t.scored, (done, total) => progress(0.7 + (0.25 * done) / total, 'writing scores')),
      );
      progress(0.95, 'measuring quality');
      const metrics = await this.trainer.quality(this.deps.dbPath);
      await gate.write(() => this.registry.complete(version, metrics));
      progress(0.97, 'swapping the live model');
      await this.swap(version, t.params);
      // Entries that got features after the trainer read them were scored by the old model, or
      // not at all on a first training: score them with the new one before answering.
      await this.rewriting(t.rescoreLater ? this.rangeAfter(t.maxId) : null, () =>
        this.scoreNew(t.maxId + 1, Number.MAX_SAFE_INTEGER),
      );
      if (pending) this.rescoreLater(version, t.params, pending);
      // The Models view can compare this version once the training has answered.
      await this.deps.swappedIn?.(version);
      progress(1, 'done');
      logger.info(
        { version, rows: t.rows, ms: Math.round(t.trainMs), timings: t.timings, metrics, reason },
        'model trained',
      );
      return version;
    } catch (err) {
      const message = (err as Error).message;
      this.registry.fail(version, message);
      events.emit({ type: 'training-failed', message });
      logger.error({ err, version }, 'training failed');
      throw err instanceof ApiError ? err : new ApiError(422, `Training failed: ${message}`);
    }
  }

  /**
   * Makes `version` live without a pause: the standby scorer decodes it (a few hundred ms for
   * 300,000 rows) while the active one keeps answering, then one synchronous switch sends every
   * later request to it. Requests sent before the switch finish on the old model, which the old
   * worker then drops. A version that cannot be decoded never becomes active. Swaps run one at
   * a time.
   */
  private swap(version: number, params: Uint8Array): Promise<void> {
    const run = this.swapping
      .catch(() => undefined)
      .then(async () => {
        const next = this.active === 0 ? 1 : 0;
        const { featureSet } = await this.scorers[next].load(version, params);
        const old = this.active;
        this.active = next;
        this.liveSet = featureSet;
        void this.scorers[old].unload().catch(() => undefined);
        if (this.live !== version) {
          this.live = version;
          this.deps.events.emit({ type: 'model-swapped', version });
        }
      });
    this.swapping = run;
    return run;
  }

  /** A fresh worker holds no model: the active one gets the live model back, ahead of any queued request. */
  private scorerRestarted(index: 0 | 1): void {
    if (this.closed || index !== this.active || this.live === null) return;
    const version = this.live;
    this.deps.logger.error({ version }, 'the scorer worker restarted; loading the live model again');
    const params = this.registry.params(version);
    if (!params) return;
    this.scorers[index]
      .load(version, params)
      .catch((err: Error) => this.deps.logger.error({ err, version }, 'reloading after a restart failed'));
  }

  /** Runs a write of new scores for old entries of `range` (null: not one range), telling the incidents before and after. */
  private async rewriting<T>(range: RescoredRange | null, write: () => Promise<T>): Promise<T> {
    if (!range) return write();
    this.deps.onRescoring?.(range);
    try {
      return await write();
    } finally {
      this.deps.onRescoredChunk?.(range);
    }
  }

  /** The timestamps of the entries with ids above `id` (null: none). */
  private rangeAfter(id: number): RescoredRange | null {
    const [lo, hi] = this.deps.db.prepare('SELECT min(ts_ms), max(ts_ms) FROM logs WHERE id > ?').raw().get(id) as [
      number | null,
      number | null,
    ];
    return lo === null || hi === null ? null : { fromMs: lo, toMs: hi + 1 };
  }

  /** Resolves when the background rescoring after the last span-only training has ended. */
  rescored(): Promise<void> {
    return this.rescoring;
  }

  /**
   * After a span-only training: the entries up to maxId outside the span get `version`'s scores,
   * in time-ordered chunks scored by the trainer and written in short transactions. Stops when
   * another version goes live (its own run covers them) or the service closes.
   */
  private async rescoreOutsideSpan(version: number, params: Uint8Array, pending: PendingRescore): Promise<void> {
    const { chunkRows } = this.deps.backgroundRescore ?? BACKGROUND_RESCORE;
    const { maxId } = pending;
    const skip = { startMs: pending.spanStartMs, endMs: pending.spanEndMs };
    const t0 = performance.now();
    let rows = 0;
    let fromTs: number | null = pending.fromTs;
    let first = true;
    try {
      while (fromTs !== null && !this.closed && this.live === version) {
        const chunk = await this.trainer.rescoreChunk({
          dbPath: this.deps.dbPath,
          version,
          params: first ? params : undefined,
          fromTs,
          maxId,
          rows: chunkRows,
          skip,
        });
        first = false;
        await this.rewriting({ fromMs: chunk.fromTs, toMs: chunk.toTs }, () =>
          this.writer.write(version, chunk.scored),
        );
        rows += chunk.scored.ids.length;
        fromTs = chunk.nextFromTs;
        // Where to go on after a restart (a chunk cut short by one is written again, to the same scores).
        const next = fromTs === null ? null : { ...pending, fromTs };
        await this.deps.gate.write(() => this.registry.setRescore(version, next));
      }
      const ms = Math.round(performance.now() - t0);
      this.deps.logger.info({ version, rows, ms, complete: fromTs === null }, 'entries outside the span rescored');
    } catch (err) {
      if (!this.closed) this.deps.logger.warn({ err, version, rows }, 'rescoring the entries outside the span failed');
    }
  }

  /** New entries that just got features are scored by the live model, in arrival order. */
  scoreNew(firstId: number, lastId: number): Promise<void> {
    this.scoring = this.scoring.then(() => this.scoreIds(firstId, lastId));
    return this.scoring;
  }

  private async scoreIds(firstId: number, lastId: number): Promise<void> {
    if (this.live === null || this.closed) return;
    const featured = featureTableReads(this.deps.db).featuredUpTo();
    const top = Math.min(lastId, featured);
    let announce = MAX_EVENT_ROWS;
    const slice = this.liveSet === 'entity' ? ENTITY_SCORE_SLICE : SCORE_SLICE;
    for (let from = firstId; from <= top; from += slice) {
      const to = Math.min(top, from + slice - 1);
      try {
        const { version, scored } = await this.scorer.scoreRange(this.deps.dbPath, from, to);
        await this.writer.write(version, scored);
        announce -= this.announce(scored, announce);
      } catch (err) {
        this.deps.logger.warn({ err, firstId: from, lastId: to }, 'scoring new entries failed');
      }
    }
  }

  /** Scores feature rows given directly (detections); throws 503 when no model is live. */
  async scoreFeatures(features: Float64Array, rows: number): Promise<{ version: number; scored: ScoreArrays }> {
    if (this.live === null) {
      throw new ApiError(503, 'No models are loaded. Cannot perform detection. Please train the models first.');
    }
    return this.scorer.scoreRows(features, rows);
  }

  /** Scores of rows just inserted (detections); synchronous, may run inside the caller's transaction. */
  writeScores(version: number, scored: ScoreArrays, ids: ArrayLike<number>): void {
    this.writer.writeSync(version, scored, 0, scored.votes.length, ids);
  }

  async explain(features: number[]): Promise<{ version: number; result: ExplainResult } | null> {
    if (this.live === null) return null;
    return this.scorer.explain(features).catch(() => null);
  }

  /** Announces up to `limit` flagged rows of a scored slice, the most anomalous first; returns how many. */
  private announce(s: ScoreArrays, limit: number): number {
    const flagged: number[] = [];
    for (let i = 0; i < s.isAnomaly.length; i++) if (s.isAnomaly[i]) flagged.push(i);
    if (flagged.length === 0 || limit <= 0) return 0;
    if (flagged.length > limit) flagged.sort((a, b) => s.combined[b] - s.combined[a]).length = limit;
    const ids = flagged.map((i) => s.ids[i]).sort((a, b) => a - b);
    this.deps.events.emit({ type: 'anomalies', rows: this.deps.anomalyRows(ids) });
    return ids.length;
  }
}
