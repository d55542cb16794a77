import { useEffect, useRef } from 'react';
import type { LogDetail } from '../../../shared/schemas/analysis';
import { selectedEntry, useIncidents, type IncidentEntry } from '../store/incidentsStore';
import { useUtc } from '../store/prefsStore';
import { explain } from './DetailPanel';
import { fmtInt, fmtScore, fmtTime } from './format';
import { NeighboursChart } from './NeighboursChart';

/**
 * One entry of an incident in depth (getLog), as the Anomalies view's DetailPanel shows it:
 * verdict, the engine's reasons, raw line, request and the IP's neighbours. DetailPanel itself
 * reads the anomalies store, so this panel composes its exported parts instead.
 */

function Facts({ row, detail }: { row?: IncidentEntry; detail?: LogDetail }) {
  const utc = useUtc();
  const src = detail ?? row;
  if (!src) return null;
  return (
    <dl className="facts">
      <dt>Time</dt>
      <dd className="mono">{fmtTime(src.tsMs, utc)}</dd>
      <dt>IP</dt>
      <dd className="mono">{src.ip}</dd>
      <dt>Request</dt>
      <dd className="mono break">
        {src.method ? `${src.method} ` : ''}
        {src.endpoint}
      </dd>
      <dt>Status</dt>
      <dd>{src.status}</dd>
      {detail ? (
        <>
          <dt>Bytes</dt>
          <dd>{fmtInt(detail.bytes)}</dd>
          <dt>User agent</dt>
          <dd className="mono break">{detail.userAgent ?? '—'}</dd>
        </>
      ) : null}
    </dl>
  );
}

/** Explanation lines at or above this training percentile set the entry apart (as in DetailPanel). */
const UNUSUAL_PERCENTILE = 90;

/** The engine's own words for the score, most unusual first (entity models). */
function Why({ d }: { d: LogDetail }) {
  if (!d.explanation?.length) return null;
  return (
    <div className="why">
      <h5 id="incident-why-title">{d.score?.isAnomaly ? 'Why flagged' : 'Why this score'}</h5>
      <ul aria-labelledby="incident-why-title">
        {d.explanation.map((e, i) =>
          e.percentile !== null && e.percentile >= UNUSUAL_PERCENTILE ? (
            <li key={`${e.feature}-${i}`} className="unusual">
              <strong>{e.text}</strong>
            </li>
          ) : (
            <li key={`${e.feature}-${i}`}>{e.text}</li>
          ),
        )}
      </ul>
    </div>
  );
}

function Loaded({ d }: { d: LogDetail }) {
  const others = d.neighbours.filter((n) => n.id !== d.id).length;
  return (
    <>
      {d.score ? (
        <div className={`verdict ${d.score.isAnomaly ? 'flag' : ''}`}>
          <strong>{d.score.isAnomaly ? 'Flagged as an anomaly' : 'Not flagged'}</strong>
          <ul>
            {explain(d).map((r) => (
              <li key={r}>{r}</li>
            ))}
            <li>
              {d.score.votes} vote{d.score.votes === 1 ? '' : 's'}, combined score {fmtScore(d.score.combinedScore)}
            </li>
          </ul>
        </div>
      ) : (
        <p className="muted">This entry has not been scored yet.</p>
      )}
      <Why d={d} />
      <section aria-labelledby="incident-raw-title">
        <h4 id="incident-raw-title">Raw line</h4>
        {/* Text only: log lines are attacker-controlled and must never become markup. */}
        <pre className="raw">{d.raw ?? '(no longer in its file: rotated or rewritten since)'}</pre>
        <p className="muted mono small">
          {d.source.path}:{d.lineNo}
        </p>
      </section>
      <section aria-label="Request">
        <Facts detail={d} />
      </section>
      {others ? (
        <section aria-labelledby="incident-neighbours-title">
          <h4 id="incident-neighbours-title">
            {d.ip} inside the window ({fmtInt(others)} other {others === 1 ? 'entry' : 'entries'})
          </h4>
          <NeighboursChart detail={d} />
        </section>
      ) : null}
    </>
  );
}

export function IncidentEntryPanel() {
  const entry = useIncidents((s) => s.entry);
  const row = useIncidents(selectedEntry);
  const close = useIncidents((s) => s.closeEntry);
  const retry = useIncidents((s) => s.retryEntry);
  const body = useRef<HTMLDivElement>(null);
  const id = entry?.id;

  // A newly opened entry starts at its top, not where the previous one was scrolled to.
  useEffect(() => {
    body.current?.scrollTo({ top: 0 });
  }, [id]);

  if (!entry) return null;
  const listRow = row && row.id === entry.id ? row : undefined;
  return (
    <aside className="detail incident-entry" aria-label="Entry details" aria-busy={entry.status === 'loading'}>
      <header>
        <h3 aria-live="polite">Entry {fmtInt(entry.id)}</h3>
        <button className="icon" aria-label="Close details" title="Close (Escape)" onClick={close}>
          ×
        </button>
      </header>
      <div className="detail-body" ref={body}>
        {entry.status === 'loading' ? (
          <>
            <Facts row={listRow} />
            <div className="loading-block" role="status">
              Loading details…
            </div>
          </>
        ) : entry.status === 'error' ? (
          <>
            <div className="error-block" role="alert">
              <strong>Details unavailable</strong>
              <p>{entry.message}</p>
              <button onClick={retry}>Retry</button>
            </div>
            <Facts row={listRow} />
          </>
        ) : (
          <Loaded d={entry.data} />
        )}
      </div>
      <p className="detail-keys muted small">j / k: next / previous entry · Esc: close</p>
    </aside>
  );
}
