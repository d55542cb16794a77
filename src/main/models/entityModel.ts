/**
 * The `entity` feature set's model in the ML worker: catalogue features computed from `logs`
 * (the batch pass for training, CatalogueStream for entries as they arrive), detectors fit on
 * client-IP-hour entities and calibrated on lines (ml/ledEnsemble.ts). The `original` set
 * keeps its own path (the `features` table and ml/ensemble.ts), untouched.
 */
import type { Database } from 'better-sqlite3';
import { featureSet, transformRow } from '../features/catalogue';
import { catalogueOfAll, catalogueOfRange } from '../features/catalogueReplay';
import { CatalogueStream } from '../features/catalogueStream';
import { ENTITY_COLUMNS, RAW_COLUMNS } from '../features/catalogueWindow';
import { entityRows } from '../features/entities';
import { LedEnsemble, type LedExplanation } from '../detectors/ledEnsemble';
import { pickRows } from '../detectors/matrix';
import type { Matrix } from '../detectors/types';
import { asObject, checkHeader, getInt } from '../detectors/codec';
import { MIN_TRAINING_ROWS, type ScoreArrays, type TrainOptions } from './protocol';
import { concatScores, toScoreArrays } from './scoreArrays';
import { suppressedSql } from '../feedback/suppressed';

const KIND = 'entity-model';
const FORMAT_VERSION = 1;
const DEFS = featureSet('entity');

/** The detectors' view of raw catalogue rows (RAW_COLUMNS each): see catalogue.ts transformRow. */
export function transformed(raw: Float64Array, rows: number, windowMs: number): Matrix {
  const data = new Float64Array(rows * ENTITY_COLUMNS);
  for (let i = 0; i < rows; i++) {
    const r = raw.subarray(i * RAW_COLUMNS, (i + 1) * RAW_COLUMNS);
    transformRow(DEFS, r, data, i * ENTITY_COLUMNS, windowMs, r[ENTITY_COLUMNS]);
  }
  return { rows, cols: ENTITY_COLUMNS, data };
}

/**
 * Entries the analyst called normal: labelled so (an entry or incident marked normal) or hidden
 * by an active suppression rule. Training teaches them as normal (withNormalRows); they stay
 * among the lines that set the thresholds, so at most the contamination share is flagged.
 */
function knownNormal(db: Database, maxId: number): Set<number> {
  const ids = db
    .prepare(
      `SELECT log_id FROM entry_labels WHERE verdict = 'normal' AND log_id <= ?
       UNION SELECT l.id FROM logs l WHERE l.id <= ? AND EXISTS (SELECT 1 FROM suppressions) AND ${suppressedSql()}`,
    )
    .pluck()
    .all(maxId, maxId) as number[];
  return new Set(ids);
}

/**
 * Normal entries join the training entities as rows of their own (evenly picked, at most one
 * for every four entities), so the detectors see their region of the feature space as populated.
 */
function withNormalRows(entities: Matrix, X: Matrix, normal: readonly number[]): Matrix {
  const take = Math.min(normal.length, Math.floor(entities.rows / 4));
  if (take === 0) return entities;
  const picks = Array.from({ length: take }, (_, k) => normal[Math.floor((k * normal.length) / take)]);
  const extra = pickRows(X, picks);
  const data = new Float64Array((entities.rows + take) * entities.cols);
  data.set(entities.data);
  data.set(extra.data, entities.rows * entities.cols);
  return { rows: entities.rows + take, cols: entities.cols, data };
}

/** Entries scored at a time after the fit (their rows are copied out of the feature matrix). */
const SCORE_CHUNK_ROWS = 262_144;

export interface EntityTraining {
  model: EntityModel;
  scored: ScoreArrays;
  /** Lines in the training span, and the entities fit on. */
  rows: number;
  entities: number;
  maxId: number;
  /** Only the span was read and scored; the other entries up to maxId are rescored afterwards. */
  rescoreLater: boolean;
  featuresMs: number;
  fitMs: number;
}

/**
 * One training run: catalogue features of every entry (ids ≤ the newest at the start), fit on
 * the span's entities, calibrated on the span's lines; every entry scored.
 */
export function trainEntity(
  db: Database,
  span: { startMs: number; endMs: number },
  options: TrainOptions,
  progress: (fraction: number, stage: string) => void,
  rescoreLaterAbove?: number,
): EntityTraining {
  let t = performance.now();
  progress(0, 'reading entries and computing the feature catalogue');
  const maxId = db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck().get() as number;
  const [all, known, rescoreLater] = db.transaction(() => {
    // Many entries outside the span: read only the span now (its lookback as context); the rest
    // are rescored after the swap, chunk by chunk (EntityModel.scoreTimeChunk).
    const later = rescoreLaterAbove !== undefined && outsideMoreThan(db, span, maxId, rescoreLaterAbove);
    const rows = later
      ? catalogueOfRange(db, options.windowMs, span.startMs, span.endMs + 1, maxId)
      : catalogueOfAll(db, options.windowMs, maxId);
    return [rows, knownNormal(db, maxId), later] as const;
  })();
  const featuresMs = performance.now() - t;
  const X = transformed(all.data, all.rows, options.windowMs);
  const inSpan: number[] = [];
  const outside: number[] = [];
  for (let i = 0; i < all.rows; i++) (all.ts[i] >= span.startMs && all.ts[i] <= span.endMs ? inSpan : outside).push(i);
  const normal = inSpan.filter((i) => known.has(all.ids[i]));
  if (inSpan.length < MIN_TRAINING_ROWS) {
    throw new Error(
      `the training span holds only ${inSpan.length} ${inSpan.length === 1 ? 'entry' : 'entries'} with features; ` +
        `at least ${MIN_TRAINING_ROWS} are needed (add log data or widen the training span)`,
    );
  }
  const lines = pickRows(X, inSpan);
  const entities = withNormalRows(
    entityRows(
      inSpan.map((i) => ({ ip: all.ips[i], tsMs: all.ts[i] })),
      lines,
    ),
    X,
    normal,
  );
  t = performance.now();
  const led = new LedEnsemble({ contamination: options.contamination, seed: options.seed, models: options.models });
  const fitted = led.fitScore(entities, lines, (f, stage) => progress(0.1 + 0.7 * f, stage));
  progress(0.8, 'scoring every entry');
  const idsOf = (rows: number[]) => Float64Array.from(rows, (i) => all.ids[i]);
  // The entries outside the span in chunks: one matrix of all of them was another copy of X.
  const parts = [toScoreArrays(idsOf(inSpan), fitted)];
  for (let k = 0; k < outside.length; k += SCORE_CHUNK_ROWS) {
    const rows = outside.slice(k, k + SCORE_CHUNK_ROWS);
    parts.push(toScoreArrays(idsOf(rows), led.score(pickRows(X, rows))));
  }
  const scored = concatScores(parts[0], ...parts.slice(1));
  const fitMs = performance.now() - t;
  return {
    model: new EntityModel(led, options.windowMs),
    scored,
    rows: inSpan.length,
    entities: entities.rows,
    maxId,
    rescoreLater,
    featuresMs,
    fitMs,
  };
}

/** More than `limit` entries with id ≤ maxId lie outside the span (counting stops there). */
function outsideMoreThan(
  db: Database,
  span: { startMs: number; endMs: number },
  maxId: number,
  limit: number,
): boolean {
  const count = db.prepare(
    `SELECT count(*) FROM (SELECT 1 FROM logs WHERE (ts_ms < ? OR ts_ms > ?) AND id <= ? LIMIT ?)`,
  );
  return (count.pluck().get(span.startMs, span.endMs, maxId, limit + 1) as number) > limit;
}

/** A loaded `entity` model: scores stored entries by id range, or raw feature rows (detections). */
export class EntityModel {
  private readonly stream: CatalogueStream;

  constructor(
    readonly ensemble: LedEnsemble,
    readonly windowMs: number,
  ) {
    this.stream = new CatalogueStream(windowMs);
  }

  /** Raw columns per row of a detection (features and history). */
  get cols(): number {
    return RAW_COLUMNS;
  }

  get models(): ScoreArrays['models'] {
    return this.ensemble.models.slice();
  }

  /**
   * A chunk of a rescoring after a training that scored only its span: the entries with ts in
   * [fromTs, next) and id ≤ maxId, skipping the span, with the batch pass's exact features (a
   * replay from a lookback earlier). `next` bounds about `rows` entries (whole timestamps: ties
   * stay together); null when none is left.
   */
  scoreTimeChunk(
    db: Database,
    fromTs: number,
    maxId: number,
    rows: number,
    skip: { startMs: number; endMs: number },
  ): { scored: ScoreArrays; fromTs: number; toTs: number; nextFromTs: number | null } {
    const from = fromTs >= skip.startMs && fromTs <= skip.endMs ? skip.endMs + 1 : fromTs;
    const nth = db
      .prepare('SELECT ts_ms FROM logs WHERE ts_ms >= ? AND id <= ? ORDER BY ts_ms LIMIT 1 OFFSET ?')
      .pluck()
      .get(from, maxId, rows) as number | undefined;
    let to = nth === undefined ? Infinity : Math.max(nth, from + 1);
    if (from < skip.startMs) to = Math.min(to, skip.startMs);
    const chunk = catalogueOfRange(db, this.windowMs, from, to, maxId);
    const left =
      to !== Infinity && db.prepare('SELECT 1 FROM logs WHERE ts_ms >= ? AND id <= ? LIMIT 1').get(to, maxId);
    return {
      scored: this.scoreRaw(chunk.ids, chunk.data, chunk.rows),
      fromTs: from,
      toTs: to,
      nextFromTs: left ? to : null,
    };
  }

  scoreRange(db: Database, firstId: number, lastId: number): ScoreArrays {
    const rows = this.stream.featuresOfIds(db, firstId, lastId);
    return this.scoreRaw(rows.ids, rows.data, rows.rows);
  }

  /** Raw catalogue rows (RAW_COLUMNS each) given directly. */
  scoreRaw(ids: Float64Array, raw: Float64Array, rows: number): ScoreArrays {
    if (rows === 0) {
      const n = this.ensemble.models.length;
      return {
        ids,
        models: this.models,
        scores: Array.from({ length: n }, () => new Float64Array(0)),
        thresholds: this.ensemble.models.map(() => this.ensemble.threshold),
        votes: new Uint8Array(0),
        isAnomaly: new Uint8Array(0),
        combined: new Float64Array(0),
      };
    }
    return toScoreArrays(ids, this.ensemble.score(transformed(raw, rows, this.windowMs)));
  }

  explain(raw: number[]): LedExplanation {
    if (raw.length !== RAW_COLUMNS) throw new Error(`explain: expected ${RAW_COLUMNS} values`);
    const row = new Float64Array(ENTITY_COLUMNS);
    transformRow(DEFS, raw, row, 0, this.windowMs, raw[ENTITY_COLUMNS]);
    return this.ensemble.explain(row);
  }

  /** Entries were removed: the stream's window may count them. */
  resetStream(): void {
    this.stream.reset();
  }

  toJSON(): Record<string, unknown> {
    return { kind: KIND, version: FORMAT_VERSION, windowMs: this.windowMs, ensemble: this.ensemble.toJSON() };
  }

  static isEntityJSON(json: unknown): boolean {
    return json !== null && typeof json === 'object' && (json as { kind?: unknown }).kind === KIND;
  }

  static fromJSON(json: unknown): EntityModel {
    const obj = checkHeader(json, KIND, FORMAT_VERSION);
    const windowMs = getInt(obj, 'windowMs', KIND, 1);
    const ensemble = LedEnsemble.fromJSON(asObject(obj.ensemble, `${KIND}.ensemble`));
    if (ensemble.featureCount !== ENTITY_COLUMNS)
      throw new Error(`${KIND}: the ensemble expects ${ensemble.featureCount} features, not ${ENTITY_COLUMNS}`);
    return new EntityModel(ensemble, windowMs);
  }
}
