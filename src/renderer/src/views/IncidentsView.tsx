import { useEffect } from 'react';
import type { Incident } from '../../../shared/schemas/incidents';
import { EmptyState } from '../components/EmptyState';
import { fmtInt } from '../components/format';
import { IncidentDetail } from '../components/IncidentDetail';
import { incidentColumns } from '../components/IncidentColumns';
import { listKey, VirtualTable } from '../components/VirtualTable';
import { useApp } from '../store/appStore';
import { useIncidents } from '../store/incidentsStore';
import { useModels } from '../store/modelsStore';
import { useUtc } from '../store/prefsStore';
import { useSources } from '../store/sourcesStore';

/** Two lines per incident: the label and summary wrap instead of being cut at once. */
const ROW_HEIGHT = 48;

const columns = (utc: boolean) => incidentColumns<Incident>(utc);

/** j/k, arrows, Page Up/Down, Home/End move; Enter opens the incident. */
function incidentsKey(key: string, pageRows: number): boolean {
  const s = useIncidents.getState();
  return listKey(key, pageRows, { selected: s.selected, total: s.total, select: s.select, open: s.openAt });
}

const openAt = (index: number) => useIncidents.getState().openAt(index);
const ensureRange = (start: number, end: number) => useIncidents.getState().ensureRange(start, end);
const incidentId = (i: Incident) => i.id;

/** Says why the list is empty, with the step that fills it. */
function NoIncidents() {
  const go = useApp((s) => s.go);
  const sourcesLoaded = useSources((s) => s.loaded);
  const sourcesCount = useSources((s) => s.sources.length);
  const modelsLoaded = useModels((s) => s.loaded);
  const live = useModels((s) => s.data?.live ?? null);
  useEffect(() => {
    void useSources.getState().refresh();
    void useModels.getState().refresh();
  }, []);
  // Which step is missing decides the advice: wait until both are known rather than flash a wrong one.
  if (!sourcesLoaded || !modelsLoaded)
    return (
      <div className="table-placeholder" role="status">
        Loading…
      </div>
    );
  if (sourcesCount === 0)
    return (
      <EmptyState title="No log entries yet">
        <p>Incidents group the entries a model flags. Add a log file or folder, or generate sample data, in Sources.</p>
        <button onClick={() => go('sources')}>Go to Sources</button>
      </EmptyState>
    );
  if (live === null)
    return (
      <EmptyState title="No model trained yet">
        <p>
          Incidents group the entries a model flags. Train one in Models: it scores every entry, then this list fills.
        </p>
        <button onClick={() => go('models')}>Go to Models</button>
      </EmptyState>
    );
  return (
    <EmptyState title="No incidents">
      <p>
        The live model flags nothing so far. New entries are scored as they arrive; Anomalies lists every scored entry.
      </p>
      <button onClick={() => go('anomalies')}>Go to Anomalies</button>
    </EmptyState>
  );
}

function IncidentList() {
  const rows = useIncidents((s) => s.rows);
  const selected = useIncidents((s) => s.selected);
  const generation = useIncidents((s) => s.generation);
  const utc = useUtc();
  return (
    <VirtualTable
      label="Incidents"
      idPrefix="incident-row"
      className="incident-list"
      rowHeight={ROW_HEIGHT}
      columns={columns(utc)}
      rows={rows}
      rowId={incidentId}
      selected={selected}
      openId={null}
      onKey={incidentsKey}
      onOpen={openAt}
      onRange={ensureRange}
      generation={generation}
      hint="j / k or arrows select · Enter opens an incident with all its entries"
    />
  );
}

function ResultLine() {
  const total = useIncidents((s) => s.total);
  const flagged = useIncidents((s) => s.flagged);
  const loading = useIncidents((s) => s.loading);
  const loaded = useIncidents((s) => s.loaded);
  // An empty list says why below; "0 incidents" above it would only repeat it.
  if (loaded && total === 0) return null;
  return (
    <div className="result-line">
      <span aria-live="polite" className="count">
        {!loaded ? 'Loading…' : `${fmtInt(total)} ${total === 1 ? 'incident' : 'incidents'}`}
      </span>
      {loaded && total > 0 ? (
        <span className="muted">
          grouping {fmtInt(flagged)} flagged {flagged === 1 ? 'entry' : 'entries'}, the most anomalous first
        </span>
      ) : null}
      <span className="spacer" />
      {loading && loaded ? (
        <span className="muted small" role="status">
          Updating…
        </span>
      ) : null}
    </div>
  );
}

function Results() {
  const loaded = useIncidents((s) => s.loaded);
  const total = useIncidents((s) => s.total);
  const error = useIncidents((s) => s.error);
  const reload = useIncidents((s) => s.reload);
  if (error && total === 0)
    return (
      <div className="error-block" role="alert">
        <strong>{error}</strong> <button onClick={() => void reload()}>Retry</button>
      </div>
    );
  if (!loaded)
    return (
      <div className="table-placeholder" role="status">
        Loading…
      </div>
    );
  return total === 0 ? <NoIncidents /> : <IncidentList />;
}

/** Flagged entries grouped into what happened, ranked; an incident opens to all its entries. */
export function IncidentsView() {
  const open = useIncidents((s) => s.open !== null);
  useEffect(() => {
    const s = useIncidents.getState();
    // Keep the list (and selection) across visits unless the scores changed meanwhile.
    if ((!s.loaded && !s.loading) || s.stale) void s.reload();
  }, []);
  return (
    <section className="incidents" aria-label="Incidents">
      {open ? (
        <IncidentDetail />
      ) : (
        <>
          <ResultLine />
          <div className="split-main">
            <Results />
          </div>
        </>
      )}
    </section>
  );
}
