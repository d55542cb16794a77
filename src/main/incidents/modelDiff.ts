import { ApiError } from '../../shared/api';
import type { Incident, ModelDiff } from '../../shared/schemas/incidents';
import type { Db } from '../store/db';
import type { WriteGate } from '../store/writeGate';
import type { IncidentStore } from './incidentStore';

/** Incidents kept per model version for comparisons. */
const SNAPSHOT_INCIDENTS = 500;

type Kept = Pick<Incident, 'id' | 'kind' | 'label' | 'summary' | 'ips' | 'flagged' | 'score'>;

/** An incident's identity across versions: what happened and who did it, not the row ids. */
const identity = (i: Kept) => `${i.kind}|${i.label}|${i.ips.slice(0, 3).join(',')}`;

/** Snapshots being taken, by database and version: a comparison waits for them. */
const taking = new WeakMap<Db, Map<number, Promise<void>>>();

/**
 * Keeps what a freshly swapped-in version flags (once per version), so versions can be compared
 * later. The incidents are brought up to date in slices (a retraining over 10M lines changed
 * the scores of a whole span: grouping them at once held the event loop for seconds), so the
 * snapshot is as of a moment just after the swap; `modelDiff` waits for it.
 */
export function snapshotVersion(db: Db, incidents: IncidentStore, version: number, gate: WriteGate): Promise<void> {
  const known = () => db.prepare('SELECT 1 FROM model_snapshots WHERE version = ?').get(version) !== undefined;
  if (known() || !db.prepare('SELECT 1 FROM models WHERE version = ?').get(version)) return Promise.resolve();
  let byDb = taking.get(db);
  if (!byDb) taking.set(db, (byDb = new Map()));
  const already = byDb.get(version);
  if (already) return already;
  const run = (async () => {
    const page = await incidents.page({ limit: SNAPSHOT_INCIDENTS, offset: 0 });
    await gate.settle(db); // not inside another writer's open transaction
    if (!db.open || known()) return;
    keep(db, version, page);
  })().finally(() => byDb.delete(version));
  byDb.set(version, run);
  return run;
}

function keep(db: Db, version: number, page: { incidents: Incident[]; total: number; flagged: number }): void {
  const kept: Kept[] = page.incidents.map(({ id, kind, label, summary, ips, flagged, score }) => ({
    id,
    kind,
    label,
    summary,
    ips,
    flagged,
    score,
  }));
  db.prepare('INSERT INTO model_snapshots (version, created_at, flagged, incidents) VALUES (?, ?, ?, ?)').run(
    version,
    Date.now(),
    page.flagged,
    JSON.stringify({ total: page.total, kept }),
  );
}

function side(db: Db, version: number) {
  const m = db.prepare('SELECT created_at, thresholds FROM models WHERE version = ?').get(version) as
    { created_at: number; thresholds: string } | undefined;
  const s = db.prepare('SELECT flagged, incidents FROM model_snapshots WHERE version = ?').get(version) as
    { flagged: number; incidents: string } | undefined;
  if (!m) throw new ApiError(404, `model version ${version} does not exist`);
  if (!s) throw new ApiError(409, `model version ${version} was never live, so what it flagged is not known`);
  const snap = JSON.parse(s.incidents) as { total: number; kept: Kept[] };
  return {
    summary: {
      version,
      createdAt: m.created_at,
      flagged: s.flagged,
      incidents: snap.total,
      thresholds: JSON.parse(m.thresholds) as Record<string, number>,
    },
    kept: snap.kept,
  };
}

/** Resolves when the snapshot of `version` being taken (if any) is kept or has failed. */
export async function snapshotKept(db: Db, version: number): Promise<void> {
  await taking
    .get(db)
    ?.get(version)
    ?.catch(() => undefined);
}

/** Two versions compared (see ModelDiffSchema), once their snapshots being taken are kept. */
export async function modelDiff(db: Db, from: number, to: number): Promise<ModelDiff> {
  await Promise.all([snapshotKept(db, from), snapshotKept(db, to)]);
  const a = side(db, from);
  const b = side(db, to);
  const before = new Set(a.kept.map(identity));
  const after = new Set(b.kept.map(identity));
  const since = Math.min(a.summary.createdAt, b.summary.createdAt);
  const verdicts = db
    .prepare(
      `SELECT coalesce(sum(verdict = 'normal'), 0) AS normal, coalesce(sum(verdict = 'attack'), 0) AS attack
       FROM feedback WHERE created_at > ?`,
    )
    .get(since) as { normal: number; attack: number };
  const suppressions = db
    .prepare('SELECT count(*) FROM suppressions WHERE created_at > ?')
    .pluck()
    .get(since) as number;
  return {
    from: a.summary,
    to: b.summary,
    appeared: b.kept.filter((i) => !before.has(identity(i))),
    disappeared: a.kept.filter((i) => !after.has(identity(i))),
    feedbackSince: { ...verdicts, suppressions },
  };
}
