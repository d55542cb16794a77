import type { z } from 'zod';
import type { DetectBatchRequestSchema, DetectRequestSchema, DetectResponse } from '../../shared/schemas/original';
import { LiveWindowCache } from '../features';
import type { LogWriter, PendingRow, SourceCursor } from '../ingest/logWriter';
import type { SourceRepo } from '../ingest/sourceRepo';
import type { ModelService } from '../models/modelService';
import { FEATURE_COLUMNS } from '../models/protocol';
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

const COLS = FEATURE_COLUMNS.length;

/**
 * POST /outlier/detect and /outlier/detect_batch: insert the entries as the original did,
 * compute their live window features from the in-memory cache, score them with the live model
 * and store the scores, all before answering.
 */
export class DetectService {
  private cache: LiveWindowCache | null = null;
  private cursor: SourceCursor | null = null;

  constructor(private readonly deps: DetectDeps) {}

  /** The live window cache, rebuilt from the database when the window changes. */
  window(): LiveWindowCache {
    const w = this.deps.windowMs();
    if (!this.cache || this.cache.windowMs !== w) {
      this.cache = new LiveWindowCache({ windowMs: w });
      this.cache.seed(this.deps.db);
    }
    return this.cache;
  }

  /** Drops the live window; the next detection rebuilds it from the database. */
  resetWindow(): void {
    this.cache = null;
  }

  /** Entries ingested from files feed the live window too, so detections count them. */
  observe(entries: Array<{ ip: string; tsMs: number; status: number }>): void {
    if (!this.cache) return;
    for (const e of entries) this.cache.add(e);
  }

  async detect(input: DetectInput): Promise<DetectResponse> {
    const [result] = await this.run([input]);
    const { features, scored, version, id } = result;
    const votes = scored.votes;
    return {
      status: 'success',
      log_entry: {
        timestamp: isoSeconds(input.timestamp),
        ip_address: input.ip_address,
        service_endpoint: input.service_endpoint,
        http_response_code: input.http_response_code,
      },
      final_decision: {
        is_anomaly: scored.isAnomaly,
        reason: `${votes} out of ${scored.models.length} models flagged it as an anomaly.`,
      },
      model_predictions: Object.fromEntries(
        scored.models.map((m) => [m.model, { is_anomaly: m.vote, score: String(m.score) }]),
      ),
      features_calculated: features,
      log_id: id,
      model_version: version,
    };
  }

  async detectBatch(input: BatchInput) {
    const results = await this.run(input.entries);
    return {
      status: 'success' as const,
      model_version: results[0]?.version ?? 0,
      results: results.map((r) => ({
        log_id: r.id,
        is_anomaly: r.scored.isAnomaly,
        votes: r.scored.votes,
        combined_score: r.scored.combined,
        scores: Object.fromEntries(r.scored.models.map((m) => [m.model, m.score])),
        features_calculated: r.features,
      })),
    };
  }

  private async run(entries: DetectInput[]) {
    const { models, gate } = this.deps;
    if (models.liveVersion === null) await models.scoreFeatures(new Float64Array(0), 0); // throws the 503
    const cache = this.window();
    // Features are computed before the insert so that a failed insert leaves the cache as it
    // was only in the rare case of a disk error; the entries are then refused as a whole.
    const features = entries.map((e) =>
      cache.add({ ip: e.ip_address, tsMs: e.timestamp, status: e.http_response_code }),
    );
    const matrix = new Float64Array(entries.length * COLS);
    features.forEach((f, i) => {
      matrix[i * COLS] = f.request_count;
      matrix[i * COLS + 1] = f.client_error_count;
      matrix[i * COLS + 2] = f.server_error_count;
    });
    const { version, scored } = await models.scoreFeatures(matrix, entries.length);
    await gate.idle();
    const ids = this.insert(entries);
    models.writeScores(version, scored, ids);
    this.deps.inserted();
    return entries.map((_, i) => ({
      id: ids[i],
      version,
      features: features[i],
      scored: {
        models: scored.models.map((m, k) => ({
          model: m,
          score: scored.scores[k][i],
          vote: scored.scores[k][i] > scored.thresholds[k],
        })),
        votes: scored.votes[i],
        isAnomaly: scored.isAnomaly[i] === 1,
        combined: scored.combined[i],
      },
    }));
  }

  /** One transaction for the rows and the API source's cursor, like any ingest batch. */
  private insert(entries: DetectInput[]): number[] {
    const sourceId = this.deps.apiSourceId();
    if (!this.cursor || this.cursor.sourceId !== sourceId) this.cursor = this.deps.repo.cursor(sourceId)!;
    const cursor = this.cursor;
    const rows: PendingRow[] = entries.map((e) => {
      const raw = JSON.stringify({
        timestamp: isoSeconds(e.timestamp),
        ip_address: e.ip_address,
        service_endpoint: e.service_endpoint,
        http_response_code: e.http_response_code,
      });
      cursor.lines += 1;
      cursor.offset += Buffer.byteLength(raw) + 1;
      return {
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
    });
    try {
      const c = this.deps.writer.commit(cursor, rows, []);
      return rows.map((_, i) => c.firstId + i);
    } catch (err) {
      this.cursor = null; // re-read from the database next time
      throw err;
    }
  }
}

/** `2023-10-27T10:00:00Z`, as the original (pydantic) wrote timestamps; milliseconds only when present. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
