import { useEffect } from 'react';
import { EmptyState } from '../components/EmptyState';
import { fmtInt, fmtTime } from '../components/format';
import { useModels } from '../store/modelsStore';

export function ModelsView() {
  const { data, progress, refresh, train, reload } = useModels();
  useEffect(() => void refresh(), [refresh]);
  return (
    <section>
      <div className="row">
        <button onClick={() => void train()} disabled={progress !== null}>
          Train now
        </button>
        <button onClick={() => void reload()}>Reload</button>
        {progress && (
          <span>
            {progress.stage} <progress max={1} value={progress.fraction} />
          </span>
        )}
        {data?.nextRunAt ? <span className="muted">Next scheduled run: {fmtTime(data.nextRunAt)}</span> : null}
      </div>
      {!data || data.versions.length === 0 ? (
        <EmptyState title="No model trained yet">
          <p>Train the ensemble once you have data; it then retrains on its schedule.</p>
        </EmptyState>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>Version</th>
              <th>Trained</th>
              <th>Rows</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {data.versions.map((v) => (
              <tr key={v.version}>
                <td>
                  {v.version}
                  {v.live ? ' (live)' : ''}
                </td>
                <td>{fmtTime(v.createdAt)}</td>
                <td>{fmtInt(v.rows)}</td>
                <td>{v.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
