import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IncidentStore } from '../../../src/main/incidents/incidentStore';
import { Job } from '../../../src/main/incidents/slices';
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

  it('late, unscored and very old entries, clients leaving an endpoint incident and a rule added mid-way: still equal to a fresh build', async () => {
    const r = rng(11);
    const src = addSource(db, '/logs/late.log');
    const log = db.prepare(
      'INSERT INTO logs (source_id, line_no, ts_ms, ip, method, endpoint, status, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const score = db.prepare(
      'INSERT INTO scores (log_id, model_version, votes, is_anomaly, combined_score) VALUES (?, 1, ?, ?, ?)',
    );
    // After the first test's data (its entries end before 40 × 150 × 20 s).
    const t0 = 200_000_000;
    let line = 0;
    const add = (tsMs: number, ip: string, endpoint: string, flagged: boolean | null) => {
      const id = Number(log.run(src, ++line, tsMs, ip, 'POST', endpoint, 401, 'curl/8').lastInsertRowid);
      // null: stored but not scored yet (it still counts among an incident's entries).
      if (flagged !== null) score.run(id, flagged ? 2 : 0, flagged ? 1 : 0, flagged ? 0.5 + r() / 2 : r() / 2);
    };
    const dataStart = db.prepare('SELECT min(ts_ms) FROM logs').pluck().get() as number;
    // Updates a step per event-loop turn, so readers come while one is under way.
    const live = new IncidentStore(db, () => WINDOW_MS, 0);
    const build = vi.spyOn(IncidentStore.prototype as unknown as { build: () => unknown }, 'build');
    const fullBuilds = () => build.mock.contexts.filter((c) => c === live).length;
    // How often a reader that cannot wait found an update half done (it finishes it).
    let halfDone = 0;
    const finish = Job.prototype.finish;
    const finishing = vi.spyOn(Job.prototype, 'finish').mockImplementation(function (this: Job<unknown>) {
      if (!this.done) halfDone++;
      return finish.call(this);
    });
    const page = IncidentQuerySchema.parse({ limit: 500 });
    const fresh = () => new IncidentStore(db, () => WINDOW_MS).list(page);
    /** Client IPs of each endpoint incident seen, by id: to see one lose clients. */
    const ipsOf = new Map<string, number>();
    let lostClients = 0;
    let dissolved = 0;
    for (let batch = 0; batch < 30; batch++) {
      const now = t0 + batch * 600_000;
      db.transaction(() => {
        // A distributed attack: new clients, a few POSTs each on /wp-login.php.
        for (let k = 0; k < 6; k++) {
          const ip = `198.51.${batch}.${k}`;
          for (let i = 0; i < 3; i++) add(now + k * 20_000 + i * 30_000, ip, '/wp-login.php', true);
        }
        // Some of the last batch's attackers turn to scanning: their run is no longer one of a member.
        if (batch % 3 === 2)
          for (let k = 0; k < 4; k++)
            for (let i = 0; i < 25; i++) add(now + i * 1_000, `198.51.${batch - 1}.${k}`, `/p${i}`, true);
        // Entries arriving late: flagged ones for an old incident, unscored ones inside old periods.
        if (batch > 2) {
          const old = Math.floor(r() * (batch - 1));
          add(t0 + old * 600_000 + 45_000, `198.51.${old}.1`, '/wp-login.php', true);
          add(t0 + old * 600_000 + 50_000, `198.51.${old}.2`, '/', null);
        }
        // Older sightings of clients than their first: one two hours before (its age in the
        // summaries changes), one as the log began (no longer a new client: it leaves the attack).
        if (batch === 12) add(t0 - 7_200_000, '198.51.5.3', '/', false);
        if (batch === 15) add(dataStart + 1_000, '198.51.7.2', '/', false);
        // Background: scattered flags from a few known clients.
        for (let k = 0; k < 20; k++) add(now + Math.floor(r() * 600_000), `10.9.0.${k % 7}`, '/', r() < 0.3);
      })();
      if (batch === 20) {
        db.prepare("INSERT INTO suppressions (created_at, ip, note) VALUES (0, '10.9.0.3', 'known')").run();
      }
      // Readers: two wait for the update in slices; one in the meantime needs it at once.
      const waiting = [live.page(page), live.page(IncidentQuerySchema.parse({ limit: 20, offset: 3 }))];
      await new Promise((resolve) => setImmediate(resolve));
      const atOnce = live.list(page);
      const expected = fresh();
      expect(atOnce).toEqual(expected);
      const [all, some] = await Promise.all(waiting);
      expect(all).toEqual(expected);
      expect(some).toEqual({ ...expected, incidents: expected.incidents.slice(3, 23) });
      for (const i of expected.incidents.filter((x) => x.kind === 'endpoint')) {
        const before = ipsOf.get(i.id);
        if (before !== undefined && i.ipCount < before) lostClients++;
        ipsOf.set(i.id, i.ipCount);
      }
      for (const id of ipsOf.keys())
        if (!expected.incidents.some((x) => x.id === id)) {
          dissolved++;
          ipsOf.delete(id);
        }
    }
    // The first build and the one after the rule: the rest were updates.
    expect(fullBuilds()).toBe(2);
    build.mockRestore();
    finishing.mockRestore();
    expect(halfDone).toBeGreaterThan(0);
    expect(lostClients + dissolved).toBeGreaterThan(0);
    expect(live.list(page).incidents.some((i) => i.ips.includes('10.9.0.3'))).toBe(false);
    expect(live.list(page).incidents.some((i) => i.kind === 'endpoint')).toBe(true);
  });
});
