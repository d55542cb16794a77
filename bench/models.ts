/**
 * Model lifecycle benchmark on the real sample: 300,000 generated log lines (labelled injected
 * anomalies) ingested into a fresh engine, their window features computed, then
 *  - the engine's own training (POST /model/train_models path: worker fit + score every entry,
 *    scores written, swap) with the main thread's event-loop delay measured meanwhile
 *    (monitorEventLoopDelay, 1 ms sampling; delay = recorded interval − 1 ms);
 *  - each detector, and the three together, fitted in the trainer worker and scoring 300,000
 *    entries in a scorer worker (worker time and round trip; by typed array, and by row range
 *    read from SQLite in the worker);
 *  - the same detectors fitted and scored directly on this thread, on the same features;
 *  - peak RSS of the process (main thread and both workers).
 * Goals: fit the three + score their training rows < 3 s; score 300,000 entries with all
 * three < 2 s; event loop never delayed > 50 ms.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import type { ModelName } from '../src/shared/config';
import { Engine } from '../src/main/engine';
import { IsolationForest, KNearestNeighbors, LocalOutlierFactor, type Matrix } from '../src/main/detectors';
import { readSpan } from '../src/main/models/featureReader';
import { MlClient } from '../src/main/models/mlClient';
import { bundleDir } from '../src/main/paths';

const ROWS = 300_000;
const MODELS: readonly ModelName[] = ['iforest', 'lof', 'knn'];
const LOOP_RESOLUTION_MS = 1;

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function timed<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const out = fn();
  return [out, performance.now() - t];
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const out = await fn();
  return [out, performance.now() - t];
}

function workerFile(): string {
  const bundled = join(bundleDir(import.meta.url), 'mlWorker.js');
  return existsSync(bundled) ? bundled : join(process.cwd(), 'out', 'main', 'mlWorker.js');
}

function direct(name: ModelName) {
  if (name === 'iforest') return new IsolationForest({ seed: 1 });
  if (name === 'lof') return new LocalOutlierFactor();
  return new KNearestNeighbors();
}

/** Figures in milliseconds (and a few counts / MB), keys prefixed "models.". */
export async function benchModels(): Promise<Record<string, number>> {
  const out: Record<string, number> = { 'models.rows': ROWS };
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-models-'));
  const file = workerFile();
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const engine = await Engine.start({ dataDir: dir, logger, workerFile: file, schedule: false });
  try {
    const [, sampleMs] = await timedAsync(() => engine.call('generateSample', { rows: ROWS }));
    out['models.sample_and_features_ms'] = round(sampleMs);

    // 1. The engine's training, with the main thread's event loop watched.
    const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    loop.enable();
    const [, trainWallMs] = await timedAsync(() => engine.call('trainModels', {}));
    loop.disable();
    const delay = (ns: number) => round(Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS));
    out['models.engine.train_wall_ms'] = round(trainWallMs);
    out['models.engine.loop_delay_max_ms'] = delay(loop.max);
    out['models.engine.loop_delay_p99_ms'] = delay(loop.percentile(99));
    out['models.engine.loop_delay_mean_ms'] = delay(loop.mean);
    const [live] = engine.models.registry.list(engine.models.liveVersion);
    out['models.engine.recall'] = Math.round((live.metrics.recall ?? NaN) * 1000) / 1000;
    out['models.engine.precision'] = Math.round((live.metrics.precision ?? NaN) * 1000) / 1000;
    out['models.engine.peak_rss_mb'] = Math.round(process.resourceUsage().maxRSS / 1024);

    // 2. Through the worker: each model alone, then the three. Fit times are measured in the
    //    trainer (fitting includes scoring the training rows); scoring 300,000 entries is a
    //    typed array sent to a scorer holding that model (worker time, then the round trip).
    const trainer = new MlClient(file, 'bench-trainer');
    const scorer = new MlClient(file, 'bench-scorer');
    const features = readSpan(engine.db, 0, Number.MAX_SAFE_INTEGER);
    const scoreRows = () => scorer.scoreRows(features.data.slice(), features.rows);
    try {
      const span = { dbPath: engine.dbPath, spanStartMs: 0, spanEndMs: Number.MAX_SAFE_INTEGER };
      const options = (models: ModelName[]) => ({
        models,
        contamination: 0.05,
        standardize: false,
        seed: 1,
        featureSet: 'original' as const,
        windowMs: 300_000,
      });
      for (const m of MODELS) {
        const t = await trainer.train({ ...span, options: options([m]) });
        out[`models.worker.${m}.fit_ms`] = round(t.timings.fitMs[m] ?? NaN);
        await scorer.load(1, t.params);
        const [scored, roundTrip] = await timedAsync(scoreRows);
        out[`models.worker.${m}.score_300k_ms`] = round(scored.ms);
        out[`models.worker.${m}.score_300k_round_trip_ms`] = round(roundTrip);
      }
      const [all, allMs] = await timedAsync(() => trainer.train({ ...span, options: options([...MODELS]) }));
      out['models.worker.fit_all_ms'] = round(MODELS.reduce((s, m) => s + (all.timings.fitMs[m] ?? NaN), 0));
      out['models.worker.read_features_ms'] = round(all.timings.readMs);
      out['models.worker.training_verdicts_ms'] = round(all.timings.scoreMs);
      out['models.worker.serialize_ms'] = round(all.timings.serializeMs);
      out['models.worker.train_round_trip_ms'] = round(allMs);
      out['models.params_bytes'] = all.params.byteLength;
      const loaded = await scorer.load(2, all.params);
      out['models.worker.load_ms'] = round(loaded.ms);
      const [byRows, rowsMs] = await timedAsync(scoreRows);
      out['models.worker.score_all_300k_ms'] = round(byRows.ms);
      out['models.worker.score_all_300k_round_trip_ms'] = round(rowsMs);
      const [byRange, rangeMs] = await timedAsync(() => scorer.scoreRange(engine.dbPath, 0, Number.MAX_SAFE_INTEGER));
      out['models.worker.score_range_300k_ms'] = round(byRange.ms);
      out['models.worker.score_range_300k_round_trip_ms'] = round(rangeMs);
    } finally {
      await Promise.all([trainer.close(), scorer.close()]);
    }

    // 3. Directly on this thread, on the same sample features.
    const X: Matrix = { rows: features.rows, cols: 3, data: features.data };
    let fitTotal = 0;
    let scoreTotal = 0;
    for (const m of MODELS) {
      const [model, fitMs] = timed(() => direct(m).fit(X));
      const [, scoreMs] = timed(() => model.score(X));
      out[`models.direct.${m}.fit_ms`] = round(fitMs);
      out[`models.direct.${m}.score_300k_ms`] = round(scoreMs);
      fitTotal += fitMs;
      scoreTotal += scoreMs;
      await Promise.resolve();
    }
    out['models.direct.fit_all_ms'] = round(fitTotal);
    out['models.direct.score_all_300k_ms'] = round(scoreTotal);
    out['models.peak_rss_mb'] = Math.round(process.resourceUsage().maxRSS / 1024);
    return out;
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
