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
  /** Set by whoever runs the HTTP server, for the Settings view. */
  httpPort: number | null = null;

  private constructor(opts: EngineOptions) {
    this.dataDir = opts.dataDir;
    this.logger = opts.logger ?? createLogger();
    mkdirSync(this.dataDir, { recursive: true });
    this.db = openDatabase(join(this.dataDir, DB_FILE));
    this.config = new ConfigStore(this.db);
    this.tokens = new TokenStore(this.dataDir);
    this.api = this.handlers();
  }

  static start(opts: EngineOptions): Engine {
    return new Engine(opts);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
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
      previewWindow: notYet('window preview'),
      listSources: async () => listSources(this.db),
      addSource: notYet('adding sources'),
      removeSource: notYet('removing sources'),
      pauseSource: async ({ id }) => requireSource(id),
      resumeSource: async ({ id }) => requireSource(id),
      sourceErrors: async ({ id, limit }) => (requireSource(id), sourceErrors(this.db, id, limit)),
      generateSample: notYet('the sample generator'),
      generateFeatures: notYet('feature generation'),
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
