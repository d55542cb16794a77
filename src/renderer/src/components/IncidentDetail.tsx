import { useEffect } from 'react';
import { IncidentActions } from './IncidentActions';
import type { IncidentDetail as Detail } from '../../../shared/schemas/incidents';
import { DEFAULT_FILTER, useAnomalies } from '../store/anomaliesStore';
import { useApp } from '../store/appStore';
import { selectedEntry, useIncidents, type OpenIncident } from '../store/incidentsStore';
import { useUtc } from '../store/prefsStore';
import { fmtElapsed, fmtInt, fmtScore, fmtTime } from './format';
import { IncidentEntries } from './IncidentEntries';
import { DetailPanel } from './DetailPanel';
import { periodEnd, statusClass } from './IncidentText';
import { IncidentTimeline } from './IncidentTimeline';

/** Lists the incident's entries in Anomalies, where filters and CSV export apply to them. */
function showInAnomalies(d: Detail) {
  const single = d.ipCount === 1;
  useAnomalies.getState().replaceFilter({
    ...DEFAULT_FILTER,
    onlyFlagged: false,
    sort: 'time',
    order: 'asc',
    from: d.firstTsMs,
    // The filter's end is exclusive.
    to: d.lastTsMs + 1,
    ...(single ? { ip: d.ips[0] } : { endpoint: d.topEndpoints[0]?.endpoint }),
  });
  useApp.getState().go('anomalies');
}

function Head({ d }: { d: Detail }) {
  const close = useIncidents((s) => s.close);
  return (
    <div className="incident-head">
      <button onClick={close} title="Back to the list (Escape)">
        ← Incidents
      </button>
      <h3>{d.label}</h3>
      <span className="badge">{d.kind === 'endpoint' ? 'several IPs on one endpoint' : 'one IP'}</span>
      <span className="spacer" />
      <button
        onClick={() => showInAnomalies(d)}
        title={
          d.ipCount === 1
            ? `List every scored entry of ${d.ips[0]} in this period in Anomalies`
            : `List every scored entry on ${d.topEndpoints[0]?.endpoint ?? 'its endpoint'} in this period in Anomalies`
        }
      >
        Show in Anomalies
      </button>
    </div>
  );
}

function Counts({ d }: { d: Detail }) {
  const utc = useUtc();
  const more = d.ipCount - d.ips.length;
  return (
    <dl className="incident-counts">
      <div>
        <dt>Score</dt>
        <dd>{fmtScore(d.score)}</dd>
      </div>
      <div>
        <dt>Flagged</dt>
        <dd>{fmtInt(d.flagged)}</dd>
      </div>
      <div>
        <dt>Entries</dt>
        <dd title="Every entry of its IPs in its period, flagged or not">{fmtInt(d.entries)}</dd>
      </div>
      <div className="wide">
        <dt>{d.ipCount === 1 ? 'IP' : `IPs (${fmtInt(d.ipCount)})`}</dt>
        <dd className="mono ellipsis" title={d.ips.join(', ') + (more > 0 ? `, and ${more} more` : '')}>
          {d.ips.slice(0, 3).join(', ')}
          {d.ipCount > 3 ? ` +${fmtInt(d.ipCount - 3)}` : ''}
        </dd>
      </div>
      <div className="wide">
        <dt>Period ({fmtElapsed(d.lastTsMs - d.firstTsMs)})</dt>
        <dd className="mono">
          {fmtTime(d.firstTsMs, utc)} – {periodEnd(d.firstTsMs, d.lastTsMs, utc)}
        </dd>
      </div>
    </dl>
  );
}

/** A top-5 list with counts; long values (paths, user agents) are cut with the full text on hover. */
function Top({ title, items }: { title: string; items: { value: string; count: number }[] }) {
  return (
    <table className="mini wide incident-top">
      <caption>{title}</caption>
      <tbody>
        {items.length === 0 ? (
          <tr>
            <td className="muted">none</td>
          </tr>
        ) : (
          items.map((x) => (
            <tr key={x.value}>
              <td className="mono ellipsis" title={x.value}>
                {x.value}
              </td>
              <td className="num">{fmtInt(x.count)}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

function Tops({ d }: { d: Detail }) {
  return (
    <section
      className="panel incident-tops"
      aria-label="Top endpoints, statuses and user agents of the flagged entries"
    >
      <div className="incident-statuses">
        {/* The tops count the flagged entries only, not the whole period. */}
        <span className="muted small" id="incident-statuses-title">
          Statuses of the {fmtInt(d.flagged)} flagged
        </span>
        <ul aria-labelledby="incident-statuses-title">
          {d.statuses.map((x) => (
            <li key={x.status}>
              <span className={statusClass(x.status)}>{x.status}</span> × {fmtInt(x.count)}
            </li>
          ))}
        </ul>
      </div>
      <div className="incident-tops-grid">
        <Top title="Endpoints" items={d.topEndpoints.map((x) => ({ value: x.endpoint, count: x.count }))} />
        <Top title="User agents" items={d.userAgents.map((x) => ({ value: x.userAgent, count: x.count }))} />
      </div>
    </section>
  );
}

/** The open entry of the incident in depth (without the verdict form: the incident has its own). */
function EntryPanel() {
  const entry = useIncidents((s) => s.entry);
  const row = useIncidents(selectedEntry);
  const close = useIncidents((s) => s.closeEntry);
  const retry = useIncidents((s) => s.retryEntry);
  return <DetailPanel detail={entry} row={row} onClose={close} onRetry={retry} className="incident-entry" brief />;
}

function Ready({ d, outdated }: { d: Detail; outdated: boolean }) {
  const entryOpen = useIncidents((s) => s.entry !== null);
  return (
    <>
      <Head d={d} />
      {outdated ? (
        <p className="notice-inline" role="status">
          The scores changed and this incident no longer exists as shown: go back to the list for the current ones.
        </p>
      ) : null}
      <p className="incident-text">{d.summary}</p>
      <Counts d={d} />
      <div className="incident-strip">
        <section className="panel" aria-label="Entries over time">
          <IncidentTimeline incident={d} />
        </section>
        <Tops d={d} />
      </div>
      <IncidentActions d={d} />
      <p className="result-line">
        <span className="count">
          {fmtInt(d.rows.length)} {d.rows.length === 1 ? 'entry' : 'entries'}
        </span>
        <span className="muted">
          {d.truncated
            ? `the first ${fmtInt(d.rows.length)} of ${fmtInt(d.entries)}, in time order`
            : `every entry of its ${d.ipCount === 1 ? 'IP' : 'IPs'} in the period, flagged or not, in time order`}
        </span>
      </p>
      <div className={`split ${entryOpen ? 'with-detail' : ''}`}>
        <div className="split-main">
          <IncidentEntries rows={d.rows} firstMs={d.firstTsMs} lastMs={d.lastTsMs} />
        </div>
        <EntryPanel />
      </div>
    </>
  );
}

/** One incident: what happened in words and counts, its tops and timeline, and every entry of it. */
export function IncidentDetail() {
  const open = useIncidents((s) => s.open);
  if (!open) return null;
  if (open.status === 'ready') return <Ready d={open.data} outdated={open.outdated} />;
  return <Pending open={open} />;
}

/** Loading or failed: Escape still goes back (there is no entries grid yet to take the key). */
function Pending({ open }: { open: Exclude<OpenIncident, { status: 'ready' }> }) {
  const close = useIncidents((s) => s.close);
  const retry = useIncidents((s) => s.retryOpen);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [close]);
  return (
    <>
      <div className="incident-head">
        <button onClick={close}>← Incidents</button>
      </div>
      {open.status === 'loading' ? (
        <div className="table-placeholder" role="status">
          Loading the incident…
        </div>
      ) : (
        <div className="error-block" role="alert">
          <strong>The incident could not be loaded</strong>
          <p>{open.message}</p>
          <button onClick={retry}>Retry</button>
        </div>
      )}
    </>
  );
}
