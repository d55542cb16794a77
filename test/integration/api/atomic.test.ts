import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DetectBatchResponseSchema, DetectResponseSchema } from '../../../src/shared/schemas/original';
import { startTestServer, type TestServer } from '../../helpers/http';
import { apiSourceId, generateAndTrain, scalar } from './helpers';

const IPS = Array.from({ length: 30 }, (_, i) => `172.16.0.${i}`);

function entry(k: number) {
  return {
    timestamp: new Date(Date.now() + k * 20).toISOString(),
    ip_address: IPS[k % IPS.length],
    service_endpoint: `/orders/${k % 50}`,
    http_response_code: [200, 200, 200, 404, 500][k % 5],
  };
}

/**
 * A model swap is atomic for the API: while batches and single detections run, a retraining
 * and reloads replace the live model, and every detection still answers 200 with one model
 * version for all of its entries.
 */
describe('detections during retraining and reload', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
    await generateAndTrain(s);
  });
  afterAll(async () => s.close());

  it('keeps every detect and detect_batch answering 200 while the model is retrained and reloaded', async () => {
    const first = (
      (await s.call('GET', '/models')).json() as {
        live: number;
      }
    ).live;
    let k = 0;
    let done = false;
    const statuses: number[] = [];
    const versions = new Set<number>();
    const batchVersions = new Set<number>();
    let batchEntries = 0;
    let singles = 0;
    let singlesDuringSwaps = 0;
    let swapped = false;

    const batches = (async () => {
      // Batches run from before the first retraining until after the last reload. They are kept
      // small and spaced: every batch is training data for the next run, and on a loaded machine
      // back-to-back 4,000-entry batches grew the data faster than the trainings could finish.
      for (let b = 0; !swapped || b < 3; b++) {
        if (b > 0) await new Promise((r) => setTimeout(r, 100));
        const entries = Array.from({ length: 1_000 }, () => entry(k++));
        const res = await s.call('POST', '/outlier/detect_batch', { entries });
        statuses.push(res.status);
        if (res.status !== 200) continue;
        const body = DetectBatchResponseSchema.parse(res.json());
        expect(body.results).toHaveLength(entries.length);
        versions.add(body.model_version);
        batchVersions.add(body.model_version);
        batchEntries += body.results.length;
      }
    })();
    const single = (async () => {
      while (!done) {
        const res = await s.call('POST', '/outlier/detect', entry(k++));
        statuses.push(res.status);
        if (res.status === 200) {
          versions.add(DetectResponseSchema.parse(res.json()).model_version);
          singles++;
          if (!swapped) singlesDuringSwaps++;
        }
      }
    })();
    const swaps = (async () => {
      for (let round = 0; round < 2; round++) {
        const train = await s.call('POST', '/model/train_models');
        expect(train.status, train.text).toBe(200);
        const reload = await s.call('POST', '/outlier/reload_models');
        expect(reload.status, reload.text).toBe(200);
      }
      // A reload racing with detections, too.
      const reloads = await Promise.all([1, 2, 3].map(() => s.call('POST', '/outlier/reload_models')));
      expect(reloads.map((r) => r.status)).toEqual([200, 200, 200]);
      swapped = true;
    })();

    await Promise.all([batches, swaps]);
    done = true;
    await single;

    const failures = statuses.filter((st) => st !== 200);
    expect(failures, `non-200 answers: ${failures.join(', ')}`).toEqual([]);
    // Single detections were answered while trainings and reloads went on. How many depends on
    // the machine: each one queues in the scorer behind the batch before it.
    expect(singlesDuringSwaps).toBeGreaterThan(0);
    // Answers came from more than one model version: the swaps happened while detections ran.
    const live = ((await s.call('GET', '/models')).json() as { live: number }).live;
    expect(live).toBe(first + 2);
    expect(versions.size).toBeGreaterThan(1);
    expect(batchVersions.size).toBeGreaterThan(1);
    expect([...versions].every((v) => v >= first && v <= live)).toBe(true);

    // Every accepted entry is stored once, with its scores.
    const source = apiSourceId(s)!;
    expect(scalar(s, 'SELECT count(*) FROM logs WHERE source_id = ?', source)).toBe(batchEntries + singles);
    expect(
      scalar(
        s,
        'SELECT count(*) FROM logs l LEFT JOIN scores sc ON sc.log_id = l.id WHERE l.source_id = ? AND sc.log_id IS NULL',
        source,
      ),
    ).toBe(0);
  }, 240_000);
});

describe('the API source', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
    await generateAndTrain(s, 5_000);
  });
  afterAll(async () => s.close());

  it('is recreated when it was removed between detections, with nothing lost or doubled', async () => {
    const first = await s.call('POST', '/outlier/detect', entry(1));
    expect(first.status).toBe(200);
    const old = apiSourceId(s)!;
    const removed = await s.call('DELETE', `/sources/${old}`);
    expect(removed.json()).toEqual({ removed: true });
    const second = await s.call('POST', '/outlier/detect', entry(2));
    expect(second.status, second.text).toBe(200);
    const fresh = apiSourceId(s)!; // SQLite may hand out the same id again
    const id = (second.json() as { log_id: number }).log_id;
    expect(s.engine.db.prepare('SELECT source_id, line_no FROM logs WHERE id = ?').get(id)).toEqual({
      source_id: fresh,
      line_no: 1,
    });
    expect(scalar(s, 'SELECT count(*) FROM logs WHERE source_id = ?', fresh)).toBe(1);
    expect(scalar(s, 'SELECT lines FROM sources WHERE id = ?', fresh)).toBe(1);
    expect(scalar(s, 'SELECT count(*) FROM scores WHERE log_id = ?', id)).toBe(1);
  });
});
