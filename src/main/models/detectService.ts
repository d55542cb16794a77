import type { Transaction } from 'better-sqlite3';
import type { z } from 'zod';
import { ApiError } from '../../shared/api';
import type { ModelName } from '../../shared/config';
import type {
  DetectBatchRequestSchema,
  DetectRequestSchema,
  DetectResponse,
  Features,
} from '../../shared/schemas/original';
import { LiveWindowCache } from '../features';
import { CatalogueLive, type ObservedEntry } from '../features/catalogueLive';
import { RAW_COLUMNS } from '../features/catalogueWindow';
import type { LogWriter, PendingRow, SourceCursor } from '../ingest/logWriter';
import type { SourceRepo } from '../ingest/sourceRepo';
import type { ModelService } from './modelService';
import { FEATURE_NAMES } from '../features/types';
import type { ScoreArrays } from './protocol';
import type { Db } from '../store/db';
import type { WriteGate } from '../store/writeGate';

type DetectInput = z.output<typeof DetectRequestSchema>;
type BatchInput = z.output<typeof DetectBatchRequestSchema>;

export interface DetectDeps {
  db: Db;
  gate: WriteGate;
  writer: LogWriter;
  repo: SourceRepo;
  apiSourceId: () => number;
  models: ModelService;
  windowMs: () => number;
  /** Called after entries are inserted, so batch features catch up (coalesced). */
  inserted: () => void;
}

const COLS = FEATURE_NAMES.length;

/**
 * Batch features (and the background rescoring that follows them) catch up with detected
 * entries once the API has been quiet for CATCH_UP_QUIET_MS, and at least every
 * CATCH_UP_MAX_MS under sustained traffic. One catch-up over many entries instead of one per
 * request keeps that work off the request path of a busy script; the answers never wait for
 * it (their features come from the live window, their scores are stored before answering).
 */
export const CATCH_UP_QUIET_MS = 50;
export const CATCH_UP_MAX_MS = 2_000;

/** One detected entry, as stored and as answered. */
interface Detected {
  id: number;
  /** The entry as stored (lone surrogates replaced). */
  entry: DetectInput;
  /** The timestamp as the original wrote it. */
  timestamp: string;
  features: Features;
}

/** The outcome of one `run`: the entries in order, and the live model's scores of them. */
interface RunResult {
  version: number;
  scored: ScoreArrays;
  entries: Detected[];
}

/**
 * POST /outlier/detect and /outlier/detect_batch: insert the entries as the original did,
 * compute their live window features from the in-memory cache, score them with the live model
 * and store the scores, all before answering. The rows, their scores and the API source's
 * cursor commit in one transaction, so a refused or failed request leaves nothing behind and
 * an accepted one always has its scores.
 */
export class DetectService {
  private cache: LiveWindowCache | null = null;
  /** The `entity` feature set's live window (used while the live model reads that set). */
  private catalogue: CatalogueLive | null = null;
  private sourceId: number | null = null;
  private cursor: SourceCursor | null = null;
  private catchUp: NodeJS.Timeout | null = null;
  /** When the oldest entry still waiting for the catch-up was inserted (0: none waiting). */
  private waitingSince = 0;
  private catchUpAtDeadline = false;
  private readonly persistTx: Transaction<(run: RunResult) => number[]>;

  constructor(private readonly deps: DetectDeps) {
    this.persistTx = deps.db.transaction((run: RunResult) => {
      const ids = this.insert(run.entries);
      deps.models.writeScores(run.version, run.scored, ids);
      return ids;
    });
  }

  /** The live window cache, rebuilt from the database when the window changes. */
  window(): LiveWindowCache {
    const w = this.deps.windowMs();
    if (!this.cache || this.cache.windowMs !== w) {
      this.cache = new LiveWindowCache({ windowMs: w });
      this.cache.seed(this.deps.db);
    }
    return this.cache;
  }

  /** The live catalogue window, rebuilt from the database when the window changes. */
  private catalogueWindow(): CatalogueLive {
    const w = this.deps.windowMs();
    if (!this.catalogue || this.catalogue.windowMs !== w) this.catalogue = new CatalogueLive(this.deps.db, w);
    return this.catalogue;
  }

  /** Drops the live windows; the next detection rebuilds them from the database. */
  resetWindow(): void {
    this.cache = null;
    this.catalogue = null;
  }

  /** Entries ingested from files feed the live windows too, so detections count them. */
  observe(entries: ObservedEntry[]): void {
    this.catalogue?.observe(entries);
    if (!this.cache) return;
    for (const e of entries) this.cache.add(e);
  }

  /** Feature rows of the entries, in the layout of the live model's feature set. */
  private featureRows(entries: Detected[], set: 'entity' | 'original'): Float64Array {
    const n = entries.length;
    if (set === 'entity') {
      const live = this.catalogueWindow();
      const matrix = new Float64Array(n * RAW_COLUMNS);
      for (let i = 0; i < n; i++) {
        const e = entries[i].entry;
        const f = live.add({
          tsMs: e.timestamp,
          ip: e.ip_address,
          method: null,
          endpoint: e.service_endpoint,
          status: e.http_response_code,
          bytes: null,
        });
        matrix.set(f, i * RAW_COLUMNS);
        // The catalogue's first three columns are the original's counts, by the same rule.
        entries[i].features = { request_count: f[0], client_error_count: f[1], server_error_count: f[2] };
      }
      return matrix;
    }
    const cache = this.window();
    const matrix = new Float64Array(n * COLS);
    for (let i = 0; i < n; i++) {
      const e = entries[i].entry;
      const f = cache.add({ ip: e.ip_address, tsMs: e.timestamp, status: e.http_response_code });
      matrix[i * COLS] = f.request_count;
      matrix[i * COLS + 1] = f.client_error_count;
      matrix[i * COLS + 2] = f.server_error_count;
      entries[i].features = f;
    }
    return matrix;
  }

  async detect(input: DetectInput): Promise<DetectResponse> {
    // The original answered 500 here before any model, and its own test asserts that status.
    const run = await this.run([input], 500);
    const { scored } = run;
    const entry = run.entries[0];
    const e = entry.entry;
    const predictions: DetectResponse['model_predictions'] = {};
    for (let k = 0; k < scored.models.length; k++) {
      const score = scored.scores[k][0];
      predictions[scored.models[k]] = { is_anomaly: score > scored.thresholds[k], score: String(score) };
    }
    return {
      status: 'success',
      log_entry: {
        timestamp: entry.timestamp,
        ip_address: e.ip_address,
        service_endpoint: e.service_endpoint,
        http_response_code: e.http_response_code,
      },
      final_decision: {
        is_anomaly: scored.isAnomaly[0] === 1,
        reason: `${scored.votes[0]} out of ${scored.models.length} models flagged it as an anomaly.`,
      },
      model_predictions: predictions,
      features_calculated: entry.features,
      log_id: entry.id,
      model_version: run.version,
    };
  }

  async detectBatch(input: BatchInput) {
    const { version, scored, entries } = await this.run(input.entries);
    const models = scored.models;
    const results = new Array<{
      log_id: number;
      is_anomaly: boolean;
      votes: number;
      combined_score: number;
      scores: Partial<Record<ModelName, number>>;
      features_calculated: Features;
    }>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const scores: Partial<Record<ModelName, number>> = {};
      for (let k = 0; k < models.length; k++) scores[models[k]] = scored.scores[k][i];
      results[i] = {
        log_id: entries[i].id,
        is_anomaly: scored.isAnomaly[i] === 1,
        votes: scored.votes[i],
        combined_score: scored.combined[i],
        scores,
        features_calculated: entries[i].features,
      };
    }
    return { status: 'success' as const, model_version: version, results };
  }

  /** `noModel`: the status of the refusal when no model is live (503 unless the route keeps the original's). */
  private async run(input: DetectInput[], noModel: 500 | 503 = 503): Promise<RunResult> {
    const { models, gate } = this.deps;
    if (models.liveVersion === null) {
      // Refused before anything is stored, as the original did.
      await models.scoreFeatures(new Float64Array(0), 0).catch((err: unknown) => {
        throw err instanceof ApiError ? new ApiError(noModel, err.message) : err;
      });
    }
    const n = input.length;
    const entries = new Array<Detected>(n);
    for (let i = 0; i < n; i++) {
      const e = wellFormed(input[i]);
      entries[i] = { id: 0, entry: e, timestamp: isoSeconds(e.timestamp), features: NO_FEATURES };
    }
    try {
      const matrix = this.featureRows(entries, models.liveFeatureSet ?? 'original');
      const { version, scored } = await models.scoreFeatures(matrix, n);
      const run: RunResult = { version, scored, entries };
      await gate.write(() => this.persist(run));
      this.scheduleCatchUp();
      return run;
    } catch (err) {
      // The windows counted entries that were not stored: rebuild them from the database.
      this.resetWindow();
      throw err;
    }
  }

  /** Writes rows and scores in one transaction; retried once with a fresh cursor if the API source changed. */
  private persist(run: RunResult): void {
    for (let attempt = 0; ; attempt++) {
      try {
        const ids = this.persistTx(run);
        for (let i = 0; i < ids.length; i++) run.entries[i].id = ids[i];
        return;
      } catch (err) {
        // Re-read the source and its cursor next time (removed source, rolled-back counters).
        this.sourceId = null;
        this.cursor = null;
        if (attempt > 0) throw err;
      }
    }
  }

  /** The rows and the API source's cursor, like any ingest batch (runs inside `persistTx`). */
  private insert(entries: Detected[]): number[] {
    this.sourceId ??= this.deps.apiSourceId();
    if (!this.cursor || this.cursor.sourceId !== this.sourceId) {
      const c = this.deps.repo.cursor(this.sourceId);
      if (!c) throw new Error(`source ${this.sourceId} no longer exists`);
      this.cursor = c;
    }
    const cursor = this.cursor;
    const rows = new Array<PendingRow>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i].entry;
      // JSON.stringify of {timestamp, ip_address, service_endpoint, http_response_code}, built directly.
      const raw = `{"timestamp":"${entries[i].timestamp}","ip_address":${JSON.stringify(e.ip_address)},"service_endpoint":${JSON.stringify(e.service_endpoint)},"http_response_code":${e.http_response_code}}`;
      cursor.lines += 1;
      cursor.offset += Buffer.byteLength(raw) + 1;
      rows[i] = {
        lineNo: cursor.lines,
        raw,
        entry: {
          tsMs: e.timestamp,
          ip: e.ip_address,
          method: null,
          endpoint: e.service_endpoint,
          protocol: null,
          status: e.http_response_code,
          bytes: null,
          referer: null,
          userAgent: null,
        },
      };
    }
    // On failure `persist` drops the cursor, whose counters are then ahead of the database.
    const c = this.deps.writer.commit(cursor, rows, []);
    const ids = new Array<number>(rows.length);
    for (let i = 0; i < rows.length; i++) ids[i] = c.firstId + i;
    return ids;
  }

  /** Lets batch features catch up with the inserted entries, when the API is quiet (see CATCH_UP_QUIET_MS). */
  private scheduleCatchUp(): void {
    if (this.catchUp && this.catchUpAtDeadline) return;
    const now = Date.now();
    if (this.waitingSince === 0) this.waitingSince = now;
    const delay = Math.min(CATCH_UP_QUIET_MS, this.waitingSince + CATCH_UP_MAX_MS - now);
    if (this.catchUp && delay === CATCH_UP_QUIET_MS) {
      this.catchUp.refresh(); // still quiet-based: restart the quiet period
      return;
    }
    if (this.catchUp) clearTimeout(this.catchUp);
    this.catchUpAtDeadline = delay < CATCH_UP_QUIET_MS;
    this.catchUp = setTimeout(() => this.runCatchUp(), Math.max(0, delay));
    this.catchUp.unref();
  }

  private runCatchUp(): void {
    this.catchUp = null;
    this.catchUpAtDeadline = false;
    this.waitingSince = 0;
    // The engine may have closed meanwhile; its close() catches up itself.
    if (this.deps.db.open) this.deps.inserted();
  }
}

const NO_FEATURES: Features = { request_count: 0, client_error_count: 0, server_error_count: 0 };

/** A UTF-16 surrogate without its pair: valid in a JS string (and in JSON as an escape), not in UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * The entry with lone surrogates replaced by U+FFFD, as SQLite's UTF-8 would store them, so the
 * answer, the live window and the stored row all carry the same text.
 */
function wellFormed(e: DetectInput): DetectInput {
  if (!LONE_SURROGATE.test(e.ip_address) && !LONE_SURROGATE.test(e.service_endpoint)) return e;
  return {
    ...e,
    ip_address: e.ip_address.replace(LONE_SURROGATES, '\ufffd'),
    service_endpoint: e.service_endpoint.replace(LONE_SURROGATES, '\ufffd'),
  };
}

/** `2023-10-27T10:00:00Z`, as the original (pydantic) wrote timestamps; milliseconds only when present. */
function isoSeconds(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? iso.slice(0, -5) + 'Z' : iso;
}
