/**
 * A version whose stored parameters cannot be loaded (garbage, truncated gzip, valid gzip of the
 * wrong JSON) never goes live: reload and restart fall back to the previous version with a logged
 * error, the scorer worker survives, and detections keep working.
 */
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Engine } from '../../../src/main/engine';
import { MlClient } from '../../../src/main/models/mlClient';
import { tempDir } from '../../helpers/tmp';
import { captureLogger, detectInput, LOG_ERROR } from './helpers';

const WORKER = join(process.cwd(), 'out', 'main', 'mlWorker.js');

let dir: ReturnType<typeof tempDir>;
let engine: Engine;
let log: ReturnType<typeof captureLogger>;
let good: Uint8Array;
/** Version 1's own parameters. */
let good1: Uint8Array;
let sampleEndMs: number;

function setParams(version: number, params: Uint8Array | null): void {
  engine.db.prepare('UPDATE models SET params = ? WHERE version = ?').run(params ? Buffer.from(params) : null, version);
}

function loadErrors(): Array<Record<string, unknown>> {
  return log.lines.filter((l) => l.level === LOG_ERROR && /cannot be loaded/.test(String(l.msg)));
}

beforeAll(async () => {
  dir = tempDir();
  log = captureLogger();
  engine = await Engine.start({ dataDir: dir.dir, logger: log.logger, schedule: false });
  // The worker-level case below sends the original's three features.
  await engine.call('putConfig', { featureSet: 'original' });
  await engine.call('generateSample', { rows: 3_000, seed: 3 });
  await engine.call('trainModels', {});
  await engine.call('trainModels', {});
  expect(engine.models.liveVersion).toBe(2);
  good = Uint8Array.from(engine.models.registry.params(2)!);
  good1 = Uint8Array.from(engine.models.registry.params(1)!);
  sampleEndMs = engine.db.prepare('SELECT max(ts_ms) FROM logs').pluck().get() as number;
});

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

describe('reload with a corrupt newest version', () => {
  const cases: Array<[string, () => Uint8Array | null]> = [
    ['garbage bytes', () => Buffer.from('this is not a model at all')],
    ['truncated gzip', () => good.subarray(0, Math.floor(good.length / 2))],
    ['gzip of the wrong JSON', () => gzipSync(JSON.stringify({ kind: 'ensemble', version: 1, models: ['lof'] }))],
    ['gzip of text that is not JSON', () => gzipSync('{"kind": "ensemble", ')],
    ['no parameters', () => null],
  ];
  for (const [name, params] of cases) {
    test(`${name}: the previous version goes live and an error is logged`, async () => {
      // Back to "2 is live", then corrupt 2.
      setParams(2, good);
      expect(await engine.models.reload()).toBe(2);
      setParams(2, params());
      const before = loadErrors().length;

      const r = await engine.call('reloadModels', {});
      expect(r.status).toBe('success');
      expect(engine.models.liveVersion).toBe(1);
      const errors = loadErrors().slice(before);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ version: 2 });
      const listed = engine.models.registry.list(engine.models.liveVersion);
      expect(listed.find((v) => v.version === 2)).toMatchObject({ status: 'complete', live: false });
      expect(listed.find((v) => v.version === 2)!.error).toMatch(/^cannot be loaded: /);
      expect(listed.find((v) => v.version === 1)).toMatchObject({ live: true });

      // The scorer survived and answers with the previous version.
      const d = await engine.call('detect', detectInput(sampleEndMs - 1000));
      expect(d.model_version).toBe(1);
    });
  }

  test('every version unreadable: reload refuses with 503 and the model that was live stays live', async () => {
    setParams(2, good);
    expect(await engine.models.reload()).toBe(2);
    setParams(1, Buffer.from('x'));
    setParams(2, Buffer.from('y'));
    await expect(engine.call('reloadModels', {})).rejects.toMatchObject({ status: 503 });
    const d = await engine.call('detect', detectInput(sampleEndMs - 500));
    expect(d.model_version).toBe(2);
  });

  test('a restart falls back to the previous version with a logged error; a good reload clears the note', async () => {
    setParams(1, good1); // valid again after the previous test
    setParams(2, Buffer.from('corrupt'));
    await engine.close();
    log = captureLogger();
    engine = await Engine.start({ dataDir: dir.dir, logger: log.logger, schedule: false });
    expect(engine.models.liveVersion).toBe(1);
    expect(loadErrors()).toHaveLength(1);
    const d = await engine.call('detect', detectInput(sampleEndMs));
    expect(d.model_version).toBe(1);

    setParams(2, good);
    expect(await engine.models.reload()).toBe(2);
    expect(engine.models.registry.list(2).find((v) => v.version === 2)!.error).toBeNull();
  });
});

describe('the worker itself', () => {
  test('a truncated gzip (or any bad blob) is answered with an error and the worker keeps its model', async () => {
    const client = new MlClient(WORKER, 'test-scorer');
    try {
      await client.load(7, good);
      const bad: Array<[Uint8Array, RegExp]> = [
        [good.subarray(0, 100), /not valid gzip/],
        [good.subarray(0, good.length - 1), /not valid gzip/],
        [new Uint8Array(0), /not valid gzip/],
        [gzipSync('[1, 2'), /not valid JSON/],
        [gzipSync('null'), /ensemble/],
        [gzipSync(JSON.stringify({ kind: 'ensemble', version: 1, models: [] })), /ensemble/],
      ];
      for (const [params, message] of bad) {
        await expect(client.load(8, params)).rejects.toThrow(message);
      }
      const { version, scored } = await client.scoreRows(Float64Array.from([5, 1, 0, 500, 400, 90]), 2);
      expect(version).toBe(7);
      expect(scored.votes).toHaveLength(2);
      expect(scored.isAnomaly[1]).toBe(1);
    } finally {
      await client.close();
    }
  });
});
