/**
 * SIGKILL of `node out/main/serve.js` during a training and during the model swap (while the
 * new version's scores are being written), then a restart on the same data directory: the
 * previous version is live at once, the interrupted run is marked failed and redone without
 * being asked, and in the end every entry carries the redone version's scores.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DB_FILE } from '../../../src/main/engine';
import { ModelsOverviewSchema, type ModelsOverview } from '../../../src/shared/schemas/analysis';
import { request } from '../../helpers/http';
import { serve, type Served } from '../../helpers/serveProcess';
import { tempDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';
import { sse } from './helpers';

const ROWS = 60_000;
const dir = tempDir('od-kill-');
let server: Served | null = null;

function port(s: Served): number {
  return Number(new URL(s.url).port);
}

function call(s: Served, method: string, path: string, body?: unknown) {
  return request(port(s), method, path, {
    headers: {
      Authorization: `Bearer ${s.token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function models(s: Served): Promise<ModelsOverview> {
  const r = await call(s, 'GET', '/models');
  expect(r.status).toBe(200);
  return ModelsOverviewSchema.parse(r.json());
}

async function kill(s: Served): Promise<void> {
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGKILL');
  await exited;
}

/** model_version → entries, read from the data directory's database. */
function scoreVersions(): Record<number, number> {
  const db = new Database(join(dir.dir, DB_FILE), { readonly: true });
  try {
    const rows = db.prepare('SELECT model_version AS v, count(*) AS n FROM scores GROUP BY 1').all() as Array<{
      v: number;
      n: number;
    }>;
    return Object.fromEntries(rows.map((r) => [r.v, r.n]));
  } finally {
    db.close();
  }
}

/**
 * Starts a training over HTTP (not awaited), SIGKILLs the server as soon as `stage` is
 * announced on GET /events, restarts it, and checks the previous version is live and the run
 * is redone. Returns the redone version.
 */
async function killDuring(stage: string, previous: number): Promise<number> {
  const s = server!;
  const events = await sse(port(s), s.token);
  const interrupted = previous + 1;
  void call(s, 'POST', '/model/train_models').catch(() => undefined);
  await events.next((e) => e.type === 'training-progress' && e.data.stage === stage);
  await kill(s);
  events.close();
  expect(events.events.some((e) => e.type === 'model-swapped')).toBe(false);
  const atKill = scoreVersions();
  console.log(`killed during "${stage}": entries per model version ${JSON.stringify(atKill)}`);
  expect(atKill[previous]).toBeGreaterThan(0); // the new version had not replaced every score

  server = await serve({ dataDir: dir.dir });
  const first = await models(server);
  // The previous version is live immediately; the interrupted one is marked failed.
  expect(first.live).toBe(previous);
  const v = first.versions.find((x) => x.version === interrupted)!;
  expect(v).toMatchObject({ status: 'failed' });
  expect(v.error).toMatch(/interrupted/);

  // … and the run is redone by itself.
  const redone = interrupted + 1;
  const after = (await waitFor(
    async () => {
      const m = await models(server!);
      return m.live === redone && !m.training ? m : null;
    },
    'the interrupted training to be redone',
    60_000,
  ))!;
  expect(after.versions.find((x) => x.version === redone)).toMatchObject({ status: 'complete', rows: ROWS });
  expect(after.versions.filter((x) => x.status === 'training')).toEqual([]);
  await waitFor(() => scoreVersions()[redone] === ROWS, 'every entry to carry the redone version');
  expect(scoreVersions()).toEqual({ [redone]: ROWS });
  return redone;
}

beforeAll(async () => {
  server = await serve({ dataDir: dir.dir });
  const g = await call(server, 'POST', '/data/generate_sample', { rows: ROWS, seed: 5 });
  expect(g.status).toBe(200);
  const t = await call(server, 'POST', '/model/train_models');
  expect(t.status).toBe(200);
  expect((await models(server)).live).toBe(1);
});

afterAll(async () => {
  if (server && server.proc.exitCode === null && server.proc.signalCode === null) await server.stop();
  dir.cleanup();
});

test('SIGKILL while the detectors are being fitted: v1 stays live, v2 failed, v3 redone', async () => {
  expect(await killDuring('fitting lof', 1)).toBe(3);
});

test('SIGKILL during the swap (scores of the new version half written): v3 stays live, v5 redone', async () => {
  expect(await killDuring('writing scores', 3)).toBe(5);
});
