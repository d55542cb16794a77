/**
 * Feedback over real HTTP on a trained 40,000-row sample: a benign incident marked normal with a
 * suppression disappears from incidents and the Anomalies list, stays gone after a retrain, is
 * listed with what it hides, and returns when the rule is removed; an attack verdict labels the
 * incident's entries and the Models view's metrics count them; entries marked normal are taught
 * as normal by the next training; bad input is a 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ModelsOverviewSchema } from '../../../src/shared/schemas/analysis';
import { SuppressionListSchema } from '../../../src/shared/schemas/feedback';
import { IncidentPageSchema, ModelDiffSchema, type Incident } from '../../../src/shared/schemas/incidents';
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

async function incidents(): Promise<Incident[]> {
  const r = await server.call('GET', '/incidents?limit=500');
  expect(r.status, r.text).toBe(200);
  return IncidentPageSchema.parse(r.json()).incidents;
}

const flaggedOf = (ip: string) =>
  server
    .call('GET', `/anomalies?ip=${encodeURIComponent(ip)}&limit=1`)
    .then((r) => (r.json() as { total: number }).total);

async function train(): Promise<void> {
  const r = await server.call('POST', '/model/train_models');
  expect(r.status, r.text).toBe(200);
}

describe('feedback and suppressions', () => {
  let benign: Incident;
  let ruleId = 0;

  test('a benign incident marked normal with a suppression disappears, and is listed with what it hides', async () => {
    // A client present since the log began, flagged for "unusual activity": the sample's normal traffic.
    benign = (await incidents()).find((i) => i.kind === 'ip' && /present since the log began/.test(i.summary))!;
    expect(benign).toBeDefined();
    const ip = benign.ips[0];
    expect(await flaggedOf(ip)).toBeGreaterThan(0);
    const r = await server.call('POST', '/feedback', {
      incident: benign.id,
      verdict: 'normal',
      note: 'our monitoring host',
      suppress: { ip, note: 'monitoring' },
    });
    expect(r.status, r.text).toBe(200);
    const answer = r.json() as { entries: number; suppression: { id: number; hides: number; ip: string } };
    expect(answer.entries).toBe(benign.flagged);
    expect(answer.suppression).toMatchObject({ ip });
    ruleId = answer.suppression.id;
    expect(count(server.engine, "SELECT count(*) FROM entry_labels WHERE verdict = 'normal'")).toBe(benign.flagged);
    expect((await incidents()).some((i) => i.ips.includes(ip))).toBe(false);
    expect(await flaggedOf(ip)).toBe(0);
    const list = SuppressionListSchema.parse((await server.call('GET', '/suppressions')).json());
    expect(list.suppressions).toHaveLength(1);
    expect(list.suppressions[0]).toMatchObject({ id: ruleId, ip, note: 'monitoring', endpoint: null, expiresAt: null });
    expect(list.suppressions[0].hides).toBeGreaterThanOrEqual(benign.flagged);
  });

  test('it stays gone after a retrain; removing the rule brings its flags back', async () => {
    const ip = benign.ips[0];
    await train();
    expect((await incidents()).some((i) => i.ips.includes(ip))).toBe(false);
    // The Models view's comparison: the suppressed incident went, and the feedback is counted.
    const diff = await server.call('GET', '/models/diff?from=1&to=2');
    expect(diff.status, diff.text).toBe(200);
    const d = ModelDiffSchema.parse(diff.json());
    expect(d.from.version).toBe(1);
    expect(d.to.version).toBe(2);
    expect(d.to.flagged).toBeLessThan(d.from.flagged + 1);
    expect(d.disappeared.some((i) => i.ips.includes(ip))).toBe(true);
    expect(d.appeared.some((i) => i.ips.includes(ip))).toBe(false);
    expect(d.feedbackSince).toMatchObject({ normal: 1, attack: 0, suppressions: 1 });
    expect((await server.call('GET', '/models/diff?from=1&to=99')).status).toBe(404);
    expect((await server.call('GET', '/models/diff?from=x&to=2')).status).toBe(400);
    const del = await server.call('DELETE', `/suppressions/${ruleId}`);
    expect(del.status, del.text).toBe(200);
    expect(SuppressionListSchema.parse((await server.call('GET', '/suppressions')).json()).suppressions).toEqual([]);
    // Whatever the retrained model flags for this IP is shown again (it may flag less: it was taught normal).
    const flagged = count(
      server.engine,
      'SELECT count(*) FROM scores s JOIN logs l ON l.id = s.log_id WHERE l.ip = ? AND s.is_anomaly = 1',
      ip,
    );
    expect(await flaggedOf(ip)).toBe(flagged);
  });

  test('entries marked normal are taught as normal: the next training flags fewer of them', async () => {
    const candidates = (await incidents()).filter(
      (i) => i.kind === 'ip' && /present since the log began/.test(i.summary),
    );
    const before = candidates.reduce((n, i) => n + i.flagged, 0);
    for (const i of candidates) {
      const r = await server.call('POST', '/feedback', { incident: i.id, verdict: 'normal' });
      expect(r.status, r.text).toBe(200);
    }
    await train();
    const after = count(
      server.engine,
      "SELECT count(*) FROM entry_labels e JOIN scores s ON s.log_id = e.log_id WHERE e.verdict = 'normal' AND s.is_anomaly = 1",
    );
    console.log(`entries marked normal and flagged: ${before} before the retrain, ${after} after`);
    expect(after).toBeLessThan(before);
  });

  test('an attack verdict labels the incident; the next version reports recall against the analyst', async () => {
    const scan = (await incidents()).find((i) => i.label === '404 scan')!;
    const r = await server.call('POST', '/feedback', { incident: scan.id, verdict: 'attack', note: 'nmap' });
    expect(r.status, r.text).toBe(200);
    expect(count(server.engine, "SELECT count(*) FROM entry_labels WHERE verdict = 'attack'")).toBe(scan.flagged);
    await train();
    const models = ModelsOverviewSchema.parse((await server.call('GET', '/models')).json());
    const live = models.versions.find((v) => v.live)!;
    expect(live.metrics.analystLabelled).toBeGreaterThan(scan.flagged);
    expect(live.metrics.analystRecall).toBeGreaterThan(0.8);
    // Feedback never lifts the flagged share above the contamination.
    expect(live.metrics.flagged! / live.metrics.scored!).toBeLessThanOrEqual(0.055);
    console.log(`analyst metrics: ${JSON.stringify(live.metrics)}`);
  });

  test('suppression rules: globs, expiry, editing; bad input is a 400 naming the field', async () => {
    const add = await server.call('POST', '/suppressions', { endpoint: '/log*', userAgent: '*Chrome*' });
    expect(add.status, add.text).toBe(200);
    const rule = add.json() as { id: number; hides: number };
    const hidden = count(
      server.engine,
      `SELECT count(*) FROM scores s JOIN logs l ON l.id = s.log_id
       WHERE s.is_anomaly = 1 AND l.endpoint GLOB '/log*' AND coalesce(l.user_agent, '') GLOB '*Chrome*'`,
    );
    expect(rule.hides).toBe(hidden);
    // Expired: hides nothing any more.
    const put = await server.call('PUT', `/suppressions/${rule.id}`, { expiresAt: Date.now() - 1000 });
    expect(put.status, put.text).toBe(200);
    expect((put.json() as { hides: number }).hides).toBe(0);
    const cleared = await server.call('PUT', `/suppressions/${rule.id}`, { endpoint: null, userAgent: null });
    expect(cleared.status).toBe(400);
    expect(cleared.text).toContain('ip');
    for (const [method, path, body, field] of [
      ['POST', '/feedback', { entry: 1, verdict: 'maybe' }, 'verdict'],
      ['POST', '/feedback', { entry: 1, incident: 'ip-1', verdict: 'normal' }, 'entry'],
      ['POST', '/feedback', { entry: 1, verdict: 'attack', suppress: { ip: '1.2.3.4' } }, 'suppress'],
      ['POST', '/feedback', { entry: 1, verdict: 'normal', colour: 'red' }, 'colour'],
      ['POST', '/feedback', { incident: 'nope', verdict: 'normal' }, 'incident'],
      ['POST', '/suppressions', { note: 'nothing to match' }, 'ip'],
      ['POST', '/suppressions', { ip: '1.2.3.4', expiresAt: 'soon' }, 'expiresAt'],
    ] as const) {
      const res = await server.call(method, path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}: ${res.text}`).toBe(400);
      expect(res.text).toContain(field);
    }
    expect((await server.call('POST', '/feedback', { entry: 999_999_999, verdict: 'normal' })).status).toBe(404);
    expect((await server.call('POST', '/feedback', { incident: 'ip-999999999', verdict: 'normal' })).status).toBe(404);
    expect((await server.call('DELETE', '/suppressions/999999')).status).toBe(404);
    expect((await server.call('PUT', '/suppressions/999999', { note: 'x' })).status).toBe(404);
  });
});
