import { useEffect, useState } from 'react';
import { MODEL_NAMES } from '../../../shared/configValues';
import type { ModelVersion } from '../../../shared/schemas/analysis';
import type { ModelDiff as Diff } from '../../../shared/schemas/incidents';
import { DEFAULT_FILTER, useAnomalies } from '../store/anomaliesStore';
import { useApp } from '../store/appStore';
import { useIncidents } from '../store/incidentsStore';
import { comparable, defaultPair, useModels, type DiffPair } from '../store/modelsStore';
import { useUtc } from '../store/prefsStore';
import { EmptyState } from './EmptyState';
import { fmtInt, fmtScore, fmtTime } from './format';
import { ipsText, summaryAfterLabel } from './IncidentText';
import './ModelDiff.css';

type DiffIncident = Diff['appeared'][number];

/** A kept incident names its IPs (not how many there were): "203.0.113.9 +2". */
const ips = (i: DiffIncident) => ipsText({ ips: i.ips, ipCount: i.ips.length });

/** Incidents listed per side before "Show all": every one is a tab stop. */
const FIRST = 10;

const signedInt = new Intl.NumberFormat(undefined, { signDisplay: 'exceptZero' });
const signedScore = new Intl.NumberFormat(undefined, {
  signDisplay: 'exceptZero',
  minimumFractionDigits: 3,
  maximumFractionDigits: 3,
});
const signedPct = new Intl.NumberFormat(undefined, {
  style: 'percent',
  signDisplay: 'exceptZero',
  maximumFractionDigits: 1,
});

/** `+12 (+4.1 %)`: the change, and its share of the older count where there is one. */
const countChange = (a: number, b: number) =>
  a > 0 && b !== a ? `${signedInt.format(b - a)} (${signedPct.format((b - a) / a)})` : signedInt.format(b - a);

const scoreChange = (a: number, b: number) =>
  Math.abs(b - a) >= 1e5 ? (b - a).toExponential(2) : signedScore.format(b - a);

/** "Version 4 (live) · 2024-05-04 13:22": minutes tell versions apart, seconds would only widen the select. */
const versionText = (v: ModelVersion, utc: boolean) =>
  `Version ${v.version}${v.live ? ' (live)' : ''} · ${fmtTime(v.createdAt, utc).slice(0, 16)}`;

/** The models in the contract's order, then any other the versions name (entity models). */
function thresholdNames(d: Diff): string[] {
  const names = new Set([...Object.keys(d.from.thresholds), ...Object.keys(d.to.thresholds)]);
  const known: string[] = MODEL_NAMES.filter((m) => names.has(m));
  return [...known, ...[...names].filter((n) => !known.includes(n)).sort()];
}

function Pick({ versions, pair }: { versions: ModelVersion[]; pair: DiffPair }) {
  const pickDiff = useModels((s) => s.pickDiff);
  const utc = useUtc();
  const select = (side: keyof DiffPair, id: string, label: string) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={pair[side]} onChange={(e) => pickDiff({ ...pair, [side]: Number(e.target.value) })}>
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            {versionText(v, utc)}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <div className="diff-pick">
      {select('from', 'diff-from', 'From version')}
      {select('to', 'diff-to', 'To version')}
      <button
        className="diff-swap"
        onClick={() => pickDiff({ from: pair.to, to: pair.from })}
        title="Swap the two versions"
        aria-label="Swap the two versions"
      >
        ⇄
      </button>
    </div>
  );
}

function Counts({ d }: { d: Diff }) {
  const rows: { name: string; a: string; b: string; change: string; same: boolean }[] = [
    {
      name: 'Flagged entries',
      a: fmtInt(d.from.flagged),
      b: fmtInt(d.to.flagged),
      change: countChange(d.from.flagged, d.to.flagged),
      same: d.from.flagged === d.to.flagged,
    },
    {
      name: 'Incidents',
      a: fmtInt(d.from.incidents),
      b: fmtInt(d.to.incidents),
      change: countChange(d.from.incidents, d.to.incidents),
      same: d.from.incidents === d.to.incidents,
    },
    ...thresholdNames(d).map((m) => {
      const a = d.from.thresholds[m];
      const b = d.to.thresholds[m];
      return {
        name: `${m} threshold`,
        a: a === undefined ? '—' : fmtScore(a),
        b: b === undefined ? '—' : fmtScore(b),
        change: a === undefined || b === undefined ? '—' : scoreChange(a, b),
        same: a === b,
      };
    }),
  ];
  return (
    <table className="mini diff-counts">
      <caption>What each version flagged when it went live (after your suppression rules), and its thresholds</caption>
      <thead>
        <tr>
          <th scope="col">
            <span className="visually-hidden">Measure</span>
          </th>
          <th scope="col" className="num">
            Version {d.from.version}
          </th>
          <th scope="col" className="num">
            Version {d.to.version}
          </th>
          <th scope="col" className="num">
            Change
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.name}>
            <th scope="row">{r.name}</th>
            <td className="num">{r.a}</td>
            <td className="num">{r.b}</td>
            <td className={`num diff-change ${r.same ? 'muted' : ''}`}>{r.change}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Feedback({ d }: { d: Diff }) {
  const f = d.feedbackSince;
  const older = Math.min(d.from.version, d.to.version);
  const none = f.normal + f.attack + f.suppressions === 0;
  return (
    <section className="diff-feedback" aria-labelledby="diff-feedback-title">
      <h4 id="diff-feedback-title">Your feedback since version {older} was trained</h4>
      <dl className="diff-figures">
        <div>
          <dt>Marked normal</dt>
          <dd>{fmtInt(f.normal)}</dd>
        </div>
        <div>
          <dt>Marked attack</dt>
          <dd>{fmtInt(f.attack)}</dd>
        </div>
        <div>
          <dt>Suppression rules</dt>
          <dd>{fmtInt(f.suppressions)}</dd>
        </div>
      </dl>
      <p className="muted small">
        {none
          ? 'No verdicts or rules between them: the difference comes from the data each was trained on.'
          : 'Entries marked normal are taught as normal by the next training, and rules hide matching flags, so both count in the difference above.'}
      </p>
    </section>
  );
}

/**
 * Opens the incident in Incidents when the live scores still have it; otherwise lists its first
 * IP's entries in Anomalies. The hidden part tells one item's button from the next.
 */
function IncidentLink({ i, live }: { i: DiffIncident; live: boolean }) {
  const go = useApp((s) => s.go);
  if (live)
    return (
      <button
        className="link"
        onClick={() => {
          useIncidents.getState().openById(i.id);
          go('incidents');
        }}
      >
        Open in Incidents<span className="visually-hidden">{` (${i.label}, ${ips(i)})`}</span>
      </button>
    );
  const ip = i.ips[0];
  if (!ip) return null;
  return (
    <button
      className="link"
      title={`Every scored entry of ${ip}, flagged or not`}
      onClick={() => {
        useAnomalies
          .getState()
          .replaceFilter({ ...DEFAULT_FILTER, onlyFlagged: false, sort: 'time', order: 'asc', ip });
        go('anomalies');
      }}
    >
      Show in Anomalies<span className="visually-hidden">{` (${ip})`}</span>
    </button>
  );
}

function IncidentList({
  id,
  title,
  items,
  live,
  none,
}: {
  id: string;
  title: string;
  items: DiffIncident[];
  live: boolean;
  none: string;
}) {
  const [all, setAll] = useState(false);
  const shown = all ? items : items.slice(0, FIRST);
  return (
    <section className="diff-incidents" aria-labelledby={id}>
      <h4 id={id}>
        {title} <span className="muted">({fmtInt(items.length)})</span>
      </h4>
      {items.length === 0 ? (
        <p className="muted">{none}</p>
      ) : (
        <ul aria-labelledby={id}>
          {shown.map((i) => (
            <li key={i.id}>
              <div className="diff-incident-line">
                <strong>{i.label}</strong>
                <span className="mono small" title={i.ips.join(', ')}>
                  {ips(i)}
                </span>
                <span className="spacer" />
                <span className="muted small nowrap">
                  {fmtInt(i.flagged)} flagged · score {fmtScore(i.score)}
                </span>
              </div>
              <div className="diff-incident-line">
                <span className="diff-incident-text muted small" title={i.summary}>
                  {summaryAfterLabel(i)}
                </span>
                <IncidentLink i={i} live={live} />
              </div>
            </li>
          ))}
        </ul>
      )}
      {items.length > FIRST ? (
        <button className="link" onClick={() => setAll(!all)} aria-expanded={all}>
          {all ? `Show the first ${FIRST}` : `Show all ${fmtInt(items.length)}`}
        </button>
      ) : null}
    </section>
  );
}

function Result({ d, liveVersion }: { d: Diff; liveVersion: number | null }) {
  return (
    <>
      <div className="diff-top">
        <Counts d={d} />
        <Feedback d={d} />
      </div>
      <div className="diff-lists">
        <IncidentList
          id="diff-gone-title"
          title={`Gone in version ${d.to.version}`}
          items={d.disappeared}
          live={d.from.version === liveVersion}
          none={`Every incident of version ${d.from.version} is still there.`}
        />
        <IncidentList
          id="diff-new-title"
          title={`New in version ${d.to.version}`}
          items={d.appeared}
          live={d.to.version === liveVersion}
          none={`Version ${d.to.version} flags no incident that version ${d.from.version} did not.`}
        />
      </div>
    </>
  );
}

/**
 * Two model versions side by side (modelDiff): what each flags, its thresholds, the incidents
 * that went or came, and the feedback given in between. Defaults to the live version against
 * the one before it.
 */
export function ModelDiff() {
  const versions = useModels((s) => s.data?.versions);
  const pick = useModels((s) => s.diffPick);
  const diff = useModels((s) => s.diff);
  const compare = useModels((s) => s.compare);
  const usable = comparable(versions ?? []);
  const pair = pick ?? defaultPair(usable);
  const from = pair?.from;
  const to = pair?.to;

  // A new pair (or a revisit: feedback may have been given since) asks the engine again.
  useEffect(() => {
    if (from !== undefined && to !== undefined && from !== to) void compare({ from, to });
  }, [from, to, compare]);

  if (!versions) return null;
  let body;
  if (!pair || usable.length < 2) {
    body = (
      <EmptyState title="Nothing to compare yet">
        <p>
          {usable.length === 0
            ? 'Comparing needs two trained versions, and none is trained yet.'
            : 'Comparing needs two trained versions; there is one so far. Train again (after marking a few incidents normal or attack) to see what changed.'}
          {versions.some((v) => v.status === 'complete' && !v.comparable)
            ? ' Versions trained before this release kept no record of what they flagged, so they cannot be compared.'
            : ''}
        </p>
      </EmptyState>
    );
  } else if (pair.from === pair.to) {
    body = <p className="muted">Pick two different versions.</p>;
  } else if (!diff || diff.from !== pair.from || diff.to !== pair.to || diff.status === 'loading') {
    body = (
      <p className="muted loading-line" role="status">
        Comparing version {pair.from} with version {pair.to}…
      </p>
    );
  } else if (diff.status === 'error') {
    body = (
      <div className="error-block" role="alert">
        <strong>The versions could not be compared</strong>
        <p>{diff.message}</p>
        <button onClick={() => void compare(pair)}>Retry</button>
      </div>
    );
  } else {
    body = <Result d={diff.data} liveVersion={usable.find((v) => v.live)?.version ?? null} />;
  }
  return (
    <section className="panel model-diff" aria-labelledby="diff-title">
      <div className="panel-head">
        <h3 id="diff-title">Compare versions</h3>
        {pair && usable.length >= 2 ? <Pick versions={usable} pair={pair} /> : null}
      </div>
      {body}
    </section>
  );
}
