import type { ModelVersion } from '../../shared/schemas/analysis';
import type { Db } from '../store/db';

/**
 * How the live model does on data whose anomalies are known: the sample generator's labels, and
 * the analyst's verdicts.
 * Entry-level recall (labelled entries flagged) and precision (flagged entries that are
 * labelled), over the sample sources only.
 */
export function sampleQuality(db: Db): ModelVersion['metrics'] {
  const totals = db
    .prepare(
      'SELECT (SELECT count(*) FROM scores) AS scored, (SELECT count(*) FROM scores WHERE is_anomaly = 1) AS flagged',
    )
    .get() as {
    scored: number;
    flagged: number;
  };
  const sample = db
    .prepare(
      `SELECT count(l.id) AS entries,
              coalesce(sum(sl.log_id IS NOT NULL), 0) AS labelled,
              coalesce(sum(s.is_anomaly = 1), 0) AS flagged,
              coalesce(sum(s.is_anomaly = 1 AND sl.log_id IS NOT NULL), 0) AS hits
       FROM logs l JOIN sources src ON src.id = l.source_id AND src.kind = 'sample'
       JOIN scores s ON s.log_id = l.id
       LEFT JOIN sample_labels sl ON sl.log_id = l.id`,
    )
    .get() as { entries: number; labelled: number; flagged: number; hits: number };
  const metrics: ModelVersion['metrics'] = { scored: totals.scored, flagged: totals.flagged };
  if (sample.labelled > 0) {
    metrics.labelled = sample.labelled;
    metrics.recall = sample.hits / sample.labelled;
    metrics.precision = sample.flagged > 0 ? sample.hits / sample.flagged : null;
  }
  // The analyst's verdicts: recall over entries marked attack; precision among the labelled
  // entries the model flags (attack vs normal).
  const a = db
    .prepare(
      `SELECT count(*) AS labelled,
              coalesce(sum(e.verdict = 'attack'), 0) AS attack,
              coalesce(sum(e.verdict = 'attack' AND s.is_anomaly = 1), 0) AS attackFlagged,
              coalesce(sum(e.verdict = 'normal' AND s.is_anomaly = 1), 0) AS normalFlagged
       FROM entry_labels e JOIN scores s ON s.log_id = e.log_id`,
    )
    .get() as { labelled: number; attack: number; attackFlagged: number; normalFlagged: number };
  if (a.labelled > 0) {
    metrics.analystLabelled = a.labelled;
    metrics.analystRecall = a.attack > 0 ? a.attackFlagged / a.attack : null;
    const flaggedLabelled = a.attackFlagged + a.normalFlagged;
    metrics.analystPrecision = flaggedLabelled > 0 ? a.attackFlagged / flaggedLabelled : null;
  }
  return metrics;
}
