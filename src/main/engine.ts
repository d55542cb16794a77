import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type ApiHandlers } from '../shared/api';
import { AppConfigSchema, type AppConfig } from '../shared/config';
import { APP_VERSION } from '../shared/version';
import { EventBus } from './events';
import { createLogger, type Logger } from './logger';
import { listAnomalies } from './queries/anomalies';
import { overviewCounts, timeline } from './queries/overview';
import { getSource, listSources, sourceErrors } from './queries/sources';
import { TokenStore } from './security/token';
import { ConfigStore } from './settings/configStore';
import { openDatabase, type Db } from './store/db';
import { WriteGate } from './store/writeGate';
import { IngestService } from './ingest/ingestService';
import { generateSampleSource } from './ingest/sample/sampleJob';
import { FeaturePipeline } from './analysis/featurePipeline';
import { previewWindow } from './features';
import type { Readable } from 'node:stream';
import type { LogFormatChoice } from '../shared/config';

export const DB_FILE = 'outlier-desk.sqlite';

export interface EngineOptions {
  dataDir: string;
  logger?: Logger;
}

/**
 * The composition root: owns the store and every service, and implements the Api
 * contract. Free of Electron so the desktop shell, `npm run serve` and tests share it.
 */
export class Engine {
  readonly db: Db;
  readonly events = new EventBus();
  readonly config: ConfigStore;
  readonly tokens: TokenStore;
  readonly logger: Logger;
  readonly dataDir: string;
  readonly api: ApiHandlers;
  readonly gate = new WriteGate();
  readonly ingest: IngestService;
  readonly features: FeaturePipeline;
  /** Set by whoever runs the HTTP server, for the Settings view. */
  httpPort: number | null = null;

  private constructor(opts: EngineOptions) {
    this.dataDir = opts.dataDir;
    this.logger = opts.logger ?? createLogger();
    mkdirSync(this.dataDir, { recursive: true });
    this.db = openDatabase(join(this.dataDir, DB_FILE));
    this.config = new ConfigStore(this.db);
    this.tokens = new TokenStore(this.dataDir);
    this.features = new FeaturePipeline(this.db, this.gate, this.events, this.logger, () => this.config.get().windowMs);
    this.ingest = new IngestService({
      db: this.db,
      events: this.events,
      logger: this.logger,
      gate: this.gate,
      config: () => this.config.get(),
      onRows: () => void this.features.schedule(),
    });
    this.api = this.handlers();
  }

  /** Opens the store and resumes every source from its stored offset. */
  static async start(opts: EngineOptions): Promise<Engine> {
    const engine = new Engine(opts);
    await engine.ingest.start();
    void engine.features.schedule();
    return engine;
  }

  async close(): Promise<void> {
    await this.ingest.close();
    await this.features.schedule().catch(() => undefined);
    if (this.db.open) this.db.close();
  }

  /** POST /ingest: a raw body of log lines becomes an upload source. */
  async ingestUpload(name: string, body: Readable, format: LogFormatChoice) {
    const cursor = await this.ingest.ingestStream(name, body, format);
    await this.features.schedule();
    return { sourceId: cursor.sourceId, lines: cursor.lines, parseErrors: cursor.parseErrors, bytes: cursor.offset };
  }

  private tokenInfo() {
    return { token: this.tokens.get(), port: this.httpPort, dataDir: this.dataDir };
  }

  private applyConfig(patch: Partial<AppConfig> & { window?: number }): AppConfig {
    const { window, ...rest } = patch;
    const next = AppConfigSchema.parse({ ...this.config.get(), ...rest, ...(window ? { windowMs: window } : {}) });
    const saved = this.config.set(next);
    this.events.emit({ type: 'config-changed' });
    return saved;
  }

  private handlers(): ApiHandlers {
    const notYet = (what: string) => async (): Promise<never> => {
      throw new ApiError(501, `${what} is not available in this build yet`);
    };
    const requireSource = (id: number) => {
      const s = getSource(this.db, id);
      if (!s) throw new ApiError(404, `source ${id} does not exist`);
      return s;
    };
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
      removeSource: async ({ id }) => (requireSource(id), { removed: await this.ingest.remove(id) }),
      pauseSource: async ({ id }) => (requireSource(id), await this.ingest.pause(id), requireSource(id)),
      resumeSource: async ({ id }) => (requireSource(id), await this.ingest.resume(id), requireSource(id)),
      sourceErrors: async ({ id, limit }) => (requireSource(id), sourceErrors(this.db, id, limit)),
      generateSample: async (opts) => {
        const r = await generateSampleSource(this.ingest, this.db, this.dataDir, opts);
        await this.features.schedule();
        return {
          message: `${r.rows} rows of sample data saved to the 'logs' table in ${this.db.name}`,
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
      trainModels: notYet('training'),
      reloadModels: notYet('model reload'),
      detect: notYet('detection'),
      detectBatch: notYet('batch detection'),
      listAnomalies: async (q) => listAnomalies(this.db, q),
      getLog: notYet('entry details'),
      listModels: async () => ({ live: null, training: false, nextRunAt: null, versions: [] }),
      overview: async () => ({ ...overviewCounts(this.db), liveModel: null, nextRunAt: null }),
      timeline: async (q) => timeline(this.db, q),
      getToken: async () => this.tokenInfo(),
      regenerateToken: async () => (this.tokens.regenerate(), this.tokenInfo()),
    };
  }
}
