import { describe, expect, it } from 'vitest';
import { recomputeAllFeatures } from '../../../src/main/features/batch';
import { LiveWindowCache } from '../../../src/main/features/liveWindow';
import type { FeatureCounts } from '../../../src/main/features/types';
import { arrivalTime, randomRows, rng, type Counts } from '../../unit/features/oracle';
import { addSource, insertLogs, storedFeatures, tempDb } from './helpers';

const triple = (f: FeatureCounts): Counts => [f.request_count, f.client_error_count, f.server_error_count];

describe('live cache against the batch', () => {
  it('property: in-order logs (many ties, exact-W gaps) give exactly the batch features', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const next = rng(500 + seed);
      const W = [1, 2, 1000, 60_000, 300_000][seed % 5];
      const rows = randomRows(next, 200 + Math.floor(next() * 400), {
        ips: 1 + (seed % 7),
        windowMs: W,
        lateFraction: 0,
        maxLateMs: 0,
      });
      const t = tempDb();
      try {
        insertLogs(t.db, addSource(t.db, 'live.log'), rows);
        recomputeAllFeatures(t.db, W);
        const cache = new LiveWindowCache({ windowMs: W });
        expect(rows.map((r) => triple(cache.add(r)))).toEqual(storedFeatures(t.db));
      } finally {
        t.cleanup();
      }
    }
  });

  it('property: seeding from the database continues exactly where the stream left off', () => {
    for (let seed = 1; seed <= 15; seed++) {
      const next = rng(700 + seed);
      const W = [1000, 60_000, 300_000][seed % 3];
      const rows = randomRows(next, 300, { ips: 3, windowMs: W, lateFraction: 0, maxLateMs: 0 });
      const cut = 50 + Math.floor(next() * 200);
      const t = tempDb();
      try {
        const source = addSource(t.db, 'restart.log');
        insertLogs(t.db, source, rows.slice(0, cut));
        const restarted = new LiveWindowCache({ windowMs: W });
        expect(restarted.seed(t.db)).toBeGreaterThan(0);
        const after = rows.slice(cut).map((r) => triple(restarted.add(r)));
        insertLogs(t.db, source, rows.slice(cut), cut + 1);
        recomputeAllFeatures(t.db, W);
        expect(after).toEqual(storedFeatures(t.db).slice(cut));
      } finally {
        t.cleanup();
      }
    }
  });

  it('property: late entries (≤ 60 s) count what arrived before them in (t − W, t], and later entries stay exact', () => {
    let late = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const next = rng(900 + seed);
      const W = [1000, 30_000, 300_000][seed % 3];
      const rows = randomRows(next, 300, { ips: 1 + (seed % 4), windowMs: W, lateFraction: 0.3, maxLateMs: 60_000 });
      // Keep lateness within the grace: at most 60 s behind the newest entry seen (any IP), so
      // neither the entries it needs nor its IP have expired under the data clock.
      let newest = -Infinity;
      const within = rows.filter((r) => {
        if (r.tsMs < newest - 60_000) return false;
        if (r.tsMs < newest) late++;
        newest = Math.max(newest, r.tsMs);
        return true;
      });
      const cache = new LiveWindowCache({ windowMs: W });
      expect(within.map((r) => triple(cache.add(r)))).toEqual(arrivalTime(within, W));
    }
    expect(late).toBeGreaterThan(500);
  });
});
