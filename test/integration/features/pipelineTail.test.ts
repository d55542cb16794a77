import { afterEach, describe, expect, it } from 'vitest';
import { FeaturePipeline, type FeatureRange } from '../../../src/main/features/featurePipeline';
import { EventBus } from '../../../src/main/events';
import { recomputeAllFeatures } from '../../../src/main/features/batch';
import { createLogger } from '../../../src/main/logger';
import type { Db } from '../../../src/main/store/db';
import { WriteGate } from '../../../src/main/store/writeGate';
import { bruteForce, pick, rng, type Counts, type OracleRow } from '../../unit/features/oracle';
import { addSource, insertLogs, storedFeatures, tempDb } from './helpers';
import { Mirror, Traffic, type BatchKind } from './tailHelpers';

function pipelineFor(db: Db, windowMs: () => number, options: ConstructorParameters<typeof FeaturePipeline>[5] = {}) {
  return new FeaturePipeline(db, new WriteGate(), new EventBus(), createLogger('test'), windowMs, options);
}

const rowsOf = (db: Db): (OracleRow & { id: number })[] =>
  db.prepare('SELECT id, ip, ts_ms AS tsMs, status FROM logs ORDER BY id').all() as (OracleRow & { id: number })[];

describe('FeaturePipeline with the tail state', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('property: every slice a listener hears of is the exact batch of its prefix; ranges tile the ids', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const next = rng(52_000 + seed);
      const W = [1000, 60_000, 300_000][seed % 3];
      const t = tempDb();
      const mirror = new Mirror();
      try {
        const pipeline = pipelineFor(t.db, () => W, {
          sliceBudgetMs: 0,
          tail: { maxIps: pick(next, [1, 3, 50_000]), graceMs: pick(next, [0, 60_000]) },
        });
        const heard: FeatureRange[] = [];
        pipeline.onFeatures((r) => {
          heard.push(r);
          mirror.expectExact(t.db, W, r.lastId, `seed ${seed} slice → ${r.lastId}`);
        });
        const traffic = new Traffic(next, 1 + Math.floor(next() * 20), W, 60_000);
        const source = addSource(t.db, 'p.log');
        mirror.addSource(source);
        let line = 1;
        for (let b = 0; b < 10; b++) {
          const kind = pick(next, ['inorder', 'inorder', 'late', 'veryLate', 'backfill', 'ties'] as BatchKind[]);
          const batch = traffic.batch(kind, 1 + Math.floor(next() * 80));
          insertLogs(t.db, source, batch, line);
          line += batch.length;
          await pipeline.schedule();
          mirror.expectExact(t.db, W, line - 1, `seed ${seed} batch ${b}`);
        }
        // Contiguous, in order, each id once.
        expect(heard[0].firstId).toBe(1);
        for (let k = 1; k < heard.length; k++) expect(heard[k].firstId).toBe(heard[k - 1].lastId + 1);
        expect(heard.at(-1)?.lastId).toBe(line - 1);
        expect(heard.length).toBeGreaterThan(10);
      } finally {
        mirror.close();
        t.cleanup();
      }
    }
  });

  it('splits a big step into slices that each commit, giving the event loop turns in between', async () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const W = 300_000;
    const source = addSource(t.db, 'big.log');
    const next = rng(7);
    const rows: OracleRow[] = Array.from({ length: 40_000 }, (_, k) => ({
      ip: `10.0.${k % 3}.${Math.floor(next() * 200)}`,
      tsMs: 1_000_000 + k * 37,
      status: pick(next, [200, 404, 503]),
    }));
    insertLogs(t.db, source, rows.slice(0, 1000));
    const pipeline = pipelineFor(t.db, () => W, { sliceBudgetMs: 2 });
    await pipeline.schedule(); // features were empty: one full recompute
    expect(pipeline.lastStep).toMatchObject({ full: true, rows: 1000 });

    insertLogs(t.db, source, rows.slice(1000), 1001);
    let turns = 0;
    let inTransactionOnTurn = false;
    const timer = setInterval(() => {
      turns++;
      inTransactionOnTurn ||= t.db.inTransaction;
    }, 0);
    const heard: FeatureRange[] = [];
    pipeline.onFeatures((r) => heard.push(r));
    await pipeline.schedule();
    clearInterval(timer);
    const step = pipeline.lastStep;
    expect(step).toMatchObject({ full: false, rows: 39_000 });
    expect(step?.slices).toBeGreaterThan(3);
    expect(heard.length).toBe(step?.slices);
    expect(turns).toBeGreaterThan(0);
    expect(inTransactionOnTurn).toBe(false);
    // Compared as text: deep equality on 40k small arrays is slow.
    const got = JSON.stringify(storedFeatures(t.db));
    recomputeAllFeatures(t.db, W);
    expect(got).toBe(JSON.stringify(storedFeatures(t.db)));
  });

  it('rows committed by other writers between slices are picked up by the next step', async () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const W = 60_000;
    const files = addSource(t.db, 'file.log');
    const api = addSource(t.db, 'api');
    const next = rng(11);
    const traffic = new Traffic(next, 5, W, 60_000);
    insertLogs(t.db, files, traffic.batch('inorder', 50));
    recomputeAllFeatures(t.db, W);
    const pipeline = pipelineFor(t.db, () => W, { sliceBudgetMs: 0 });
    let inserted = 0;
    pipeline.onFeatures(() => {
      // A detect request lands while the step yields: insert, then schedule, as DetectService does.
      if (inserted++ < 20) {
        insertLogs(t.db, api, traffic.batch(next() < 0.5 ? 'inorder' : 'late', 3));
        void pipeline.schedule();
      }
    });
    insertLogs(t.db, files, traffic.batch('late', 400), 51);
    await pipeline.schedule();
    expect(inserted).toBeGreaterThan(20);
    expect(storedFeatures(t.db)).toEqual(bruteForce(rowsOf(t.db), W));
  });

  it('drops the tail state when a source disappears, even before the engine recomputes', async () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const W = 300_000;
    const a = addSource(t.db, 'a.log');
    const b = addSource(t.db, 'b.log');
    const at = (ip: string, tsMs: number): OracleRow => ({ ip, tsMs, status: 200 });
    // a and b alternate, both for the same IP, so b's rows sit in the middle of the ids.
    for (let k = 0; k < 10; k++) {
      insertLogs(t.db, a, [at('x', k * 1000)], k + 1);
      insertLogs(t.db, b, [at('x', k * 1000 + 500)], k + 1);
    }
    recomputeAllFeatures(t.db, W);
    const pipeline = pipelineFor(t.db, () => W);
    insertLogs(t.db, a, [at('x', 20_000)], 11);
    await pipeline.schedule();
    expect(storedFeatures(t.db).at(-1)).toEqual([21, 0, 0] satisfies Counts);

    // What ingest.remove does (it tells the pipeline); the engine's recomputeAll comes later.
    t.db.prepare('DELETE FROM sources WHERE id = ?').run(b);
    pipeline.sourcesRemoved();
    insertLogs(t.db, a, [at('x', 21_000)], 12);
    await pipeline.schedule();
    // 11 rows of a before it, plus itself: the deleted rows of b are not counted.
    expect(storedFeatures(t.db).at(-1)).toEqual([12, 0, 0] satisfies Counts);

    await pipeline.recomputeAll();
    expect(storedFeatures(t.db)).toEqual(bruteForce(rowsOf(t.db), W));
    insertLogs(t.db, a, [at('x', 22_000)], 13);
    await pipeline.schedule();
    expect(storedFeatures(t.db)).toEqual(bruteForce(rowsOf(t.db), W));
  });

  it('a removed source whose id a new source took is not counted', async () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const W = 300_000;
    const a = addSource(t.db, 'a.log');
    const b = addSource(t.db, 'b.log');
    const at = (tsMs: number): OracleRow => ({ ip: 'x', tsMs, status: 503 });
    for (let k = 0; k < 5; k++) {
      insertLogs(t.db, a, [at(k * 1000)], k + 1);
      insertLogs(t.db, b, [at(k * 1000 + 500)], k + 1);
    }
    const pipeline = pipelineFor(t.db, () => W);
    await pipeline.schedule();
    insertLogs(t.db, a, [at(9000)], 6);
    await pipeline.schedule();
    expect(storedFeatures(t.db).at(-1)).toEqual([11, 0, 11] satisfies Counts);
    // b goes, and a new source gets its id (no AUTOINCREMENT), before the next step runs.
    t.db.prepare('DELETE FROM sources WHERE id = ?').run(b);
    pipeline.sourcesRemoved();
    t.db.prepare("INSERT INTO sources (id, path, kind, added_at) VALUES (?, 'c.log', 'file', 5)").run(b);
    insertLogs(t.db, a, [at(10_000)], 7);
    await pipeline.schedule();
    expect(storedFeatures(t.db).at(-1)).toEqual([7, 0, 7] satisfies Counts);
  });

  it('a window change makes the next step a full recompute with the new window', async () => {
    const t = tempDb();
    cleanup = t.cleanup;
    let W = 1000;
    const source = addSource(t.db, 'w.log');
    const traffic = new Traffic(rng(3), 4, 1000, 0);
    insertLogs(t.db, source, traffic.batch('inorder', 100));
    const pipeline = pipelineFor(t.db, () => W);
    await pipeline.schedule();
    insertLogs(t.db, source, traffic.batch('late', 100), 101);
    await pipeline.schedule();
    expect(pipeline.lastStep).toMatchObject({ full: false, rows: 100 });
    expect(storedFeatures(t.db)).toEqual(bruteForce(rowsOf(t.db), W));
    W = 60_000;
    insertLogs(t.db, source, traffic.batch('inorder', 100), 201);
    await pipeline.schedule();
    expect(pipeline.lastStep).toMatchObject({ full: true });
    expect(storedFeatures(t.db)).toEqual(bruteForce(rowsOf(t.db), W));
    insertLogs(t.db, source, traffic.batch('late', 100), 301);
    await pipeline.schedule();
    expect(pipeline.lastStep).toMatchObject({ full: false, rows: 100 });
    expect(storedFeatures(t.db)).toEqual(bruteForce(rowsOf(t.db), W));
  });
});
