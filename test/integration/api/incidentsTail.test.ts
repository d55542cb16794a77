import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IncidentStore } from '../../../src/main/incidents/incidentStore';
import type { Db } from '../../../src/main/store/db';
import { IncidentQuerySchema } from '../../../src/shared/schemas/incidents';
import { addSource, tempDb } from '../features/helpers';
import { rng } from '../../helpers/rng';

const WINDOW_MS = 300_000;
const PATHS = ['/', '/login', '/wp-login.php', '/api/items', '/.env', '/admin'];

describe('incidents kept current under a live tail', () => {
  let db: Db;
  let cleanup: () => void;
  beforeAll(() => ({ db, cleanup } = tempDb()));
  afterAll(() => cleanup());

  it('after each batch of newer scored entries, equal to incidents grouped from scratch', () => {
    const r = rng(3);
    const src = addSource(db, '/logs/live.log');
    const log = db.prepare(
      'INSERT INTO logs (source_id, line_no, ts_ms, ip, method, endpoint, status, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const score = db.prepare(
      'INSERT INTO scores (log_id, model_version, votes, is_anomaly, combined_score) VALUES (?, 1, ?, ?, ?)',
    );
    const live = new IncidentStore(db, () => WINDOW_MS);
    // Full builds (grouping every flagged entry afresh) by the live store: only the first should be one.
    const build = vi.spyOn(IncidentStore.prototype as unknown as { build: () => unknown }, 'build');
    const fullBuilds = () => build.mock.contexts.filter((c) => c === live).length;
    const page = IncidentQuerySchema.parse({ limit: 500 });
    let n = 0;
    let grew = 0;
    let before = 0;
    for (let batch = 0; batch < 40; batch++) {
      db.transaction(() => {
        for (let k = 0; k < 150; k++, n++) {
          // New clients keep arriving (IPs numbered by time), some attacking one endpoint together.
          const ip = `10.0.${Math.floor(n / 400)}.${Math.floor(r() * 12)}`;
          const tsMs = n * 20_000 + Math.floor(r() * 5_000);
          const status = r() < 0.3 ? 404 : 200;
          // Every other block of clients works on one endpoint: a distributed attack.
          const endpoint = Math.floor(n / 400) % 2 === 1 ? '/wp-login.php' : PATHS[Math.floor(r() * PATHS.length)];
          const id = Number(
            log.run(src, n + 1, tsMs, ip, r() < 0.3 ? 'POST' : 'GET', endpoint, status, 'curl/8').lastInsertRowid,
          );
          const flagged = r() < 0.2;
          score.run(id, flagged ? 2 : 0, flagged ? 1 : 0, flagged ? 0.5 + r() / 2 : r() / 2);
        }
      })();
      const now = live.list(page);
      const fresh = new IncidentStore(db, () => WINDOW_MS).list(page);
      expect(now).toEqual(fresh);
      if (now.total !== before) grew++;
      before = now.total;
    }
    expect(fullBuilds()).toBe(1);
    build.mockRestore();
    expect(grew).toBeGreaterThan(0);
    expect(live.list(page).total).toBeGreaterThan(20);
    expect(live.list(page).incidents.some((i) => i.kind === 'endpoint')).toBe(true);
  });
});
