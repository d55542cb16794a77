/**
 * GET /incidents and GET /incidents/:id over real HTTP, on a trained 40,000-row sample: the
 * injected 404 scan is one incident among the top three with its summary in words, every
 * flagged entry belongs to exactly one incident, the detail lists all entries of the incident's
 * IP in its period (flagged or not), and bad input is a 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IncidentDetailSchema, IncidentPageSchema } from '../../../src/shared/schemas/incidents';
import { startTestServer, type TestServer } from '../../helpers/http';
import { count } from '../ingest/engineFixture';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  expect((await server.call('POST', '/data/generate_sample', { rows: 40_000, seed: 7 })).status).toBe(200);
  expect((await server.call('POST', '/model/train_models')).status).toBe(200);
});

afterAll(async () => {
  await server?.close();
});

async function page(query = '') {
  const r = await server.call('GET', `/incidents${query}`);
  expect(r.status, r.text).toBe(200);
  return IncidentPageSchema.parse(r.json());
}

describe('incidents', () => {
  test('the injected 404 scan is one incident among the top three, summarised in words', async () => {
    const p = await page('?limit=10');
    console.log(
      p.incidents
        .slice(0, 6)
        .map((i) => `${i.score.toFixed(4)} ${i.summary}`)
        .join('\n'),
    );
    const scanIp = server.engine.db
      .prepare("SELECT l.ip FROM sample_labels sl JOIN logs l ON l.id = sl.log_id WHERE sl.label = '404_scan' LIMIT 1")
      .pluck()
      .get() as string;
    const scans = p.incidents.filter((i) => i.ips.includes(scanIp));
    expect(scans).toHaveLength(1);
    const scan = scans[0];
    expect(p.incidents.indexOf(scan)).toBeLessThan(3);
    expect(scan).toMatchObject({ kind: 'ip', label: '404 scan', ipCount: 1 });
    expect(scan.summary).toMatch(
      /^404 scan: \d+ requests, \d+ × 404, \d+ distinct paths in .+ from an IP (never seen before|first seen .+ earlier)$/,
    );
    expect(scan.statuses[0].status).toBe(404);
    expect(scan.entries).toBeGreaterThanOrEqual(scan.flagged);
  });

  test('every flagged entry belongs to exactly one incident; pages do not overlap', async () => {
    const first = await page('?limit=500');
    const flagged = count(server.engine, 'SELECT count(*) FROM scores WHERE is_anomaly = 1');
    expect(first.flagged).toBe(flagged);
    const all = [...first.incidents];
    for (let offset = 500; offset < first.total; offset += 500)
      all.push(...(await page(`?limit=500&offset=${offset}`)).incidents);
    expect(all).toHaveLength(first.total);
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    expect(all.reduce((n, i) => n + i.flagged, 0)).toBe(flagged);
    for (let k = 1; k < all.length; k++) expect(all[k].score).toBeLessThanOrEqual(all[k - 1].score);
  });

  test('an incident opens to all entries of its IP in its period, flagged or not', async () => {
    const [top] = (await page('?limit=1')).incidents;
    const r = await server.call('GET', `/incidents/${top.id}`);
    expect(r.status, r.text).toBe(200);
    const d = IncidentDetailSchema.parse(r.json());
    expect(d.id).toBe(top.id);
    expect(d.rows).toHaveLength(Math.min(d.entries, 5_000));
    if (!d.truncated) expect(d.rows.filter((x) => x.isAnomaly).length).toBe(d.flagged);
    for (const x of d.rows) {
      expect(top.ips).toContain(x.ip);
      expect(x.tsMs).toBeGreaterThanOrEqual(d.firstTsMs);
      expect(x.tsMs).toBeLessThanOrEqual(d.lastTsMs);
    }
  });

  test('an incident exports as a Markdown report with its raw lines, and its IPs as a block list', async () => {
    const scan = (await page('?limit=10')).incidents.find((i) => i.label === '404 scan')!;
    const r = await server.call('GET', `/incidents/${scan.id}/report`);
    expect(r.status, r.text).toBe(200);
    const { markdown, blocklist } = r.json() as { markdown: string; blocklist: string };
    expect(markdown.startsWith('# 404 scan\n\n' + scan.summary + '\n')).toBe(true);
    expect(markdown).toContain(`Flagged entries: ${scan.flagged} of ${scan.entries}`);
    // The raw lines of its flagged entries, read back from the sample file, in a code fence.
    const fence = markdown.slice(markdown.indexOf('## Flagged lines'));
    const quoted = fence.split('\n').filter((l) => l.startsWith(scan.ips[0] + ' '));
    expect(quoted).toHaveLength(Math.min(scan.flagged, 200));
    for (const l of quoted) expect(l).toMatch(/" 404 \d+ /);
    expect(blocklist.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([scan.ips[0]]);
  });

  test('search narrows incidents to those with a matching flagged entry', async () => {
    const scan = (await page('?limit=10')).incidents.find((i) => i.label === '404 scan')!;
    const found = await page(`?q=${encodeURIComponent(`ip:${scan.ips[0]} status:404`)}`);
    expect(found.incidents.map((i) => i.id)).toEqual([scan.id]);
    expect((await server.call('GET', '/incidents?q=status:abc')).status).toBe(400);
  });

  test('bad input: 400 naming the field; an unknown incident: 404', async () => {
    for (const [q, field] of [
      ['?limit=0', 'limit'],
      ['?limit=abc', 'limit'],
      ['?offset=-1', 'offset'],
      ['?colour=red', 'colour'],
    ]) {
      const r = await server.call('GET', `/incidents${q}`);
      expect(r.status, q).toBe(400);
      expect(r.text).toContain(field);
    }
    const bad = await server.call('GET', '/incidents/nope');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id');
    expect((await server.call('GET', '/incidents/ip-999999999')).status).toBe(404);
  });
});
