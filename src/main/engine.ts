import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Statement } from 'better-sqlite3';
import { ApiError, operations, type ApiHandlers, type Input, type OperationName, type Output } from '../shared/api';
import { describeZodError } from './http/validation';
import { AppConfigSchema, type AppConfig, type ConfigPatch, type LogFormatChoice } from '../shared/config';
import { APP_VERSION } from '../shared/version';
import { FeaturePipeline, type FeatureRange } from './analysis/featurePipeline';
import { DetectService } from './detect/detectService';
import { EventBus } from './events';
import { previewWindow } from './features';
import type { ObservedEntry } from './features/catalogueLive';
import { catalogueFeaturesOf, explanationItems } from './features/explanation';
import { FeedbackStore } from './feedback/feedbackStore';
import { IncidentStore } from './incidents/incidentStore';
import { incidentReport } from './incidents/report';
import { modelDiff, snapshotVersion } from './incidents/modelDiff';
import { IngestService } from './ingest/ingestService';
import { generateSampleSource } from './ingest/sample/sampleJob';
import { createLogger, type Logger } from './logger';
import { ModelService } from './models/modelService';
import { listAnomalies } from './queries/anomalies';
import { logDetail } from './queries/logDetail';
import { overviewCounts, timeline } from './queries/overview';
import { getSource, listSources, sourceErrors } from './queries/sources';
import { Scheduler } from './scheduler/scheduler';
import { TokenStore } from './security/token';
import { ConfigStore } from './settings/configStore';
import { openDatabase, type Db } from './store/db';
import { DB_FILE, preparePrivateDataDir } from './store/dataDir';
import { Checkpointer } from './store/checkpointer';
import { WriteGate } from './store/writeGate';

export { DB_FILE } from './store/dataDir';

export interface EngineOptions {
  dataDir: string;
  logger?: Logger;
  /** The bundled ML worker (out/main/mlWorker.js); defaults to the build in the working directory. */
  workerFile?: string;
  /** Run the retraining schedule (off in tests that drive training themselves). */
  schedule?: boolean;
}

/** Above this many new rows the live window is rebuilt from the database instead of fed row by row. */
const OBSERVE_MAX_ROWS = 50_000;

/**
 * The composition root: owns the store and every service, and implements the Api
 * contract. Free of Electron so the desktop shell, `npm run serve` and tests share it.
 */
export class Engine {
  readonly db: Db;
  readonly dbPath: string;
  readonly events = new EventBus();
  readonly config: ConfigStore;
  readonly tokens: TokenStore;
  readonly logger: Logger;
  readonly dataDir: string;
  readonly gate = new WriteGate();
  readonly ingest: IngestService;
  readonly features: FeaturePipeline;
  readonly models: ModelService;
  readonly detector: DetectService;
  readonly scheduler: Scheduler;
  readonly incidents: IncidentStore;
  readonly feedback: FeedbackStore;
  readonly api: ApiHandlers;
  private readonly checkpointer: Checkpointer;
  /** Set by whoever runs the HTTP server, for the Settings view. */
  httpPort: number | null = null;
  private applying: Promise<void> = Promise.resolve();
  private readonly tokenListeners = new Set<() => void>();
  /** Rows of one id range that came from files (the live window's input); prepared once. */
  private fileRows: Statement | null = null;

  private constructor(private readonly opts: EngineOptions) {
    this.dataDir = opts.dataDir;
    this.logger = opts.logger ?? createLogger();
    // 0700, owned by us, nothing planted: checked before anything in it is opened.
    preparePrivateDataDir(this.dataDir);
    this.dbPath = join(this.dataDir, DB_FILE);
    this.db = openDatabase(this.dbPath);
    this.config = new ConfigStore(this.db);
    this.tokens = new TokenStore(this.dataDir);
    const cfg = () => this.config.get();
    this.features = new FeaturePipeline(this.db, this.gate, this.events, this.logger, () => cfg().windowMs);
    this.ingest = new IngestService({
      db: this.db,
      events: this.events,
      logger: this.logger,
      gate: this.gate,
      config: cfg,
      onRows: () => void this.features.schedule(),
    });
    const workerFile = opts.workerFile ?? join(process.cwd(), 'out', 'main', 'mlWorker.js');
    if (!existsSync(workerFile)) throw new Error(`The ML worker ${workerFile} is missing: run \`npm run build\``);
    this.checkpointer = new Checkpointer(this.db, this.dbPath, join(dirname(workerFile), 'checkpointWorker.js'));
    this.models = new ModelService({
      db: this.db,
      dbPath: this.dbPath,
      gate: this.gate,
      events: this.events,
      logger: this.logger,
      config: cfg,
      workerFile,
      featuresCurrent: () => this.features.schedule(),
    });
    this.detector = new DetectService({
      db: this.db,
      gate: this.gate,
      writer: this.ingest.writer,
      repo: this.ingest.repo,
      apiSourceId: () => this.ingest.apiSourceId(),
      models: this.models,
      windowMs: () => cfg().windowMs,
      inserted: () => void this.features.schedule(),
    });
    this.incidents = new IncidentStore(this.db, () => cfg().windowMs);
    this.feedback = new FeedbackStore(this.db);
    // What each version flags is kept when it goes live, for the Models view's comparison.
    this.events.on((e) => {
      if (e.type !== 'model-swapped' || !this.db.open) return;
      try {
        snapshotVersion(this.db, this.incidents, e.version);
      } catch (err) {
        this.logger.warn({ err, version: e.version }, 'could not keep the incidents of a model version');
      }
    });
    this.scheduler = new Scheduler({
      db: this.db,
      logger: this.logger,
      config: cfg,
      run: (reason) => this.models.train(reason),
    });
    this.features.onFeatures((r) => this.afterFeatures(r));
    this.api = this.handlers();
  }

  /** Opens the store, loads the live model and resumes every source from its stored offset. */
  static async start(opts: EngineOptions): Promise<Engine> {
    const engine = new Engine(opts);
    const interrupted = await engine.models.start();
    await engine.ingest.start();
    void engine.features.schedule();
    if (opts.schedule !== false) engine.scheduler.start();
    if (interrupted) {
      engine.logger.warn('a training run was interrupted; running it again');
      void engine.models.train('redo interrupted run').catch(() => undefined);
    }
    return engine;
  }

  async close(): Promise<void> {
    this.scheduler.stop();
    await this.ingest.close();
    await this.applying.catch(() => undefined);
    await this.features.schedule().catch(() => undefined);
    await this.models.close();
    await this.checkpointer.stop();
    if (this.db.open) this.db.close();
  }

  /** Validates raw input with the contract's schema, then runs the operation (IPC and tests). */
  async call<K extends OperationName>(name: K, input: Input<K>): Promise<Output<K>> {
    const parsed = operations[name].input.safeParse(input ?? {});
    if (!parsed.success) throw new ApiError(400, describeZodError(parsed.error));
    return (this.api[name] as (i: unknown) => Promise<Output<K>>)(parsed.data);
  }

  /**
   * Runs `listener` after each token change, until the returned function is called: the HTTP
   * server ends the event streams opened with the old token, which a header check alone would not.
   */
  onTokenChange(listener: () => void): () => void {
    this.tokenListeners.add(listener);
    return () => void this.tokenListeners.delete(listener);
  }

  /** POST /ingest: a raw body of log lines becomes an upload source. */
  async ingestUpload(name: string, body: Readable, format: LogFormatChoice) {
    const cursor = await this.ingest.ingestStream(name, body, format);
    await this.features.schedule();
    return { sourceId: cursor.sourceId, lines: cursor.lines, parseErrors: cursor.parseErrors, bytes: cursor.offset };
  }

  /** New rows have features: score them, and let the live window see rows that came from files. */
  private afterFeatures({ firstId, lastId }: FeatureRange): void {
    void this.models.scoreNew(firstId, lastId);
    if (lastId - firstId >= OBSERVE_MAX_ROWS) return this.detector.resetWindow();
    this.fileRows ??= this.db.prepare(
      `SELECT l.id, l.ip, l.ts_ms AS tsMs, l.status, l.method, l.endpoint, l.bytes FROM logs l
       JOIN sources s ON s.id = l.source_id
       WHERE l.id BETWEEN ? AND ? AND s.kind != 'api' ORDER BY l.id`,
    );
    this.detector.observe(this.fileRows.all(firstId, lastId) as ObservedEntry[]);
  }

  private tokenInfo() {
    return { token: this.tokens.get(), port: this.httpPort, dataDir: this.dataDir };
  }

  /** Saves a configuration change; a new window recomputes every feature and then retrains. */
  private applyConfig(
    patch: Omit<ConfigPatch, 'window' | 'windowMs'> & { window?: number; windowMs?: number },
  ): AppConfig {
    const { window, ...rest } = patch;
    const before = this.config.get();
    const next = AppConfigSchema.parse({ ...before, ...rest, ...(window !== undefined ? { windowMs: window } : {}) });
    const saved = this.config.set(next);
    this.events.emit({ type: 'config-changed' });
    if (saved.retrainEveryHours !== before.retrainEveryHours) this.scheduler.reschedule();
    if (saved.windowMs !== before.windowMs) {
      this.applying = this.applying.then(() => this.recomputeAndRetrain());
    } else if (saved.featureSet !== before.featureSet) {
      this.applying = this.applying.then(() => this.retrainForFeatureSet());
    }
    return saved;
  }

  private async recomputeAndRetrain(): Promise<void> {
    try {
      this.detector.resetWindow();
      await this.features.recomputeAll();
      if (this.models.liveVersion !== null || this.db.prepare('SELECT 1 FROM logs LIMIT 1').get()) {
        await this.models.trainWhenIdle('window changed');
      }
    } catch (err) {
      this.logger.error({ err }, 'applying the new window failed');
    }
  }

  /** Another feature set: the models are retrained on it (the `original` features are always kept current). */
  private async retrainForFeatureSet(): Promise<void> {
    try {
      this.detector.resetWindow();
      if (this.models.liveVersion !== null || this.db.prepare('SELECT 1 FROM logs LIMIT 1').get()) {
        await this.models.trainWhenIdle('feature set changed');
      }
    } catch (err) {
      this.logger.error({ err }, 'retraining on the new feature set failed');
    }
  }

  private handlers(): ApiHandlers {
    const requireLog = (id: number) => {
      if (!this.db.prepare('SELECT 1 FROM logs WHERE id = ?').get(id))
        throw new ApiError(404, `log entry ${id} does not exist`);
    };
    const requireSource = (id: number) => {
      const s = getSource(this.db, id);
      if (!s) throw new ApiError(404, `source ${id} does not exist`);
      return s;
    };
    const modelsText = () =>
      `[${this.config
        .get()
        .models.map((m) => `'${m}'`)
        .join(', ')}]`;
    return {
      health: async () => ({ status: 'ok', version: APP_VERSION }),
      getConfig: async () => this.config.get(),
      putConfig: async (patch) => this.applyConfig(patch),
      previewWindow: async ({ window }) => {
        const p = previewWindow(this.db, window, { sampleLimit: 1_000_000 });
        return { windowMs: p.windowMs, rows: p.rows, proposed: p.proposed, current: p.current };
      },
      listSources: async () => listSources(this.db),
      addSource: async (input) => this.ingest.addPath(input),
      removeSource: async ({ id }) => {
        requireSource(id);
        const removed = await this.ingest.remove(id);
        // Entries of other sources may have counted the removed ones in their windows.
        if (removed) {
          this.detector.resetWindow();
          void this.models.forgetRemoved();
          void this.features.recomputeAll().catch(() => undefined);
        }
        return { removed };
      },
      pauseSource: async ({ id }) => (requireSource(id), await this.ingest.pause(id), requireSource(id)),
      resumeSource: async ({ id }) => (requireSource(id), await this.ingest.resume(id), requireSource(id)),
      sourceErrors: async ({ id, limit }) => (requireSource(id), sourceErrors(this.db, id, limit)),
      generateSample: async (opts) => {
        const r = await generateSampleSource(this.ingest, this.db, this.dataDir, opts);
        await this.features.schedule();
        return {
          message: `${r.rows} rows of sample data saved to the 'logs' table in ${this.dbPath}`,
          rows: r.rows,
          anomalies: r.anomalies,
          source_id: r.sourceId,
          path: r.path,
        };
      },
      generateFeatures: async () => {
        await this.features.recomputeAll();
        return { status: 'success', message: 'Feature generation task completed successfully.' };
      },
      trainModels: async () => {
        await this.models.train('requested');
        this.scheduler.noteTrained();
        return { status: 'success', message: `Model training initiated for: ${modelsText()}` };
      },
      reloadModels: async () => {
        await this.models.reload();
        return { status: 'success', message: 'Models reloaded successfully.' };
      },
      detect: async (input) => this.detector.detect(input),
      detectBatch: async (input) => this.detector.detectBatch(input),
      listAnomalies: async (q) => listAnomalies(this.db, q),
      getLog: async ({ id }) => {
        const detail = logDetail(this.db, id, (v) => this.models.registry.thresholds(v), this.config.get().windowMs);
        if (!detail) throw new ApiError(404, `log entry ${id} does not exist`);
        if (this.models.liveFeatureSet === 'entity') {
          const windowMs = this.config.get().windowMs;
          const raw = catalogueFeaturesOf(this.db, windowMs, id);
          const explained = raw && (await this.models.explain(Array.from(raw)));
          if (raw && explained) {
            const { features, featuresHigher } = explained.result;
            detail.explanation = explanationItems(raw, features, featuresHigher ?? [], windowMs);
          }
        } else if (detail.features) {
          const f = detail.features;
          const explained = await this.models.explain([f.request_count, f.client_error_count, f.server_error_count]);
          if (explained) {
            const [a, b, c] = explained.result.features;
            detail.featurePercentiles = { request_count: a, client_error_count: b, server_error_count: c };
          }
        }
        return detail;
      },
      listModels: async () => ({
        live: this.models.liveVersion,
        training: this.models.isTraining,
        nextRunAt: this.scheduler.nextRunAt,
        versions: this.models.registry.list(this.models.liveVersion),
      }),
      overview: async () => ({
        ...overviewCounts(this.db),
        liveModel: this.models.liveVersion,
        nextRunAt: this.scheduler.nextRunAt,
      }),
      timeline: async (q) => timeline(this.db, q),
      listIncidents: async (q) => this.incidents.list(q),
      incidentReport: async ({ id }) => {
        const detail = this.incidents.detail(id);
        const flagged = this.incidents.flaggedIds(id);
        if (!detail || !flagged)
          throw new ApiError(404, `incident ${id} does not exist (incidents change as entries are scored)`);
        return incidentReport(this.db, detail, flagged);
      },
      modelDiff: async ({ from, to }) => modelDiff(this.db, from, to),
      giveFeedback: async (f) => {
        const ids = f.entry !== undefined ? (requireLog(f.entry), [f.entry]) : this.incidents.flaggedIds(f.incident!);
        if (!ids)
          throw new ApiError(404, `incident ${f.incident} does not exist (incidents change as entries are scored)`);
        return this.feedback.record(f, ids, f.entry !== undefined ? `entry ${f.entry}` : `incident ${f.incident}`);
      },
      listSuppressions: async () => ({ suppressions: this.feedback.listSuppressions() }),
      addSuppression: async (rule) => this.feedback.addSuppression(rule),
      updateSuppression: async ({ id, ...patch }) => this.feedback.updateSuppression(id, patch),
      removeSuppression: async ({ id }) => (this.feedback.removeSuppression(id), { removed: true as const }),
      getIncident: async ({ id }) => {
        const incident = this.incidents.detail(id);
        if (!incident)
          throw new ApiError(404, `incident ${id} does not exist (incidents change as entries are scored)`);
        return incident;
      },
      getToken: async () => this.tokenInfo(),
      regenerateToken: async () => {
        this.tokens.regenerate();
        for (const listener of this.tokenListeners) listener();
        return this.tokenInfo();
      },
    };
  }
}
