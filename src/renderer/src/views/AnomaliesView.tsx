import { useEffect } from 'react';
import { EmptyState } from '../components/EmptyState';
import { fmtInt, fmtScore, fmtTime } from '../components/format';
import { useAnomalies } from '../store/anomaliesStore';
import { useApp } from '../store/appStore';

export function AnomaliesView() {
  const { rows, total, loaded, reload } = useAnomalies();
  const go = useApp((s) => s.go);
  useEffect(() => void reload(), [reload]);
  if (!loaded) return <p className="muted">Loading…</p>;
  if (rows.length === 0) {
    return (
      <EmptyState title="No flagged entries">
        <p>Entries are flagged once a model is trained. Train one in Models, or add more data in Sources.</p>
        <button onClick={() => go('models')}>Go to Models</button>
      </EmptyState>
    );
  }
  return (
    <section>
      <p className="muted">{fmtInt(total)} flagged entries</p>
      <table className="grid">
        <thead>
          <tr>
            <th>Time</th>
            <th>IP</th>
            <th>Endpoint</th>
            <th>Status</th>
            <th>Votes</th>
            <th>Score</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>{fmtTime(r.tsMs)}</td>
              <td>{r.ip}</td>
              <td className="mono">{r.endpoint}</td>
              <td>{r.status}</td>
              <td>{r.votes}</td>
              <td>{fmtScore(r.combinedScore)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
