import { afterEach, describe, expect, it } from 'vitest';
import { FeaturePipeline } from '../../../src/main/features/featurePipeline';
import { EventBus } from '../../../src/main/events';
import { recomputeAllFeatures } from '../../../src/main/features/batch';
import { createLogger } from '../../../src/main/logger';
import { WriteGate } from '../../../src/main/store/writeGate';
import { pick, rng, type OracleRow } from '../../unit/features/oracle';
import { addSource, insertLogs, storedFeatures, tempDb } from './helpers';

describe('FeaturePipeline, a step of more than 200,000 new rows', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('recomputes only from the oldest new ts, and ends exactly where the batch computation does', async () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const W = 300_000;
    const next = rng(11);
    const source = addSource(t.db, 'big.log');
    const row = (tsMs: number): OracleRow => ({
      ip: `10.0.0.${Math.floor(next() * 40)}`,
      tsMs,
      status: pick(next, [200, 404, 503]),
    });
    // Old rows, featured; then 210,000 new rows whose oldest is inside the old rows' span
    // (some old rows gain new ones in their windows) with ties on old timestamps.
    const old = Array.from({ length: 5000 }, (_, k) => row(1_000_000 + k * 1000));
    insertLogs(t.db, source, old);
    const pipeline = new FeaturePipeline(t.db, new WriteGate(), new EventBus(), createLogger('test'), () => W);
    await pipeline.schedule();
    const fresh = Array.from({ length: 210_000 }, (_, k) => row(1_000_000 + 4000 * 1000 + k * 37));
    for (let k = 0; k < 500; k++) fresh[k * 400] = row(1_000_000 + (4000 + (k % 900)) * 1000);
    insertLogs(t.db, source, fresh, old.length + 1);
    await pipeline.schedule();
    expect(pipeline.lastStep).toMatchObject({ full: true, rows: fresh.length });
    const stored = storedFeatures(t.db);
    recomputeAllFeatures(t.db, W);
    expect(stored).toEqual(storedFeatures(t.db));
    // The scoped recompute left the rows before its start untouched (and they were exact).
    expect(stored.length).toBe(old.length + fresh.length);
  });
});
