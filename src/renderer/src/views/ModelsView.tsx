import { useEffect } from 'react';
import { MODEL_NAMES } from '../../../shared/configValues';
import type { ModelVersion } from '../../../shared/schemas/analysis';
import { EmptyState } from '../components/EmptyState';
import { fmtElapsed, fmtInt, fmtPct, fmtRelative, fmtScore, fmtTime } from '../components/format';
import { JobProgress } from '../components/JobProgress';
import { ModelDiff } from '../components/ModelDiff';
import { useApp } from '../store/appStore';
import { useJobs } from '../store/jobsStore';
import { useModels } from '../store/modelsStore';
import { useUtc } from '../store/prefsStore';
import { useSettings } from '../store/settingsStore';

function Toolbar() {
  const requested = useModels((s) => s.requested);
  const training = useJobs((s) => s.training !== null);
  const serverTraining = useModels((s) => s.data?.training ?? false);
  const { train, reload } = useModels.getState();
  const busy = requested || training || serverTraining;
  return (
    <div className="panel toolbar">
      <button className="primary" onClick={() => void train()} disabled={busy}>
        {busy ? 'Training…' : 'Train now'}
      </button>
      <button onClick={() => void reload()} title="Load the newest complete version (after training from a script)">
        Reload
      </button>
      <JobProgress idle={serverTraining ? 'Training in progress…' : 'Idle'} />
    </div>
  );
}

function Schedule() {
  const config = useSettings((s) => s.config);
  const nextRunAt = useModels((s) => s.data?.nextRunAt ?? null);
  const go = useApp((s) => s.go);
  const utc = useUtc();
  return (
    <section className="panel" aria-labelledby="schedule-title">
      <h3 id="schedule-title">Schedule</h3>
      <dl className="facts">
        <dt>Next run</dt>
        <dd>{nextRunAt ? `${fmtTime(nextRunAt, utc)} (${fmtRelative(nextRunAt)})` : 'not scheduled'}</dd>
        <dt>Retrain every</dt>
        <dd>{config ? `${fmtInt(config.retrainEveryHours)} h` : '—'}</dd>
        <dt>…or after</dt>
        <dd>
          {config ? (config.retrainAfterEntries ? `${fmtInt(config.retrainAfterEntries)} new entries` : 'off') : '—'}
        </dd>
        <dt>Trained on</dt>
        <dd>{config ? `the last ${fmtInt(config.trainingSpanHours)} h of entries` : '—'}</dd>
      </dl>
      <button className="link" onClick={() => go('settings')}>
        Change in Settings
      </button>
    </section>
  );
}

function Span({ v }: { v: ModelVersion }) {
  const utc = useUtc();
  if (v.spanStartMs === null || v.spanEndMs === null) return <>—</>;
  return (
    <span className="small">
      {fmtTime(v.spanStartMs, utc)}
      <br />
      {fmtTime(v.spanEndMs, utc)}
    </span>
  );
}

function History() {
  const data = useModels((s) => s.data);
  const loaded = useModels((s) => s.loaded);
  const utc = useUtc();
  if (!loaded) {
    return (
      <p className="muted loading-line" role="status">
        Loading…
      </p>
    );
  }
  if (!data || data.versions.length === 0) {
    return (
      <EmptyState title="No model trained yet">
        <p>Train the ensemble once you have data; it then retrains on its schedule.</p>
      </EmptyState>
    );
  }
  return (
    <div className="table-wrap">
      <table className="grid models">
        <caption className="visually-hidden">Model versions, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Trained</th>
            <th scope="col">Training span</th>
            <th scope="col" className="num">
              Rows
            </th>
            {MODEL_NAMES.map((m) => (
              <th key={m} scope="col" className="num">
                {m} threshold
              </th>
            ))}
            <th scope="col" className="num">
              Training time
            </th>
            <th scope="col" className="num">
              Flagged
            </th>
            <th scope="col" className="num">
              Recall
            </th>
            <th scope="col" className="num">
              Precision
            </th>
            <th scope="col" className="num">
              Your labels
            </th>
          </tr>
        </thead>
        <tbody>
          {data.versions.map((v) => (
            <tr key={v.version} className={v.live ? 'live' : ''}>
              <th scope="row">
                {v.version} {v.live ? <span className="badge ok">live</span> : null}
                {v.status !== 'complete' ? <span className={`badge st-${v.status}`}>{v.status}</span> : null}
                {v.error ? <div className="invalid small">{v.error}</div> : null}
              </th>
              <td>
                {fmtTime(v.createdAt, utc)}
                <div className="muted small">{fmtRelative(v.createdAt)}</div>
              </td>
              <td>
                <Span v={v} />
              </td>
              <td className="num">{fmtInt(v.rows)}</td>
              {MODEL_NAMES.map((m) => (
                <td key={m} className="num">
                  {v.thresholds[m] === undefined ? '—' : fmtScore(v.thresholds[m])}
                </td>
              ))}
              <td className="num">{fmtElapsed(v.trainMs)}</td>
              <td className="num">
                {v.metrics.flagged === undefined ? '—' : fmtInt(v.metrics.flagged)}
                {v.metrics.scored ? <div className="muted small">of {fmtInt(v.metrics.scored)}</div> : null}
              </td>
              <td className="num" title={v.metrics.labelled ? `${fmtInt(v.metrics.labelled)} labelled entries` : ''}>
                {fmtPct(v.metrics.recall)}
              </td>
              <td className="num">{fmtPct(v.metrics.precision)}</td>
              <td
                className="num"
                title={
                  v.metrics.analystLabelled
                    ? `${fmtInt(v.metrics.analystLabelled)} entries you marked normal or attack`
                    : ''
                }
              >
                {v.metrics.analystLabelled ? (
                  <>
                    {fmtPct(v.metrics.analystRecall)} / {fmtPct(v.metrics.analystPrecision)}
                    <div className="muted small">recall / precision</div>
                  </>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        Recall and precision are measured on the labelled anomalies of generated samples; “Your labels” on the entries
        and incidents you marked attack (recall) or normal (precision: attacks among your labelled flags).
      </p>
    </div>
  );
}

export function ModelsView() {
  useEffect(() => {
    void useModels.getState().refresh();
    if (!useSettings.getState().config) void useSettings.getState().load();
  }, []);
  return (
    <div className="models-view">
      <Toolbar />
      <Schedule />
      <ModelDiff />
      <section aria-labelledby="history-title">
        <h3 id="history-title">History</h3>
        <History />
      </section>
    </div>
  );
}
