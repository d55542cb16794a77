import { describe, expect, it } from 'vitest';
import { groupIncidents, type FlaggedRow, type Group } from '../../../src/main/incidents/group';
import { LiveGroups, type GroupDelta } from '../../../src/main/incidents/liveGroups';
import { rng } from '../../helpers/rng';

const GAP = 3_600_000;
const PATHS = ['/login', '/wp-login.php', '/', '/api', '/.env'];

const show = (g: Group) => `${g.kind}:${g.rows.map((r) => r.id).join(',')}`;
const shown = (groups: readonly Group[]) => groups.map(show).sort();

function run<T>(gen: Generator<void, T>): T {
  for (;;) {
    const step = gen.next();
    if (step.done) return step.value;
  }
}

describe('incidents grouped as entries arrive', () => {
  it('after every batch (late entries, many IPs on one endpoint, IP ages changing) equals grouping all rows afresh', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const r = rng(seed);
      // An IP's age can change (an older sighting arrives late): then it is refreshed.
      const oldIps = new Set<string>();
      const isNew = (ip: string) => !oldIps.has(ip);
      const live = new LiveGroups(GAP, isNew);
      const all: FlaggedRow[] = [];
      let current = new Set<Group>();
      let id = 0;
      for (let batch = 0; batch < 60; batch++) {
        const rows: FlaggedRow[] = [];
        const n = 1 + Math.floor(r() * 40);
        for (let k = 0; k < n; k++) {
          // Mostly newer entries; one in ten arrives late, anywhere in the past.
          const t = r() < 0.1 ? Math.floor(r() * batch * 900_000) : batch * 900_000 + Math.floor(r() * 900_000);
          const attack = r() < 0.6;
          rows.push({
            id: ++id,
            tsMs: t,
            ip: `10.0.0.${Math.floor(r() * (attack ? 40 : 8))}`,
            method: 'POST',
            endpoint: attack ? PATHS[Math.floor(r() * 2)] : PATHS[Math.floor(r() * PATHS.length)],
            status: 401,
            bytes: 10,
            userAgent: null,
            score: r(),
          });
        }
        const refresh = new Set<string>();
        if (r() < 0.2) {
          const ip = `10.0.0.${Math.floor(r() * 40)}`;
          if (oldIps.has(ip)) oldIps.delete(ip);
          else oldIps.add(ip);
          refresh.add(ip);
        }
        all.push(...rows);
        // The first batch as a full build loads it; the others are added.
        const delta: GroupDelta =
          batch === 0 ? { removed: [], added: run(live.load(rows)) } : run(live.add(rows, refresh));
        // The delta applied to the groups held before gives the groups held now.
        for (const g of delta.removed) expect(current.delete(g)).toBe(true);
        for (const g of delta.added) current.add(g);
        expect(shown([...current])).toEqual(shown(live.groups()));
        expect(shown(live.groups())).toEqual(shown(groupIncidents(all, GAP, isNew)));
        for (const g of live.groups())
          expect(g.rows).toEqual([...g.rows].sort((a, b) => a.tsMs - b.tsMs || a.id - b.id));
        current = new Set(live.groups());
      }
      expect(live.groups().some((g) => g.kind === 'endpoint')).toBe(true);
      // Everything loaded at once gives the same groups.
      const loaded = new LiveGroups(GAP, isNew);
      expect(shown(run(loaded.load(all)))).toEqual(shown(groupIncidents(all, GAP, isNew)));
    }
  });

  it('an unchanged group keeps its object; a group of a refreshed IP is new', () => {
    let isNewA = true;
    const live = new LiveGroups(GAP, (ip) => (ip === 'a' ? isNewA : false));
    const row = (id: number, ip: string, tsMs: number): FlaggedRow => ({
      id,
      tsMs,
      ip,
      method: 'GET',
      endpoint: '/',
      status: 200,
      bytes: 1,
      userAgent: null,
      score: 0.9,
    });
    run(live.add([row(1, 'a', 0), row(2, 'b', 0)]));
    const [a, b] = ['a', 'b'].map((ip) => live.groups().find((g) => g.rows[0].ip === ip)!);
    const d = run(live.add([row(3, 'b', 10 * GAP)]));
    expect(d.removed).toEqual([]);
    expect(live.groups()).toContain(a);
    expect(live.groups()).toContain(b);
    isNewA = false;
    const d2 = run(live.add([], new Set(['a'])));
    expect(d2.removed).toEqual([a]);
    expect(d2.added.map(show)).toEqual([show(a)]);
  });
});
