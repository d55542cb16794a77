import { useCallback, useEffect } from 'react';
import type { Timeline } from '../../../shared/schemas/analysis';
import type { Incident } from '../../../shared/schemas/incidents';
import { EmptyState } from '../components/EmptyState';
import { fmtInt, fmtPct, fmtRate, fmtRelative, fmtScore, fmtSpan, fmtTime } from '../components/format';
import { ipsText, summaryAfterLabel } from '../components/IncidentText';
import { TimelineChart } from '../components/TimelineChart';
import { useAnomalies } from '../store/anomaliesStore';
import { useApp } from '../store/appStore';
import { useIncidents } from '../store/incidentsStore';
import { selectLiveModel, useModels } from '../store/modelsStore';
import { useOverview } from '../store/overviewStore';
import { useUtc } from '../store/prefsStore';
import { useSources } from '../store/sourcesStore';

const TOP_INCIDENTS = 5;

function Card({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div className="card">
      <span className="label">{label}</span>
      <strong>{value}</strong>
      <span className="muted small">{note ?? '\u00a0'}</span>
    </div>
  );
}

/** "2024-03-01 08:00–14:00", or two dates when the data spans several days. */
function spanText(from: number | null, to: number | null, utc: boolean): string {
  if (from === null || to === null) return '\u00a0';
  const a = fmtTime(from, utc);
  const b = fmtTime(to, utc);
  return a.slice(0, 10) === b.slice(0, 10)
    ? `${a.slice(0, 10)} ${a.slice(11, 16)}–${b.slice(11, 16)}`
    : `${a.slice(0, 10)} – ${b.slice(0, 10)}`;
}

function Counts() {
  const data = useOverview((s) => s.data);
  const failed = useOverview((s) => s.failed);
  const refresh = useOverview((s) => s.refresh);
  const utc = useUtc();
  // The chart may come first (see OverviewView): the cards keep their place until the counts do.
  if (!data) {
    return (
      <section className="cards" aria-label="Counts" aria-busy={failed ? undefined : true}>
        {['Entries', 'Flagged', 'Sources', 'Parse errors'].map((label) => (
          <Card key={label} label={label} value={failed ? '—' : '…'} />
        ))}
        {failed && (
          <p className="error-block" role="alert">
            The counts could not be loaded. <button onClick={() => void refresh()}>Retry</button>
          </p>
        )}
      </section>
    );
  }
  return (
    <section className="cards" aria-label="Counts">
      <Card label="Entries" value={fmtInt(data.logs)} note={spanText(data.firstTsMs, data.lastTsMs, utc)} />
      <Card
        label="Flagged"
        value={fmtInt(data.flagged)}
        note={
          data.scored ? `${fmtPct(data.flagged / data.scored)} of ${fmtInt(data.scored)} scored` : 'nothing scored yet'
        }
      />
      <Card label="Sources" value={fmtInt(data.sources)} />
      <Card label="Parse errors" value={fmtInt(data.parseErrors)} />
    </section>
  );
}

type TimelineEdge = NonNullable<Timeline['before']>;

/** "1 entry at 2023-10-27 10:00:00", "3 entries on 2023-10-27", "40 entries from … to …". */
function edgeText(e: TimelineEdge, utc: boolean): string {
  const first = fmtTime(e.firstTs, utc);
  const last = fmtTime(e.lastTs, utc);
  if (e.count === 1) return `1 entry at ${first}`;
  if (first.slice(0, 10) === last.slice(0, 10)) return `${fmtInt(e.count)} entries on ${first.slice(0, 10)}`;
  return `${fmtInt(e.count)} entries from ${first.slice(0, 10)} to ${last.slice(0, 10)}`;
}

/** Entries the unzoomed range leaves out (a stray detection posted for another year), on their side. */
function OutsideNotes({ timeline }: { timeline: Timeline }) {
  const utc = useUtc();
  const setShowAll = useOverview((s) => s.setShowAll);
  const { before, after } = timeline;
  if (timeline.range !== 'bulk' || (!before && !after)) return null;
  return (
    <div className="timeline-outside" role="note" aria-label="Entries outside the shown range">
      {before ? <span className="badge warn">◀ {edgeText(before, utc)} outside the shown range</span> : null}
      <button className="link" onClick={() => setShowAll(true)}>
        Show every entry
      </button>
      {after ? <span className="badge warn after">{edgeText(after, utc)} outside the shown range ▶</span> : null}
    </div>
  );
}

const RANGE_NOTE: Record<Timeline['range'], string> = {
  bulk: '',
  all: ' (every entry)',
  asked: ' (zoomed)',
};

function Timeline() {
  const timeline = useOverview((s) => s.timeline);
  const zoomed = useOverview((s) => s.zoom !== null || s.showAll);
  const canZoomOut = useOverview((s) => s.zoom !== null);
  const dragZooms = useOverview((s) => s.dragZooms);
  const { setZoom, zoomBy, resetZoom, setDragZooms } = useOverview.getState();
  const go = useApp((s) => s.go);
  const utc = useUtc();
  // Listing a period shows its flagged entries in Anomalies.
  const onList = useCallback(
    (from: number, to: number) => {
      useAnomalies.getState().setFilter({ from, to });
      go('anomalies');
    },
    [go],
  );
  const onZoom = useCallback((from: number, to: number) => setZoom({ from, to }), [setZoom]);
  const shown = timeline && timeline.to > timeline.from ? timeline : null;
  return (
    <section className="panel" aria-labelledby="timeline-title">
      <div className="panel-head">
        <h3 id="timeline-title">Entries over time</h3>
        {shown ? (
          <span className="timeline-range mono" data-from={shown.from} data-to={shown.to}>
            {fmtSpan(shown.from, shown.to, utc)}
            {RANGE_NOTE[shown.range]}
          </span>
        ) : null}
        <div className="timeline-tools" role="toolbar" aria-label="Timeline zoom">
          <button aria-label="Zoom out" title="Zoom out (−)" disabled={!canZoomOut} onClick={() => zoomBy(2)}>
            −
          </button>
          <button aria-label="Zoom in" title="Zoom in (+)" disabled={!shown} onClick={() => zoomBy(0.5)}>
            +
          </button>
          <button title="Back to the range holding the bulk of the entries (0)" disabled={!zoomed} onClick={resetZoom}>
            Reset
          </button>
          {shown ? (
            <button className="link" onClick={() => onList(shown.from, shown.to)}>
              List flagged entries
            </button>
          ) : null}
        </div>
      </div>
      <div className="timeline-drag">
        <span className="muted small">
          {dragZooms
            ? 'Drag across the chart to zoom in; Shift+drag lists the flagged entries of that period.'
            : 'Drag across the chart to list the flagged entries of that period; Shift+drag zooms in.'}{' '}
          Double-click resets.
        </span>
        <label className="check small">
          <input type="checkbox" checked={dragZooms} onChange={(e) => setDragZooms(e.target.checked)} />
          Drag to zoom
        </label>
      </div>
      {!timeline ? (
        <div className="chart-placeholder" style={{ height: 230 }} role="status">
          Loading…
        </div>
      ) : (
        <>
          <OutsideNotes timeline={timeline} />
          {timeline.bucketMs === 0 ? (
            <div className="chart-placeholder" style={{ height: 230 }}>
              No entries in range
            </div>
          ) : (
            <TimelineChart
              timeline={timeline}
              onList={onList}
              onZoom={onZoom}
              onZoomBy={zoomBy}
              onReset={resetZoom}
              dragZooms={dragZooms}
            />
          )}
        </>
      )}
    </section>
  );
}

function LiveModel() {
  const liveVersion = useOverview((s) => s.data?.liveModel ?? null);
  const nextRunAt = useOverview((s) => s.data?.nextRunAt ?? null);
  const live = useModels(selectLiveModel);
  const modelsNext = useModels((s) => s.data?.nextRunAt ?? null);
  const go = useApp((s) => s.go);
  const utc = useUtc();
  const next = nextRunAt ?? modelsNext;
  const version = live?.version ?? liveVersion;
  return (
    <section className="panel" aria-labelledby="model-title">
      <h3 id="model-title">Live model</h3>
      {version === null ? (
        <div className="panel-empty">
          <p>No live model: new entries are not scored until one is trained.</p>
          <button onClick={() => go('models')}>Go to Models</button>
        </div>
      ) : (
        <dl className="facts">
          <dt>Version</dt>
          <dd>{version}</dd>
          <dt>Trained</dt>
          <dd>
            {live ? (
              <>
                {fmtTime(live.createdAt, utc)} <span className="muted">({fmtRelative(live.createdAt)})</span>
              </>
            ) : (
              '—'
            )}
          </dd>
          <dt>Training rows</dt>
          <dd>{live ? fmtInt(live.rows) : '—'}</dd>
          <dt>Models</dt>
          <dd>{live ? live.config.models.join(', ') : '—'}</dd>
        </dl>
      )}
      <p className="muted small">
        Next scheduled run: {next ? `${fmtTime(next, utc)} (${fmtRelative(next)})` : 'not scheduled'}
      </p>
    </section>
  );
}

function SourcesSummary() {
  const sources = useSources((s) => s.sources);
  const rates = useSources((s) => s.rates);
  const top = sources.filter((s) => s.parentId === null);
  return (
    <section className="panel" aria-labelledby="sources-title">
      <h3 id="sources-title">Sources and ingest</h3>
      {top.length === 0 ? (
        <p className="muted">No sources yet.</p>
      ) : (
        <table className="mini wide">
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Lines
              </th>
              <th scope="col" className="num">
                Rate
              </th>
            </tr>
          </thead>
          <tbody>
            {top.slice(0, 8).map((s) => (
              <tr key={s.id}>
                <td className="mono ellipsis" title={s.path}>
                  {s.path}
                </td>
                <td>
                  <span className={`badge st-${s.status}`}>{s.status}</span>
                </td>
                <td className="num">{fmtInt(s.lines)}</td>
                <td className="num">{s.status === 'ingesting' ? fmtRate(rates[s.id] ?? 0) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The first incidents of the ranked list (the Incidents view's first page); each opens that incident. */
function TopIncidents() {
  const rows = useIncidents((s) => s.rows);
  const total = useIncidents((s) => s.total);
  const loaded = useIncidents((s) => s.loaded);
  const go = useApp((s) => s.go);
  const top = rows.slice(0, TOP_INCIDENTS).filter((i): i is Incident => i !== undefined);
  const open = (id: string) => {
    useIncidents.getState().openById(id);
    go('incidents');
  };
  return (
    <section className="panel" aria-labelledby="incidents-title">
      <div className="panel-head">
        <h3 id="incidents-title">Top incidents</h3>
        {total > 0 ? (
          <button className="link" onClick={() => go('incidents')}>
            All {fmtInt(total)} incidents
          </button>
        ) : null}
      </div>
      {!loaded ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : top.length === 0 ? (
        <p className="muted">No incidents: nothing is flagged yet.</p>
      ) : (
        <ol className="top-incidents">
          {top.map((i) => (
            <li key={i.id}>
              <button className="top-incident" title={`Open: ${i.summary}`} onClick={() => open(i.id)}>
                <span className="num score">{fmtScore(i.score)}</span>
                <strong className="label">{i.label}</strong>
                <span className="summary">{summaryAfterLabel(i)}</span>
                <span className="mono ips">{ipsText(i)}</span>
                <span className="num muted">{fmtInt(i.flagged)} flagged</span>
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function LiveAnomalies() {
  const live = useOverview((s) => s.live);
  const utc = useUtc();
  return (
    <section className="panel" aria-labelledby="live-title">
      <h3 id="live-title">Arriving live</h3>
      {live.length === 0 ? (
        <p className="muted">
          Nothing new since this window opened. Entries scored live (watched files, the detect API) appear here.
        </p>
      ) : (
        <ul className="live" aria-live="polite">
          {live.slice(0, 10).map((r) => (
            <li key={r.id}>
              <span className="mono muted">{fmtTime(r.tsMs, utc).slice(11)}</span>
              <span className="mono">{r.ip}</span>
              <span className="mono ellipsis" title={r.endpoint}>
                {r.endpoint}
              </span>
              <span className="num">{fmtScore(r.combinedScore)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function OverviewView() {
  // Shown as soon as the counts or a chart with entries arrive: at 10M entries the counts take
  // ~0.2 s of the engine's time, and the chart need not wait for them.
  const hasData = useOverview((s) => s.data !== null || (s.timeline?.points.length ?? 0) > 0);
  const empty = useOverview((s) => s.data?.logs === 0);
  const failed = useOverview((s) => s.failed);
  const refresh = useOverview((s) => s.refresh);
  const go = useApp((s) => s.go);
  useEffect(() => {
    void refresh();
    void useIncidents.getState().reload();
    void useModels.getState().refresh();
    void useSources.getState().refresh();
  }, [refresh]);

  if (!hasData) {
    return failed ? (
      <div className="error-block" role="alert">
        <strong>The overview could not be loaded.</strong> <button onClick={() => void refresh()}>Retry</button>
      </div>
    ) : (
      <p className="muted loading-line" role="status">
        Loading…
      </p>
    );
  }
  if (empty) {
    return (
      <EmptyState title="No log entries yet">
        <p>Add a log file or folder in Sources, drop a file onto the window, or generate sample data.</p>
        <button onClick={() => go('sources')}>Go to Sources</button>
      </EmptyState>
    );
  }
  return (
    <div className="overview">
      <Counts />
      <TopIncidents />
      <Timeline />
      <div className="columns">
        <LiveModel />
        <SourcesSummary />
      </div>
      <LiveAnomalies />
    </div>
  );
}
