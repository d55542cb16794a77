import { useEffect } from 'react';
import { AnomalyFilters, RangeChip } from '../components/AnomalyFilters';
import { anomaliesToCsv, exportFileName } from '../components/csv';
import { DetailPanel } from '../components/DetailPanel';
import { EmptyState } from '../components/EmptyState';
import { fmtInt } from '../components/format';
import { VirtualTable } from '../components/VirtualTable';
import { exportAnomaliesCsv, useAnomalies } from '../store/anomaliesStore';
import { useApp } from '../store/appStore';

function ResultLine() {
  const total = useAnomalies((s) => s.total);
  const loading = useAnomalies((s) => s.loading);
  const onlyFlagged = useAnomalies((s) => s.filter.onlyFlagged);
  const fresh = useAnomalies((s) => s.fresh);
  const exporting = useAnomalies((s) => s.exporting);
  const reload = useAnomalies((s) => s.reload);
  return (
    <div className="result-line">
      <span aria-live="polite" className="count">
        {loading
          ? 'Loading…'
          : `${fmtInt(total)} ${onlyFlagged ? 'flagged' : 'scored'} ${total === 1 ? 'entry' : 'entries'}`}
      </span>
      <RangeChip />
      {fresh > 0 ? (
        <button className="link" onClick={() => void reload()}>
          {fmtInt(fresh)} new flagged {fresh === 1 ? 'entry' : 'entries'}: show
        </button>
      ) : null}
      <span className="spacer" />
      {exporting ? (
        <span className="muted" role="status">
          Exporting {fmtInt(exporting.done)} / {fmtInt(exporting.total)}…
        </span>
      ) : null}
      <button
        disabled={exporting !== null || total === 0}
        onClick={() => void exportAnomaliesCsv(anomaliesToCsv, exportFileName())}
        title="Download every entry matching the filter as CSV"
      >
        Export CSV
      </button>
    </div>
  );
}

function Results() {
  const loaded = useAnomalies((s) => s.loaded);
  const error = useAnomalies((s) => s.error);
  const total = useAnomalies((s) => s.total);
  const loading = useAnomalies((s) => s.loading);
  const filtered = useAnomalies(
    (s) =>
      s.filter.from !== undefined ||
      s.filter.to !== undefined ||
      !!s.filter.ip ||
      !!s.filter.endpoint ||
      !!s.filter.q ||
      s.filter.status !== undefined ||
      s.filter.minVotes !== undefined ||
      s.filter.model !== undefined,
  );
  const reload = useAnomalies((s) => s.reload);
  const go = useApp((s) => s.go);

  if (error && total === 0) {
    return (
      <div className="error-block" role="alert">
        <strong>{error}</strong> <button onClick={() => void reload()}>Retry</button>
      </div>
    );
  }
  if (!loaded || (loading && total === 0)) {
    return (
      <div className="table-placeholder" role="status">
        Loading…
      </div>
    );
  }
  if (total === 0) {
    return filtered ? (
      <EmptyState title="Nothing matches this filter">
        <p>Widen the time range or clear a field above.</p>
      </EmptyState>
    ) : (
      <EmptyState title="No flagged entries">
        <p>Entries are flagged once a model is trained. Train one in Models, or add more data in Sources.</p>
        <button onClick={() => go('models')}>Go to Models</button>
      </EmptyState>
    );
  }
  return <VirtualTable />;
}

export function AnomaliesView() {
  const open = useAnomalies((s) => s.detail !== null);
  useEffect(() => {
    const s = useAnomalies.getState();
    // Keep the list (and scroll position) across visits unless the scores changed meanwhile.
    if ((!s.loaded && !s.loading) || s.stale) void s.reload();
  }, []);
  return (
    <section className="anomalies">
      <AnomalyFilters />
      <ResultLine />
      <div className={`split ${open ? 'with-detail' : ''}`}>
        <div className="split-main">
          <Results />
        </div>
        <DetailPanel />
      </div>
    </section>
  );
}
