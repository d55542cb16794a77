import { ApiError } from '../../shared/api';
import type { Incident, ModelDiff } from '../../shared/schemas/incidents';
import type { Db } from '../store/db';
import type { IncidentStore } from './incidentStore';

/** Incidents kept per model version for comparisons. */
const SNAPSHOT_INCIDENTS = 500;

type Kept = Pick<Incident, 'id' | 'kind' | 'label' | 'summary' | 'ips' | 'flagged' | 'score'>;

/** An incident's identity across versions: what happened and who did it, not the row ids. */
const identity = (i: Kept) => `${i.kind}|${i.label}|${i.ips.slice(0, 3).join(',')}`;

/** Keeps what a freshly swapped-in version flags (once per version), so versions can be compared later. */
export function snapshotVersion(db: Db, incidents: IncidentStore, version: number): void {
  if (db.prepare('SELECT 1 FROM model_snapshots WHERE version = ?').get(version)) return;
  if (!db.prepare('SELECT 1 FROM models WHERE version = ?').get(version)) return;
  const page = incidents.list({ limit: SNAPSHOT_INCIDENTS, offset: 0 });
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

/** Two versions compared (see ModelDiffSchema). */
export function modelDiff(db: Db, from: number, to: number): ModelDiff {
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
