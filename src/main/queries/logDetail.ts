import type { ModelName } from '../../shared/config';
import type { LogDetail } from '../../shared/schemas/analysis';
import type { Db } from '../store/db';
import { readRawLine } from '../ingest/rawLine';

const NEIGHBOURS = 200;
const MODELS: ModelName[] = ['iforest', 'lof', 'knn'];

interface Row {
  id: number;
  source_id: number;
  path: string;
  line_no: number;
  ts_ms: number;
  ip: string;
  method: string | null;
  endpoint: string;
  status: number;
  bytes: number | null;
  user_agent: string | null;
  raw: string | null;
  byte_offset: number | null;
  label: string | null;
  window_ms: number | null;
  request_count: number | null;
  client_error_count: number | null;
  server_error_count: number | null;
  model_version: number | null;
  votes: number | null;
  is_anomaly: number | null;
  combined_score: number | null;
  iforest_score: number | null;
  lof_score: number | null;
  knn_score: number | null;
}

/**
 * One entry with everything the detail panel shows, except the training percentiles, which
 * need the live model and are added by the caller. Null when the id does not exist.
 */
export function logDetail(
  db: Db,
  id: number,
  thresholdsOf: (version: number) => Partial<Record<ModelName, number>>,
  fallbackWindowMs: number,
): LogDetail | null {
  const r = db
    .prepare(
      `SELECT l.*, src.path, sl.label, f.window_ms, f.request_count, f.client_error_count, f.server_error_count,
              s.model_version, s.votes, s.is_anomaly, s.combined_score, s.iforest_score, s.lof_score, s.knn_score
       FROM logs l JOIN sources src ON src.id = l.source_id
       LEFT JOIN sample_labels sl ON sl.log_id = l.id
       LEFT JOIN features f ON f.log_id = l.id
       LEFT JOIN scores s ON s.log_id = l.id
       WHERE l.id = ?`,
    )
    .get(id) as Row | undefined;
  if (!r) return null;
  const windowMs = r.window_ms ?? fallbackWindowMs;
  const neighbours = db
    .prepare(
      `SELECT id, ts_ms AS tsMs, endpoint, status FROM logs
       WHERE ip = ? AND ts_ms > ? AND ts_ms <= ? ORDER BY ts_ms, id LIMIT ?`,
    )
    .all(r.ip, r.ts_ms - windowMs, r.ts_ms, NEIGHBOURS) as LogDetail['neighbours'];
  let score: LogDetail['score'] = null;
  if (r.model_version !== null) {
    const thresholds = thresholdsOf(r.model_version);
    const scores: Record<ModelName, number | null> = { iforest: r.iforest_score, lof: r.lof_score, knn: r.knn_score };
    const models: NonNullable<LogDetail['score']>['models'] = {};
    for (const m of MODELS) {
      const s = scores[m];
      const t = thresholds[m];
      if (s !== null && t !== undefined) models[m] = { score: s, threshold: t, vote: s > t };
    }
    score = {
      modelVersion: r.model_version,
      votes: r.votes ?? 0,
      isAnomaly: r.is_anomaly === 1,
      combinedScore: r.combined_score ?? 0,
      models,
    };
  }
  return {
    id: r.id,
    source: { id: r.source_id, path: r.path },
    lineNo: r.line_no,
    tsMs: r.ts_ms,
    ip: r.ip,
    method: r.method,
    endpoint: r.endpoint,
    status: r.status,
    bytes: r.bytes,
    userAgent: r.user_agent,
    raw: r.raw ?? (r.byte_offset === null ? null : readRawLine(r.path, r.byte_offset, r)),
    label: r.label,
    features:
      r.request_count === null
        ? null
        : {
            windowMs,
            request_count: r.request_count,
            client_error_count: r.client_error_count ?? 0,
            server_error_count: r.server_error_count ?? 0,
          },
    featurePercentiles: null,
    explanation: null,
    score,
    neighbours,
  };
}

export function logExists(db: Db, id: number): boolean {
  return db.prepare('SELECT 1 FROM logs WHERE id = ?').get(id) !== undefined;
}
