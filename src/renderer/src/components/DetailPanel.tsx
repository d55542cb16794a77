import { useEffect, useRef, type ReactNode } from 'react';
import { FeedbackForm } from './FeedbackForm';
import { formatDuration } from '../../../shared/duration';
import type { AnomalyRow, LogDetail } from '../../../shared/schemas/analysis';
import type { DetailState } from '../store/anomaliesStore';
import { useUtc } from '../store/prefsStore';
import { fmtInt, fmtScore, fmtTime } from './format';
import { NeighboursChart } from './NeighboursChart';

const FEATURE_LABELS: Record<string, string> = {
  request_count: 'Requests in window',
  client_error_count: 'Client errors (4xx)',
  server_error_count: 'Server errors (5xx)',
};

const ordinal = new Intl.PluralRules(undefined, { type: 'ordinal' });
const SUFFIX: Record<string, string> = { one: 'st', two: 'nd', few: 'rd', other: 'th' };
/** Percentiles come on a 0–100 scale: 97.3 → "97th". */
const fmtPercentile = (p: number) => {
  const n = Math.floor(p);
  return `${n}${SUFFIX[ordinal.select(n)] ?? 'th'}`;
};

/** What the reasons are made from: an entry's detail, or a Fleet row (trained on the sample). */
export interface Explained {
  score: { models: Partial<Record<string, { vote: boolean }>> } | null;
  features: object | null;
  featurePercentiles: Record<string, number> | null;
}

/** Plain-language reasons: which models voted, and which features stand out against training. */
export function explain(d: Explained): string[] {
  const reasons: string[] = [];
  if (d.score) {
    const models = Object.entries(d.score.models);
    const voters = models.filter(([, m]) => m?.vote).map(([name]) => name);
    reasons.push(
      voters.length
        ? `${voters.length} of ${models.length} models flagged it (${voters.join(', ')})`
        : `None of the ${models.length} models flagged it`,
    );
  }
  if (d.features && d.featurePercentiles) {
    for (const [name, p] of Object.entries(d.featurePercentiles)) {
      const value = (d.features as Record<string, number>)[name];
      if (p >= 95 && value !== undefined)
        reasons.push(
          `${FEATURE_LABELS[name] ?? name}: ${fmtInt(value)}, at the ${fmtPercentile(p)} percentile of training`,
        );
    }
  }
  return reasons;
}

/** What a list already knows of an entry (an Anomalies row, or an incident's entry, unscored ones too). */
export type EntryRow = Omit<AnomalyRow, 'votes' | 'isAnomaly'> & { votes: number | null; isAnomaly: boolean | null };

function Summary({ row, detail }: { row?: EntryRow; detail?: LogDetail }) {
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
          {detail.label ? (
            <>
              <dt>Sample label</dt>
              <dd>{detail.label}</dd>
            </>
          ) : null}
        </>
      ) : null}
    </dl>
  );
}

/** Explanation lines at or above this training percentile are the ones that set the entry apart. */
const UNUSUAL_PERCENTILE = 90;

/** The engine's own words for the score (entity models), most unusual first. */
function Explanation({ d }: { d: LogDetail }) {
  // `?.`: a main process older than the field sends none at all.
  if (!d.explanation?.length) return null;
  return (
    <div className="why">
      <h5 id="why-title">{d.score?.isAnomaly ? 'Why flagged' : 'Why this score'}</h5>
      <ul aria-labelledby="why-title">
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

function Features({ d }: { d: LogDetail }) {
  const explained = !!d.explanation?.length;
  if (!d.features) return explained ? null : <p className="muted">No features computed for this entry yet.</p>;
  const { windowMs, ...values } = d.features;
  // With an explanation the percentiles are in its text; an empty column would only add noise.
  const percentiles = !explained || d.featurePercentiles !== null;
  return (
    <table className="mini">
      <caption>
        {percentiles
          ? `Features over a ${formatDuration(windowMs)} window, with their percentile among the training entries`
          : `Counts over a ${formatDuration(windowMs)} window`}
      </caption>
      <thead>
        <tr>
          <th scope="col">Feature</th>
          <th scope="col" className="num">
            Value
          </th>
          {percentiles ? <th scope="col">Training percentile</th> : null}
        </tr>
      </thead>
      <tbody>
        {Object.entries(values).map(([name, value]) => {
          const p = d.featurePercentiles?.[name];
          return (
            <tr key={name}>
              <th scope="row">{FEATURE_LABELS[name] ?? name}</th>
              <td className="num">{fmtInt(value)}</td>
              {percentiles ? (
                <td>
                  {p === undefined ? (
                    '—'
                  ) : (
                    <span className="pct">
                      <span className="bar" aria-hidden="true">
                        <span className={p >= 95 ? 'hot' : ''} style={{ width: `${Math.min(100, p)}%` }} />
                      </span>
                      {fmtPercentile(p)}
                    </span>
                  )}
                </td>
              ) : null}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Models({ d }: { d: LogDetail }) {
  if (!d.score) return <p className="muted">This entry has not been scored yet.</p>;
  return (
    <ModelVotes
      models={d.score.models}
      caption={
        <>
          Model version {d.score.modelVersion}: {d.score.votes} vote{d.score.votes === 1 ? '' : 's'}, combined score{' '}
          {fmtScore(d.score.combinedScore)}
        </>
      }
    />
  );
}

type Verdict = { score: number; threshold: number; vote: boolean };

/** Each model's score against its threshold, and its vote. */
export function ModelVotes({ models, caption }: { models: Partial<Record<string, Verdict>>; caption: ReactNode }) {
  return (
    <table className="mini">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col" className="num">
            Score
          </th>
          <th scope="col" className="num">
            Threshold
          </th>
          <th scope="col">Vote</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(models).map(([name, m]) =>
          m ? (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td className={`num ${m.score > m.threshold ? 'over' : ''}`}>{fmtScore(m.score)}</td>
              <td className="num">{fmtScore(m.threshold)}</td>
              <td>{m.vote ? <span className="badge flag">anomaly</span> : <span className="badge">normal</span>}</td>
            </tr>
          ) : null,
        )}
      </tbody>
    </table>
  );
}

function Loaded({ d, brief }: { d: LogDetail; brief: boolean }) {
  const reasons = explain(d);
  // The engine may list the entry among its own neighbours; count the others only.
  const others = d.neighbours.filter((n) => n.id !== d.id).length;
  return (
    <>
      {d.score ? (
        <div className={`verdict ${d.score.isAnomaly ? 'flag' : ''}`}>
          <strong>{d.score.isAnomaly ? 'Flagged as an anomaly' : 'Not flagged'}</strong>
          <ul>
            {reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
            <li>
              {d.score.votes} vote{d.score.votes === 1 ? '' : 's'}, combined score {fmtScore(d.score.combinedScore)}
            </li>
          </ul>
        </div>
      ) : brief ? (
        <p className="muted">This entry has not been scored yet.</p>
      ) : null}
      {brief ? <Explanation d={d} /> : null}
      <section aria-labelledby="raw-title">
        <h4 id="raw-title">Raw line</h4>
        {/* Text only: log lines are attacker-controlled and must never become markup. */}
        <pre className="raw">{d.raw ?? '(no longer in its file: rotated or rewritten since)'}</pre>
        <p className="muted mono small">
          {d.source.path}:{d.lineNo}
        </p>
      </section>
      <section aria-label="Request">
        <Summary detail={d} />
      </section>
      {brief ? null : (
        <>
          <section aria-labelledby="features-title">
            <h4 id="features-title">Features</h4>
            <Explanation d={d} />
            <Features d={d} />
          </section>
          <section aria-labelledby="models-title">
            <h4 id="models-title">Models</h4>
            <Models d={d} />
          </section>
          <section aria-labelledby="feedback-title">
            <h4 id="feedback-title">Your verdict</h4>
            <FeedbackForm
              key={d.id}
              target={{ entry: d.id }}
              seed={{ ip: d.ip, endpoint: d.endpoint, ...(d.userAgent ? { userAgent: d.userAgent } : {}) }}
            />
          </section>
        </>
      )}
      <section aria-labelledby="neighbours-title">
        <h4 id="neighbours-title">
          {d.ip} inside the window ({fmtInt(others)} other {others === 1 ? 'entry' : 'entries'})
        </h4>
        {others ? (
          <NeighboursChart detail={d} />
        ) : (
          <p className="muted">No other entries of this IP inside the window.</p>
        )}
      </section>
    </>
  );
}

interface Props {
  detail: DetailState | null;
  /** The list's row of the selected entry: shown while the details load, or when they fail. */
  row?: EntryRow;
  onClose(): void;
  onRetry(): void;
  className?: string;
  /**
   * Verdict, the engine's words, raw line, request and neighbours only: for an incident's
   * entries, whose verdict form and tops are the incident's own.
   */
  brief?: boolean;
}

/** One entry in depth (getLog), of whichever list feeds it. Escape closes it; j/k in the list move to the next entry. */
export function DetailPanel({ detail, row, onClose: close, onRetry: retry, className, brief = false }: Props) {
  const body = useRef<HTMLDivElement>(null);
  const id = detail?.id;

  // A newly opened entry starts at its top, not where the previous one was scrolled to.
  useEffect(() => {
    body.current?.scrollTo({ top: 0 });
  }, [id]);

  if (!detail) return null;
  const listRow = row && row.id === detail.id ? row : undefined;
  return (
    <aside className={`detail ${className ?? ''}`} aria-label="Entry details" aria-busy={detail.status === 'loading'}>
      <header>
        <h3 aria-live="polite">Entry {fmtInt(detail.id)}</h3>
        <button className="icon" aria-label="Close details" title="Close (Escape)" onClick={close}>
          ×
        </button>
      </header>
      <div className="detail-body" ref={body}>
        {detail.status === 'loading' ? (
          <>
            <Summary row={listRow} />
            <div className="loading-block" role="status">
              Loading details…
            </div>
          </>
        ) : detail.status === 'error' ? (
          <>
            <div className="error-block" role="alert">
              <strong>Details unavailable</strong>
              <p>{detail.message}</p>
              <button onClick={retry}>Retry</button>
            </div>
            <Summary row={listRow} />
            {listRow && listRow.votes !== null && listRow.isAnomaly !== null ? (
              <p className="muted">
                {listRow.votes} vote{listRow.votes === 1 ? '' : 's'}, combined score {fmtScore(listRow.combinedScore)}
                {listRow.isAnomaly ? ' (flagged)' : ''}
              </p>
            ) : null}
          </>
        ) : (
          <Loaded d={detail.data} brief={brief} />
        )}
      </div>
      <p className="detail-keys muted small">j / k: next / previous entry · Esc: close</p>
    </aside>
  );
}
