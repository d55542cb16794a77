/**
 * Incidents after a background rescoring must equal a fresh full build over the same scores:
 * after a first span-only training, and after a second one with another contamination, which
 * unflags and reflags older entries. Rescored ranges holding most entries (a retraining rescores
 * all of them) are followed by one full build, in short steps; smaller ones by regrouping the
 * hours whose flagged entries changed. A change outside the announced range must still be found
 * (the flagged set's totals disagree, and every hour is compared).
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

/** A training and its background rescoring followed; how many full builds and full compares that took. */
async function trainAndFollow(): Promise<{ builds: number; compares: number }> {
  const { incidents } = server.engine;
  const [builds, compares] = [incidents.fullBuilds, incidents.fullCompares];
  const r = await server.call('POST', '/model/train_models');
  expect(r.status, r.text).toBe(200);
  await server.engine.models.rescored();
  await incidents.settle();
  return { builds: incidents.fullBuilds - builds, compares: incidents.fullCompares - compares };
}

describe('incidents after a background rescoring', () => {
  test('first training: equal to a fresh build', async () => {
    const { builds, compares } = await trainAndFollow();
    const { live, fresh } = both();
    expect(live.total).toBeGreaterThan(0);
    expect(live.flagged).toBe(count(server.engine, 'SELECT count(*) FROM scores WHERE is_anomaly = 1'));
    expect(live).toEqual(fresh);
    // Two full builds: the first state (no incidents were read before the training), and the
    // end of a rescoring of three quarters of the entries. Never a compare of every hour.
    expect(builds).toBe(2);
    expect(compares).toBe(0);
  }, 240_000);

  test('a retraining that unflags and reflags older entries: equal to a fresh build', async () => {
    const flaggedBefore = count(server.engine, 'SELECT count(*) FROM scores WHERE is_anomaly = 1');
    // (PUT replaces the settings: the span stays at 6 h, so the retraining rescores in the background too.)
    expect((await server.call('PUT', '/config', { trainingSpanHours: 6, contamination: 0.02 })).status).toBe(200);
    const { builds, compares } = await trainAndFollow();
    // Every entry was rescored (the span at once, the rest in the background): one full build.
    expect(builds).toBe(1);
    expect(compares).toBe(0);
    expect(count(server.engine, 'SELECT count(*) FROM scores WHERE is_anomaly = 1')).not.toBe(flaggedBefore);
    const { live, fresh } = both();
    expect(live).toEqual(fresh);
  }, 240_000);

  /** A flagged entry and an unflagged one, hours apart from each other. */
  function twoHoursApart(): { flagged: { id: number; ts: number }; unflagged: { id: number; ts: number } } {
    const db = server.engine.db;
    const flagged = db
      .prepare('SELECT log_id AS id, ts_ms AS ts FROM scores WHERE is_anomaly = 1 ORDER BY ts_ms LIMIT 1')
      .get() as { id: number; ts: number };
    const unflagged = db
      .prepare(
        `SELECT l.id, l.ts_ms AS ts FROM scores s JOIN logs l ON l.id = s.log_id
          WHERE s.is_anomaly = 0 AND l.ts_ms > ? ORDER BY l.ts_ms DESC LIMIT 1`,
      )
      .get(flagged.ts + 4 * 3_600_000) as { id: number; ts: number };
    expect(unflagged).toBeDefined();
    return { flagged, unflagged };
  }

  test('scores changed only inside a rescored range: followed through its hours alone, equal to a fresh build', async () => {
    const { incidents, db } = server.engine;
    await incidents.settle();
    const { flagged } = twoHoursApart();
    const compares = incidents.fullCompares;
    const range = { fromMs: flagged.ts, toMs: flagged.ts + 1 };
    incidents.rescoring(range);
    db.prepare('UPDATE scores SET is_anomaly = 0 WHERE log_id = ?').run(flagged.id);
    incidents.rescored(range);
    await incidents.settle();
    expect(incidents.fullCompares).toBe(compares);
    const { live, fresh } = both();
    expect(live).toEqual(fresh);
  });

  test('a score changed outside the rescored range is not missed (the totals show it): equal to a fresh build', async () => {
    const { incidents, db } = server.engine;
    await incidents.settle();
    const { flagged, unflagged } = twoHoursApart();
    const compares = incidents.fullCompares;
    const range = { fromMs: flagged.ts, toMs: flagged.ts + 1 };
    incidents.rescoring(range);
    db.prepare('UPDATE scores SET is_anomaly = 0 WHERE log_id = ?').run(flagged.id);
    // Hours away, unannounced: flagged anew with the top score.
    db.prepare(
      'UPDATE scores SET is_anomaly = 1, combined_score = (SELECT max(combined_score) + 1 FROM scores) WHERE log_id = ?',
    ).run(unflagged.id);
    incidents.rescored(range);
    await incidents.settle();
    const { live, fresh } = both();
    expect(live).toEqual(fresh);
    expect(incidents.fullCompares).toBe(compares + 1);
    expect(live.incidents[0].firstTsMs).toBeLessThanOrEqual(unflagged.ts);
    expect(live.incidents[0].lastTsMs).toBeGreaterThanOrEqual(unflagged.ts);
  });
});
