/**
 * The atomic swap under load: detections keep flowing (16 in flight at all times) while a
 * training runs, its new version is swapped in, and reloads happen before and after. Every
 * detection succeeds; each answer names the old or the new version; none sent after the swap
 * was announced, or after an answer from the new version arrived, is answered by the old one;
 * those sent while the new version was being decoded are answered by the old one at once.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Engine } from '../../../src/main/engine';
import { tempDir } from '../../helpers/tmp';
import { detectInput } from './helpers';

let dir: ReturnType<typeof tempDir>;
let engine: Engine;

beforeAll(async () => {
  dir = tempDir();
  engine = await Engine.start({ dataDir: dir.dir, schedule: false });
  // The original ensemble takes hundreds of ms to decode: detections must not wait for that.
  await engine.call('putConfig', { featureSet: 'original' });
  await engine.call('generateSample', { rows: 20_000, seed: 11 });
  await engine.call('trainModels', {});
  expect(engine.models.liveVersion).toBe(1);
});

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

interface Shot {
  /** Sent while the standby scorer was decoding the new version. */
  sentDuringLoad: boolean;
  sentAfterSwapEvent: boolean;
  sentAfterNewAnswer: boolean;
  version?: number;
  error?: unknown;
}

test('detections in flight during train + reload all succeed, on the old or the new version, never the old after the swap', async () => {
  const endMs = engine.db.prepare('SELECT max(ts_ms) FROM logs').pluck().get() as number;
  const ips = engine.db.prepare('SELECT DISTINCT ip FROM logs LIMIT 20').pluck().all() as string[];
  let swapBegan = false;
  let swapEvent = false;
  let newAnswer = false;
  const off = engine.events.on((e) => {
    if (e.type === 'training-progress' && e.stage === 'swapping the live model') swapBegan = true;
    if (e.type === 'model-swapped' && e.version === 2) swapEvent = true;
  });
  const shots: Shot[] = [];
  let running = true;
  let n = 0;

  const fire = async (): Promise<void> => {
    while (running) {
      const shot: Shot = {
        sentDuringLoad: swapBegan && !swapEvent,
        sentAfterSwapEvent: swapEvent,
        sentAfterNewAnswer: newAnswer,
      };
      shots.push(shot);
      const i = n++;
      try {
        const r = await engine.call(
          'detect',
          detectInput(endMs + i * 10, ips[i % ips.length], i % 17 === 0 ? 503 : 200),
        );
        shot.version = r.model_version;
        if (r.model_version === 2) newAnswer = true;
      } catch (err) {
        shot.error = err;
      }
    }
  };
  const streams = Array.from({ length: 16 }, () => fire());

  // Let some detections run on version 1, reload (same version) mid-training, then swap.
  await new Promise((r) => setTimeout(r, 100));
  const training = engine.call('trainModels', {});
  await new Promise((r) => setTimeout(r, 50));
  const midReload = await engine.call('reloadModels', {});
  expect(midReload.status).toBe('success');
  await training;
  expect(engine.models.liveVersion).toBe(2);
  await engine.call('reloadModels', {});
  await new Promise((r) => setTimeout(r, 100));
  running = false;
  await Promise.all(streams);
  off();

  const failed = shots.filter((s) => s.error !== undefined);
  expect(failed.map((s) => String(s.error))).toEqual([]);
  const versions = new Set(shots.map((s) => s.version));
  expect([...versions].sort()).toEqual([1, 2]);
  const old = shots.filter((s) => s.version === 1).length;
  const fresh = shots.filter((s) => s.version === 2).length;
  console.log(`swap under load: ${shots.length} detections, ${old} on version 1, ${fresh} on version 2`);
  expect(old).toBeGreaterThan(50);
  expect(fresh).toBeGreaterThan(50);
  expect(shots.filter((s) => s.sentAfterSwapEvent && s.version !== 2)).toEqual([]);
  // While the new version was being decoded, detections did not wait for it: the old model
  // kept answering them.
  const duringLoad = shots.filter((s) => s.sentDuringLoad);
  console.log(`${duringLoad.length} detections sent while the new version was loading`);
  expect(duringLoad.length).toBeGreaterThan(0);
  expect(duringLoad.filter((s) => s.version !== 1)).toEqual([]);
  expect(shots.filter((s) => s.sentAfterNewAnswer && s.version !== 2)).toEqual([]);
  // Once the first new answer arrived, the versions never go back: in send order, 1…1 2…2.
  const order = shots.map((s) => s.version);
  const firstNew = order.indexOf(2);
  const lastOld = order.lastIndexOf(1);
  // Up to 16 sends can be in flight across the boundary.
  expect(lastOld - firstNew).toBeLessThan(16);

  // Every detected entry is stored with scores.
  const stored = engine.db
    .prepare(
      `SELECT count(*) FROM logs l JOIN sources s ON s.id = l.source_id AND s.kind = 'api'
       JOIN scores sc ON sc.log_id = l.id`,
    )
    .pluck()
    .get() as number;
  expect(stored).toBe(shots.length);
});
