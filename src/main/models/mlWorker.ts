/**
 * The ML worker: fits and scores the ensemble off the main thread. Two instances run: a trainer
 * (long fits) and a scorer (holds the live model and answers detections). Both read features
 * from SQLite through their own read-only connection, so the main thread sends only row ranges
 * and receives typed arrays. Messages are handled in order, which makes a model swap atomic:
 * a score request queued before a `load` finishes on the old model.
 */
import { parentPort } from 'node:worker_threads';
import { gunzipSync, gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Ensemble } from '../ml';
import { readIds, readSpan, type FeatureRows } from './featureReader';
import { FEATURE_COLUMNS, type ScoreArrays, type WorkerReply, type WorkerRequest } from './protocol';

const COLS = FEATURE_COLUMNS.length;
const port = parentPort;
if (!port) throw new Error('mlWorker must run as a worker thread');

let live: { version: number; model: Ensemble } | null = null;
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
  const s = model.score({ rows: rows.rows, cols: COLS, data: rows.data });
  return {
    ids: rows.ids,
    models: s.models.map((m) => m.model),
    scores: s.models.map((m) => m.scores),
    thresholds: s.models.map((m) => m.threshold),
    votes: s.votes,
    isAnomaly: s.isAnomaly,
    combined: s.combined,
  };
}

function transferables(s: ScoreArrays): ArrayBuffer[] {
  return [s.ids, s.votes, s.isAnomaly, s.combined, ...s.scores].map((a) => a.buffer as ArrayBuffer);
}

function needLive(): { version: number; model: Ensemble } {
  if (!live) throw new Error('no model is loaded');
  return live;
}

function handle(msg: WorkerRequest): void {
  const reply = (r: WorkerReply, transfer: ArrayBuffer[] = []) => port!.postMessage(r, transfer);
  switch (msg.op) {
    case 'train': {
      const t0 = performance.now();
      const db = connection(msg.dbPath);
      reply({ op: 'progress', id: msg.id, fraction: 0, stage: 'reading features' });
      const train = readSpan(db, msg.spanStartMs, msg.spanEndMs);
      if (train.rows < 30)
        throw new Error(`only ${train.rows} entries with features in the training span; at least 30 are needed`);
      const model = new Ensemble(msg.options).fit({ rows: train.rows, cols: COLS, data: train.data }, (f, stage) =>
        reply({ op: 'progress', id: msg.id, fraction: 0.05 + 0.75 * f, stage }),
      );
      reply({ op: 'progress', id: msg.id, fraction: 0.8, stage: 'scoring every entry' });
      const all = readIds(db, 0, Number.MAX_SAFE_INTEGER);
      const scored = scoreAll(model, all);
      reply({ op: 'progress', id: msg.id, fraction: 0.9, stage: 'saving the model' });
      const params = gzipSync(JSON.stringify(model.toJSON()));
      const trainMs = performance.now() - t0;
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
        },
        [params.buffer as ArrayBuffer, ...transferables(scored)],
      );
      return;
    }
    case 'load': {
      // Parsed fully before it replaces the live model: a corrupt version never goes live.
      const model = Ensemble.fromJSON(JSON.parse(gunzipSync(msg.params).toString('utf8')));
      if (model.cols !== COLS) throw new Error(`model expects ${model.cols} features, not ${COLS}`);
      live = { version: msg.version, model };
      reply({ op: 'loaded', id: msg.id, version: msg.version });
      return;
    }
    case 'scoreRows': {
      const { version, model } = needLive();
      const scored = scoreAll(model, { ids: new Float64Array(0), data: msg.features, rows: msg.rows });
      reply({ op: 'scores', id: msg.id, version, scored }, transferables(scored));
      return;
    }
    case 'scoreRange': {
      const { version, model } = needLive();
      const scored = scoreAll(model, readIds(connection(msg.dbPath), msg.firstId, msg.lastId));
      reply({ op: 'scores', id: msg.id, version, scored }, transferables(scored));
      return;
    }
    case 'explain': {
      const { version, model } = needLive();
      const e = model.explain(msg.row);
      reply({
        op: 'explained',
        id: msg.id,
        version,
        result: {
          models: e.models,
          features: e.features.map((f) => f.percentile),
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
    port.postMessage({ op: 'error', id: msg.id, message: (err as Error).message } satisfies WorkerReply);
  }
});
