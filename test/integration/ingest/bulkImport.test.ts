/**
 * A dropped file bigger than the bulk threshold (32 MiB still to read) is a bulk import: its rows
 * commit as they are read and the window features are computed once the read ends. Whatever
 * happens in between, the features end equal to the batch computation over every stored row,
 * also when the app is closed mid-import and opened again.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recomputeAllFeatures } from '../../../src/main/features/batch';
import type { Engine } from '../../../src/main/engine';
import { rng } from '../../helpers/rng';
import { waitFor } from '../../helpers/wait';
import { count, engineFixture, type EngineFixture } from './engineFixture';

const LINES = 180_000;

/** About 40 MB of combined log: 300 IPs, time moving forward with ties, a mix of statuses. */
function bigLog(path: string): void {
  const next = rng(21);
  const out: string[] = [];
  let t = Date.UTC(2024, 4, 1);
  const pad = '/assets/' + 'x'.repeat(60);
  for (let i = 0; i < LINES; i++) {
    t += Math.floor(next() * 400);
    const d = new Date(t);
    const stamp = `${String(d.getUTCDate()).padStart(2, '0')}/May/2024:${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')} +0000`;
    const ip = `10.1.${Math.floor(next() * 3)}.${Math.floor(next() * 100)}`;
    const status = [200, 200, 200, 304, 404, 500][Math.floor(next() * 6)];
    out.push(
      `${ip} - - [${stamp}] "GET ${pad}/${i % 997} HTTP/1.1" ${status} ${i % 5000} "-" "Mozilla/5.0 (X11; Linux x86_64) bulk-test/${i % 13}"`,
    );
  }
  writeFileSync(path, out.join('\n') + '\n');
}

/** Stored features in id order, then the batch computation over the same rows: equal when exact. */
function featuresExact(engine: Engine): void {
  const read = () =>
    engine.db
      .prepare('SELECT log_id, request_count, client_error_count, server_error_count FROM features ORDER BY log_id')
      .raw()
      .all();
  const stored = read();
  recomputeAllFeatures(engine.db, engine.config.get().windowMs);
  expect(stored.length).toBe(count(engine, 'SELECT count(*) FROM logs'));
  expect(stored).toEqual(read());
}

const caughtUp = (engine: Engine) =>
  count(engine, 'SELECT coalesce(max(log_id), 0) FROM features') ===
  count(engine, 'SELECT coalesce(max(id), 0) FROM logs');

describe('bulk import of a big dropped file', () => {
  let fx: EngineFixture;
  afterEach(async () => fx?.close());

  it('ends with every line stored once and features equal to the batch computation', async () => {
    fx = await engineFixture();
    const path = join(fx.dir, 'big.log');
    bigLog(path);
    const { id } = await fx.engine.api.addSource({ path, format: 'auto', watch: false });
    await waitFor(
      async () => (await fx.engine.api.listSources({})).find((s) => s.id === id)?.status === 'done',
      'the import',
      120_000,
    );
    await waitFor(() => caughtUp(fx.engine), 'the features', 120_000);
    expect(count(fx.engine, 'SELECT count(*) FROM logs')).toBe(LINES);
    featuresExact(fx.engine);
  });

  it('closed mid-import and opened again: the rest is read and the features catch up exactly', async () => {
    fx = await engineFixture();
    const path = join(fx.dir, 'big.log');
    bigLog(path);
    await fx.engine.api.addSource({ path, format: 'auto', watch: false });
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') > 20_000, 'part of the import', 120_000);
    const engine = await fx.reopen();
    await waitFor(() => count(engine, 'SELECT count(*) FROM logs') === LINES, 'the rest of the import', 120_000);
    await waitFor(() => caughtUp(engine), 'the features', 120_000);
    expect(count(engine, 'SELECT count(*) FROM (SELECT 1 FROM logs GROUP BY line_no HAVING count(*) > 1)')).toBe(0);
    featuresExact(engine);
  });
});
