/**
 * Incidents that follow a background rescoring chunk by chunk (only the hours whose flagged
 * entries changed are grouped again) must equal a fresh full build over the same scores: after
 * a first span-only training, and after a second one with another contamination, which unflags
 * and reflags older entries.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IncidentStore } from '../../../src/main/incidents/incidentStore';
import { startTestServer, type TestServer } from '../../helpers/http';
import { count } from '../ingest/engineFixture';

const ROWS = 12_000;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ engine: { backgroundRescore: { above: 0, chunkRows: 997 } } });
  expect((await server.call('PUT', '/config', { trainingSpanHours: 6 })).status).toBe(200);
  expect((await server.call('POST', '/data/generate_sample', { rows: ROWS, seed: 11 })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

/** Every incident as shown, the live store's and a fresh store's (a full build) over the same database. */
function both() {
  const { engine } = server;
  const q = { offset: 0, limit: 1_000_000 };
  const live = engine.incidents.list(q);
  const fresh = new IncidentStore(engine.db, () => engine.config.get().windowMs, 0).list(q);
  return { live, fresh };
}

async function trainAndFollow(): Promise<number> {
  const r = await server.call('POST', '/model/train_models');
  expect(r.status, r.text).toBe(200);
  const before = server.engine.incidents.fullBuilds;
  await server.engine.models.rescored();
  await server.engine.incidents.settle();
  return server.engine.incidents.fullBuilds - before;
}

describe('incidents after a background rescoring', () => {
  test('first training: followed chunk by chunk, equal to a fresh build', async () => {
    const builds = await trainAndFollow();
    const { live, fresh } = both();
    expect(live.total).toBeGreaterThan(0);
    expect(live.flagged).toBe(count(server.engine, 'SELECT count(*) FROM scores WHERE is_anomaly = 1'));
    expect(live).toEqual(fresh);
    // Right after the swap only the span is flagged: a first chunk that flags more than half of
    // all flagged entries is cheaper to build afresh (once); the later ones are followed.
    expect(builds).toBeLessThanOrEqual(1);
  }, 240_000);

  test('a retraining that unflags and reflags older entries: equal to a fresh build', async () => {
    const flaggedBefore = count(server.engine, 'SELECT count(*) FROM scores WHERE is_anomaly = 1');
    expect((await server.call('PUT', '/config', { contamination: 0.02 })).status).toBe(200);
    const builds = await trainAndFollow();
    expect(builds).toBe(0);
    expect(count(server.engine, 'SELECT count(*) FROM scores WHERE is_anomaly = 1')).not.toBe(flaggedBefore);
    const { live, fresh } = both();
    expect(live).toEqual(fresh);
  }, 240_000);
});
