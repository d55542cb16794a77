/**
 * The ML worker: fits and scores the ensemble off the main thread. Two instances run: a trainer
 * (long fits) and a scorer (holds the live model and answers detections). Both read features
 * from SQLite through their own read-only connection, so the main thread sends only row ranges
 * and receives typed arrays. Messages are handled in order, which makes a model swap atomic:
 * a score request queued before a `load` finishes on the old model.
 */
import { parentPort } from 'node:worker_threads';
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { ModelName } from '../../shared/config';
import { FEATURE_NAMES } from '../features/types';
import { Ensemble, isMajority } from '../detectors';
import { countBelow, sortedCopy } from '../detectors/stats';
import { readIds, readOutside, readSpan, type FeatureRows } from './featureReader';
import {
  MIN_TRAINING_ROWS,
  type ExplainResult,
  type ScoreArrays,
  type TrainTimings,
  type WorkerReply,
  type WorkerRequest,
} from './protocol';
import { sampleQuality } from './quality';
import { EntityModel, trainEntity } from './entityModel';
import { concatScores, toScoreArrays } from './scoreArrays';

const COLS = FEATURE_NAMES.length;
const port = parentPort;
if (!port) throw new Error('mlWorker must run as a worker thread');

/** The live model: the `original` set's vote ensemble or the `entity` set's model. */
type Live =
  { version: number; kind: 'original'; model: Ensemble } | { version: number; kind: 'entity'; model: EntityModel };
let live: Live | null = null;
/** The trainer's model of a rescoring in progress (rescoreChunk), apart from the live model. */
let rescoring: { version: number; model: EntityModel } | null = null;
const connections = new Map<string, Database.Database>();

function connection(path: string): Database.Database {
  let db = connections.get(path);
  if (!db) {
    const binding = process.env.OUTLIER_DESK_SQLITE_BINDING;
    db = new Database(path, {
      readonly: true,
      fileMustExist: true,
      ...(binding ? { nativeBinding: resolve(binding) } : {}),
    });
    db.pragma('busy_timeout = 5000');
    connections.set(path, db);
  }
  return db;
}

function scoreAll(model: Ensemble, rows: FeatureRows): ScoreArrays {
  if (rows.rows === 0) {
    const n = model.models.length;
    return {
      ids: rows.ids,
      models: model.models.slice(),
      scores: Array.from({ length: n }, () => new Float64Array(0)),
      thresholds: model.models.map((m) => model.detector(m).threshold),
      votes: new Uint8Array(0),
      isAnomaly: new Uint8Array(0),
      combined: new Float64Array(0),
    };
  }
  return toScoreArrays(rows.ids, model.score({ rows: rows.rows, cols: COLS, data: rows.data }));
}

/** The ensemble's verdict on its own training rows, from each detector's training scores. */
function trainingScores(model: Ensemble, ids: Float64Array): ScoreArrays {
  const n = ids.length;
  const models = model.models.slice();
  const votes = new Uint8Array(n);
  const combined = new Float64Array(n);
  const thresholds: number[] = [];
  const scores = models.map((name) => {
    const d = model.detector(name);
    const s = Float64Array.from(d.trainingScores);
    const sorted = sortedCopy(s);
    for (let i = 0; i < n; i++) {
      if (s[i] > d.threshold) votes[i]++;
      combined[i] += countBelow(sorted, s[i]) / n;
    }
    thresholds.push(d.threshold);
    return s;
  });
  const isAnomaly = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    combined[i] /= models.length;
    isAnomaly[i] = isMajority(votes[i], models.length) ? 1 : 0;
  }
  return { ids, models, scores, thresholds, votes, isAnomaly, combined };
}

function transferables(s: ScoreArrays): ArrayBuffer[] {
  return [s.ids, s.votes, s.isAnomaly, s.combined, ...s.scores].map((a) => a.buffer as ArrayBuffer);
}

/** Stored parameters → JSON value; says which step failed (a truncated blob is the usual case). */
function decodeParams(params: Uint8Array): unknown {
  let text: string;
  try {
    text = gunzipSync(params).toString('utf8');
  } catch (err) {
    throw new Error(`the stored parameters are not valid gzip (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`the stored parameters are not valid JSON (${(err as Error).message})`);
  }
}

function needLive(): Live {
  if (!live) throw new Error('no model is loaded');
  return live;
}

/** Fastest gzip level: 7 % larger than the default level and a quarter of its time. */
function compress(json: Record<string, unknown>): Uint8Array {
  return gzipSync(JSON.stringify(json), { level: zlibConstants.Z_BEST_SPEED });
}

/** A training run of the `entity` set (see entityModel.ts). */
function trainEntityModel(
  msg: Extract<WorkerRequest, { op: 'train' }>,
  reply: (r: WorkerReply, t?: ArrayBuffer[]) => void,
): void {
  const t0 = performance.now();
  const db = connection(msg.dbPath);
  const t = trainEntity(
    db,
    { startMs: msg.spanStartMs, endMs: msg.spanEndMs },
    msg.options,
    (fraction, stage) => reply({ op: 'progress', id: msg.id, fraction: 0.85 * fraction, stage }),
    msg.rescoreLaterAbove,
  );
  reply({ op: 'progress', id: msg.id, fraction: 0.9, stage: 'saving the model' });
  const ts = performance.now();
  const params = compress(t.model.toJSON());
  const serializeMs = performance.now() - ts;
  reply(
    {
      op: 'trained',
      id: msg.id,
      params,
      rows: t.rows,
      trainMs: performance.now() - t0,
      spanStartMs: msg.spanStartMs,
      spanEndMs: msg.spanEndMs,
      scored: t.scored,
      maxId: t.maxId,
      rescoreLater: t.rescoreLater,
      timings: { readMs: t.featuresMs, fitMs: {}, scoreMs: t.fitMs, scoredRows: t.scored.ids.length, serializeMs },
    },
    [params.buffer as ArrayBuffer, ...transferables(t.scored)],
  );
}

function explainOriginal(model: Ensemble, row: number[]) {
  const e = model.explain(row);
  return { ...e, features: e.features.map((f) => f.percentile) };
}

function handle(msg: WorkerRequest): void {
  const reply = (r: WorkerReply, transfer: ArrayBuffer[] = []) => port!.postMessage(r, transfer);
  switch (msg.op) {
    case 'train': {
      if (msg.options.featureSet === 'entity') return trainEntityModel(msg, reply);
      const t0 = performance.now();
      const db = connection(msg.dbPath);
      reply({ op: 'progress', id: msg.id, fraction: 0, stage: 'reading features' });
      // One snapshot: every entry with features is either in the span or outside it.
      const { train, outside } = db.transaction(() => ({
        train: readSpan(db, msg.spanStartMs, msg.spanEndMs),
        outside: readOutside(db, msg.spanStartMs, msg.spanEndMs),
      }))();
      const readMs = performance.now() - t0;
      if (train.rows < MIN_TRAINING_ROWS) {
        throw new Error(
          `the training span holds only ${train.rows} ${train.rows === 1 ? 'entry' : 'entries'} with features; ` +
            `at least ${MIN_TRAINING_ROWS} are needed (add log data or widen the training span)`,
        );
      }
      // Per-model fit times from the ensemble's own stage reports.
      const fitMs: TrainTimings['fitMs'] = {};
      let stage: { model: ModelName; at: number } | null = null;
      const endStage = () => {
        if (stage) fitMs[stage.model] = performance.now() - stage.at;
        stage = null;
      };
      const model = new Ensemble(msg.options).fit({ rows: train.rows, cols: COLS, data: train.data }, (f, text) => {
        endStage();
        const m = /^fitting (\w+)$/.exec(text);
        if (m) stage = { model: m[1] as ModelName, at: performance.now() };
        reply({ op: 'progress', id: msg.id, fraction: 0.05 + 0.8 * f, stage: text });
      });
      endStage();
      reply({ op: 'progress', id: msg.id, fraction: 0.85, stage: 'scoring every entry' });
      let t = performance.now();
      // Entries of the span keep the scores they got in the fit (a point is not its own
      // neighbour, as in scikit-learn's fit_predict); entries outside it are scored as new data.
      const scored = concatScores(trainingScores(model, train.ids), scoreAll(model, outside));
      const scoreMs = performance.now() - t;
      reply({ op: 'progress', id: msg.id, fraction: 0.9, stage: 'saving the model' });
      t = performance.now();
      const params = compress(model.toJSON());
      const serializeMs = performance.now() - t;
      const trainMs = performance.now() - t0;
      const lastId = (rows: FeatureRows) => (rows.rows > 0 ? rows.ids[rows.rows - 1] : 0);
      reply(
        {
          op: 'trained',
          id: msg.id,
          params,
          rows: train.rows,
          trainMs,
          spanStartMs: msg.spanStartMs,
          spanEndMs: msg.spanEndMs,
          scored,
          maxId: Math.max(lastId(train), lastId(outside)),
          rescoreLater: false,
          timings: { readMs, fitMs, scoreMs, scoredRows: train.rows + outside.rows, serializeMs },
        },
        [params.buffer as ArrayBuffer, ...transferables(scored)],
      );
      return;
    }
    case 'load': {
      // Decoded and validated fully before it replaces the live model: a corrupt or truncated
      // version throws here (and is answered as an error), and the live model stays as it was.
      const t = performance.now();
      const json = decodeParams(msg.params);
      if (EntityModel.isEntityJSON(json)) {
        live = { version: msg.version, kind: 'entity', model: EntityModel.fromJSON(json) };
      } else {
        const model = Ensemble.fromJSON(json);
        if (model.cols !== COLS) throw new Error(`model expects ${model.cols} features, not ${COLS}`);
        live = { version: msg.version, kind: 'original', model };
      }
      reply({ op: 'loaded', id: msg.id, version: msg.version, ms: performance.now() - t, featureSet: live.kind });
      return;
    }
    case 'scoreRows': {
      const l = needLive();
      const t = performance.now();
      const cols = l.model.cols;
      if (msg.features.length !== msg.rows * cols)
        throw new Error(`the live model expects ${cols} features per row (${l.kind} feature set)`);
      const none = new Float64Array(0);
      const scored =
        l.kind === 'entity'
          ? l.model.scoreRaw(none, msg.features, msg.rows)
          : scoreAll(l.model, { ids: none, data: msg.features, rows: msg.rows });
      const version = l.version;
      reply({ op: 'scores', id: msg.id, version, scored, ms: performance.now() - t }, transferables(scored));
      return;
    }
    case 'scoreRange': {
      const l = needLive();
      const t = performance.now();
      const db = connection(msg.dbPath);
      const scored =
        l.kind === 'entity'
          ? db.transaction(() => l.model.scoreRange(db, msg.firstId, msg.lastId))()
          : scoreAll(l.model, readIds(db, msg.firstId, msg.lastId));
      const version = l.version;
      reply({ op: 'scores', id: msg.id, version, scored, ms: performance.now() - t }, transferables(scored));
      return;
    }
    case 'rescoreChunk': {
      // The trainer keeps the model being rescored with (decoded from the first chunk's params).
      if (msg.params) {
        const json = decodeParams(msg.params);
        if (!EntityModel.isEntityJSON(json)) throw new Error('rescoring: not an entity model');
        rescoring = { version: msg.version, model: EntityModel.fromJSON(json) };
      }
      const r = rescoring;
      if (!r || r.version !== msg.version) throw new Error(`rescoring: model ${msg.version} is not loaded`);
      const db = connection(msg.dbPath);
      const chunk = db.transaction(() => r.model.scoreTimeChunk(db, msg.fromTs, msg.maxId, msg.rows, msg.skip))();
      reply({ op: 'rescored', id: msg.id, version: msg.version, ...chunk }, transferables(chunk.scored));
      return;
    }
    case 'forget': {
      if (live?.kind === 'entity') live.model.resetStream();
      reply({ op: 'forgotten', id: msg.id });
      return;
    }
    case 'unload': {
      live = null;
      reply({ op: 'unloaded', id: msg.id });
      return;
    }
    case 'quality': {
      reply({ op: 'quality', id: msg.id, metrics: sampleQuality(connection(msg.dbPath)) });
      return;
    }
    case 'explain': {
      const l = needLive();
      const version = l.version;
      const e: ExplainResult = l.kind === 'entity' ? l.model.explain(msg.row) : explainOriginal(l.model, msg.row);
      reply({
        op: 'explained',
        id: msg.id,
        version,
        result: {
          models: e.models,
          features: e.features,
          featuresHigher: e.featuresHigher,
          votes: e.votes,
          isAnomaly: e.isAnomaly,
          combined: e.combined,
        },
      });
      return;
    }
  }
}

port.on('message', (msg: WorkerRequest) => {
  try {
    handle(msg);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    port.postMessage({ op: 'error', id: msg.id, message } satisfies WorkerReply);
  }
});
