import { useEffect } from 'react';
import type { AnomalyRow } from '../../../shared/schemas/analysis';
import { AnomalyFilters, RangeChip } from '../components/AnomalyFilters';
import { anomaliesToCsv, exportFileName } from '../components/csv';
import { DetailPanel } from '../components/DetailPanel';
import { EmptyState } from '../components/EmptyState';
import { fmtInt, fmtScore, fmtTime } from '../components/format';
import { EndpointCell, StatusCell, VotesCell } from '../components/EntryCells';
import { listKey, VirtualTable, type GridColumn } from '../components/VirtualTable';
import { exportAnomaliesCsv, useAnomalies, type AnomalyFilter } from '../store/anomaliesStore';
import { useApp } from '../store/appStore';
import { useUtc } from '../store/prefsStore';

const ROW_HEIGHT = 32;

type SortKey = AnomalyFilter['sort'];

/** A header that sorts by its column: descending first, then flips. */
function sortBy(filter: AnomalyFilter, key: SortKey): GridColumn<AnomalyRow>['sort'] {
  const active = filter.sort === key;
  return {
    state: active ? (filter.order === 'desc' ? 'descending' : 'ascending') : 'none',
    onSort: () =>
      useAnomalies.getState().setFilter({ sort: key, order: active && filter.order === 'desc' ? 'asc' : 'desc' }),
  };
}

function columns(utc: boolean, filter: AnomalyFilter): GridColumn<AnomalyRow>[] {
  return [
    { header: 'Time', className: 'mono', cell: (r) => fmtTime(r.tsMs, utc), sort: sortBy(filter, 'time') },
    { header: 'IP', className: 'mono', cell: (r) => r.ip },
    {
      header: 'Endpoint',
      className: 'mono ellipsis',
      cell: (r) => <EndpointCell method={r.method} endpoint={r.endpoint} />,
      title: (r) => r.endpoint,
    },
    { header: 'Status', className: 'num', cell: (r) => <StatusCell status={r.status} /> },
    {
      header: 'Votes',
      className: 'num',
      cell: (r) => <VotesCell votes={r.votes} />,
      label: (r) => `${r.votes} votes`,
    },
    { header: 'Score', className: 'num', cell: (r) => fmtScore(r.combinedScore), sort: sortBy(filter, 'score') },
  ];
}

/** j/k, arrows, Page Up/Down, Home/End move; Enter opens the entry, Escape closes it. */
function gridKey(key: string, pageRows: number): boolean {
  const s = useAnomalies.getState();
  if (listKey(key, pageRows, { selected: s.selected, total: s.total, select: s.select, open: s.open })) return true;
  if (key === 'Escape' && s.detail) {
    s.close();
    return true;
  }
  return false;
}

const open = (index: number) => useAnomalies.getState().open(index);
const ensureRange = (start: number, end: number) => useAnomalies.getState().ensureRange(start, end);
const rowId = (r: AnomalyRow) => r.id;

function AnomalyGrid() {
  const rows = useAnomalies((s) => s.rows);
  const selected = useAnomalies((s) => s.selected);
  const filter = useAnomalies((s) => s.filter);
  const generation = useAnomalies((s) => s.generation);
  const openId = useAnomalies((s) => s.detail?.id ?? null);
  const utc = useUtc();
  return (
    <VirtualTable
      label="Scored entries"
      idPrefix="anomaly-row"
      rowHeight={ROW_HEIGHT}
      columns={columns(utc, filter)}
      rows={rows}
      rowId={rowId}
      selected={selected}
      openId={openId}
      onKey={gridKey}
      onOpen={open}
      onRange={ensureRange}
      generation={generation}
      scrollKey={generation}
      hint="j / k or arrows select · Enter opens · End jumps to the last entry"
    />
  );
}

/** The open entry in depth, fed from the anomalies store. */
function EntryPanel() {
  const detail = useAnomalies((s) => s.detail);
  const row = useAnomalies((s) => (s.selected >= 0 ? s.rows[s.selected] : undefined));
  const close = useAnomalies((s) => s.close);
  const retry = useAnomalies((s) => s.retryDetail);
  return <DetailPanel detail={detail} row={row} onClose={close} onRetry={retry} />;
}

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
  return <AnomalyGrid />;
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
        <EntryPanel />
      </div>
    </section>
  );
}
