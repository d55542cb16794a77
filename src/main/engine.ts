import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Statement } from 'better-sqlite3';
import type { ApiHandlers, Input, OperationName, Output } from '../shared/api';
import { apiHandlers, ConfigChanges, dispatch, streamHandlers, type Services, type StreamHandlers } from './api';
import { FeaturePipeline, type FeatureRange } from './features/featurePipeline';
import { DetectService } from './models/detectService';
import { EventBus } from './events';
import type { ObservedEntry } from './features/catalogueLive';
import { FeedbackStore } from './feedback/feedbackStore';
import { ClickHouseSource } from './fleet/clickhouseSource';
import { FleetService, type ClickHouseConnector } from './fleet/fleetService';
import { IncidentStore } from './incidents/incidentStore';
import { snapshotKept, snapshotVersion } from './incidents/modelDiff';
import { IngestService } from './ingest/ingestService';
import { createLogger, type Logger } from './logger';
import { ModelService, type BackgroundRescore } from './models/modelService';
import { anomalyRowsByIds } from './queries/anomalies';
import { Scheduler } from './models/scheduler';
import { SearchIndexer } from './search/searchIndexer';
import { TokenStore } from './store/tokenStore';
import { FileSecretStore, type SecretStore } from './store/secretStore';
import { ConfigStore } from './store/configStore';
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
  /** When a training rescores the entries outside its span in the background (tests lower it). */
  backgroundRescore?: BackgroundRescore;
  /** Where secrets (the ClickHouse password) are kept; default a 0600 file in the data folder. */
  secrets?: SecretStore;
  /** How fleet mode reaches ClickHouse; default over HTTP (tests hand in an in-process server). */
  clickhouse?: ClickHouseConnector;
}

/** Above this many new rows the live window is rebuilt from the database instead of fed row by row. */
const OBSERVE_MAX_ROWS = 50_000;

/**
 * The composition root: opens the store, builds every service and wires them together; the
 * operations themselves live in src/main/api/, one module per domain. Free of Electron so the
 * desktop shell, `npm run serve` and tests share it.
 */
export class Engine implements Services {
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
  readonly search: SearchIndexer;
  readonly models: ModelService;
  readonly detector: DetectService;
  readonly scheduler: Scheduler;
  readonly incidents: IncidentStore;
  readonly feedback: FeedbackStore;
  readonly secrets: SecretStore;
  readonly fleet: FleetService;
  readonly api: ApiHandlers;
  readonly streams: StreamHandlers;
  private readonly checkpointer: Checkpointer;
  private readonly configChanges: ConfigChanges;
  private listeningPort: number | null = null;
  /** A regroup waits for the background rescoring in progress to end. */
  private followingRescore = false;
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
    this.search = new SearchIndexer(this.db, this.gate, this.logger);
    this.ingest = new IngestService({
      db: this.db,
      events: this.events,
      logger: this.logger,
      gate: this.gate,
      config: cfg,
      onRows: () => {
        void this.features.schedule();
        void this.search.schedule();
      },
      onRemoved: () => this.features.sourcesRemoved(),
    });
    const workerFile = opts.workerFile ?? join(process.cwd(), 'out', 'main', 'mlWorker.js');
    if (!existsSync(workerFile)) throw new Error(`The ML worker ${workerFile} is missing: run \`npm run build\``);
    this.checkpointer = new Checkpointer(this.db, this.dbPath, join(dirname(workerFile), 'checkpointWorker.js'));
    this.models = new ModelService({
      backgroundRescore: opts.backgroundRescore,
      db: this.db,
      dbPath: this.dbPath,
      gate: this.gate,
      events: this.events,
      logger: this.logger,
      config: cfg,
      workerFile,
      featuresCurrent: () => this.features.schedule(),
      anomalyRows: (ids) => anomalyRowsByIds(this.db, ids),
      // The incidents note each rescored range and, once the rescoring ends, regroup only those
      // hours (or rebuild, when they hold most entries), in slices, before anyone asks. Following every chunk as it landed kept the UI's
      // first read short too, but regrouping ~100 times over held ~200 MB more at 4M entries.
      onRescoring: (range) => this.incidents.rescoring(range),
      swappedIn: (version) => snapshotKept(this.db, version),
      onRescoredChunk: (range) => {
        this.incidents.rescored(range);
        if (this.followingRescore) return;
        this.followingRescore = true;
        void this.models
          .rescored()
          .then(() => {
            this.followingRescore = false;
            return this.incidents.settle();
          })
          .catch((err: unknown) => this.logger.warn({ err }, 'the incidents could not follow the rescoring'));
      },
    });
    this.detector = new DetectService({
      db: this.db,
      gate: this.gate,
      writer: this.ingest.writer,
      repo: this.ingest.repo,
      apiSourceId: () => this.ingest.apiSourceId(),
      models: this.models,
      windowMs: () => cfg().windowMs,
      inserted: () => {
        void this.features.schedule();
        void this.search.schedule();
      },
    });
    this.incidents = new IncidentStore(this.db, () => cfg().windowMs);
    this.feedback = new FeedbackStore(this.db);
    this.secrets = opts.secrets ?? new FileSecretStore(this.dataDir);
    this.fleet = new FleetService({
      dataDir: this.dataDir,
      secrets: this.secrets,
      logger: this.logger,
      connect: opts.clickhouse ?? ((o) => ClickHouseSource.connect(o)),
      contamination: () => cfg().contamination,
      progress: (stage, fraction) => this.events.emit({ type: 'fleet-progress', stage, fraction }),
    });
    // What each version flags is kept when it goes live, for the Models view's comparison.
    this.events.on((e) => {
      if (e.type !== 'model-swapped' || !this.db.open) return;
      // In slices, after the swap: a full grouping at once held the event loop for seconds at 10M lines.
      void snapshotVersion(this.db, this.incidents, e.version, this.gate).catch((err: unknown) => {
        if (this.db.open)
          this.logger.warn({ err, version: e.version }, 'could not keep the incidents of a model version');
      });
    });
    this.scheduler = new Scheduler({
      db: this.db,
      logger: this.logger,
      config: cfg,
      run: (reason) => this.models.train(reason),
    });
    this.features.onFeatures((r) => this.afterFeatures(r));
    this.configChanges = new ConfigChanges(this);
    this.streams = streamHandlers(this);
    this.api = apiHandlers(this, this.configChanges, {
      httpPort: () => this.httpPort,
      tokenChanged: () => this.tokenListeners.forEach((listener) => listener()),
    });
  }

  /** The loopback API's port while a server listens (Settings and the menu show it), else null. */
  get httpPort(): number | null {
    return this.listeningPort;
  }

  /** Told by whoever runs the HTTP server (http/apiServer.ts, serve.ts) when it starts or stops listening. */
  httpListening(port: number | null): void {
    this.listeningPort = port;
  }

  /** Opens the store, loads the live model and resumes every source from its stored offset. */
  static async start(opts: EngineOptions): Promise<Engine> {
    const engine = new Engine(opts);
    const interrupted = await engine.models.start();
    await engine.ingest.start();
    void engine.features.schedule();
    void engine.search.schedule();
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
    await this.search.close();
    await this.configChanges.idle();
    await this.features.schedule().catch(() => undefined);
    await this.models.close();
    await this.checkpointer.stop();
    if (this.db.open) this.db.close();
  }

  /** Validates raw input with the contract's schema, then runs the operation (IPC and tests). */
  async call<K extends OperationName>(name: K, input: Input<K>): Promise<Output<K>> {
    return dispatch(this.api, name, input);
  }

  /**
   * Runs `listener` after each token change, until the returned function is called: the HTTP
   * server ends the event streams opened with the old token, which a header check alone would not.
   */
  onTokenChange(listener: () => void): () => void {
    this.tokenListeners.add(listener);
    return () => void this.tokenListeners.delete(listener);
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
}
