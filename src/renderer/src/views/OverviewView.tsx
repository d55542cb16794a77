import { useEffect } from 'react';
import { EmptyState } from '../components/EmptyState';
import { fmtInt, fmtTime } from '../components/format';
import { useApp } from '../store/appStore';
import { useOverview } from '../store/overviewStore';

export function OverviewView() {
  const { data, refresh } = useOverview();
  const go = useApp((s) => s.go);
  useEffect(() => void refresh(), [refresh]);
  if (!data) return <p className="muted">Loading…</p>;
  if (data.logs === 0) {
    return (
      <EmptyState title="No log entries yet">
        <p>Add a log file or folder in Sources, drop a file onto the window, or generate sample data.</p>
        <button onClick={() => go('sources')}>Go to Sources</button>
      </EmptyState>
    );
  }
  return (
    <section className="cards">
      <div className="card">
        <span className="label">Entries</span>
        <strong>{fmtInt(data.logs)}</strong>
      </div>
      <div className="card">
        <span className="label">Sources</span>
        <strong>{fmtInt(data.sources)}</strong>
      </div>
      <div className="card">
        <span className="label">Flagged</span>
        <strong>{fmtInt(data.flagged)}</strong>
      </div>
      <div className="card">
        <span className="label">Parse errors</span>
        <strong>{fmtInt(data.parseErrors)}</strong>
      </div>
      <div className="card wide">
        <span className="label">Time range</span>
        <strong>
          {fmtTime(data.firstTsMs)} – {fmtTime(data.lastTsMs)}
        </strong>
      </div>
      <div className="card wide">
        <span className="label">Live model</span>
        <strong>{data.liveModel === null ? 'none yet: train one in Models' : `version ${data.liveModel}`}</strong>
      </div>
    </section>
  );
}
