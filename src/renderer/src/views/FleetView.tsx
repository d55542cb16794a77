import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { WINDOW_PRESETS } from '../../../shared/configValues';
import { FLEET_LIMITS, FLEET_ROLES, type FleetRole } from '../../../shared/fleetValues';
import type { FleetAnalyseResult, FleetIncident, FleetTopRow } from '../../../shared/schemas/fleet';
import type { Features } from '../../../shared/schemas/original';
import { useShallow } from 'zustand/react/shallow';
import { explain, ModelVotes } from '../components/DetailPanel';
import { EndpointCell, StatusCell, VotesCell } from '../components/EntryCells';
import { fmtBytes, fmtInt, fmtScore, fmtTime } from '../components/format';
import { incidentColumns } from '../components/IncidentColumns';
import { listKey, VirtualTable, type GridColumn } from '../components/VirtualTable';
import { TimeField } from '../components/TimeField';
import { shownRows, useFleet } from '../store/fleetStore';
import { useUtc } from '../store/prefsStore';

const ROW_HEIGHT = 32;
/** As the Incidents view: label and summary wrap to two lines. */
const INCIDENT_ROW_HEIGHT = 48;

const ROLE_LABELS: Record<FleetRole, string> = {
  timestamp: 'Timestamp',
  ip: 'Client IP',
  status: 'Status',
  arrival: 'Arrival order',
  method: 'Method',
  path: 'Path',
  bytes: 'Bytes',
  userAgent: 'User agent',
};
const REQUIRED: ReadonlySet<FleetRole> = new Set(['timestamp', 'ip', 'status']);

function ConnectionForm() {
  const form = useFleet((s) => s.form);
  const info = useFleet((s) => s.info);
  const tested = useFleet((s) => s.tested);
  const busy = useFleet((s) => s.busy);
  const error = useFleet((s) => (s.error?.what === 'connection' ? s.error.message : null));
  const { edit, editColumn, test, save } = useFleet.getState();
  const columnNames = tested?.columns ?? [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void test();
  };
  return (
    <form className="panel fleet-connection" onSubmit={submit} aria-labelledby="fleet-conn-title">
      <h3 id="fleet-conn-title">ClickHouse connection</h3>
      <p className="muted small">
        A table of access logs on a ClickHouse server. Use a read-only user (readonly=1 is enough). The password is kept{' '}
        {info?.passwordStore === 'safeStorage' ? "by the system's keychain" : 'in a file only you can read'}, never in
        the settings.
      </p>
      <div className="row">
        <TextField
          id="fleet-url"
          label="URL"
          grow
          value={form.url}
          onChange={(url) => edit({ url })}
          placeholder="http://127.0.0.1:8123"
        />
        <TextField
          id="fleet-user"
          label="User"
          value={form.username}
          onChange={(username) => edit({ username })}
          autoComplete="username"
        />
        <div className="field">
          <label htmlFor="fleet-password">Password</label>
          <input
            id="fleet-password"
            type="password"
            value={form.password}
            onChange={(e) => edit({ password: e.target.value })}
            autoComplete="current-password"
            placeholder={info?.hasPassword ? 'stored (type to replace)' : ''}
            aria-describedby="fleet-password-msg"
          />
          <span id="fleet-password-msg" className="field-msg muted">
            {info?.hasPassword ? 'A password is stored' : 'No password stored'}
          </span>
        </div>
      </div>
      <div className="row">
        <TextField id="fleet-db" label="Database" value={form.database} onChange={(database) => edit({ database })} />
        <TextField
          id="fleet-table"
          label="Table"
          grow
          value={form.table}
          onChange={(table) => edit({ table })}
          placeholder="access_logs"
        />
      </div>
      <fieldset className="fleet-mapping">
        <legend>Columns {tested ? <span className="muted">(detected from the table; change any)</span> : null}</legend>
        <div className="row">
          {FLEET_ROLES.map((role) => (
            <TextField
              key={role}
              id={`fleet-col-${role}`}
              label={
                <>
                  {ROLE_LABELS[role]}
                  {REQUIRED.has(role) ? '' : <span className="muted"> (optional)</span>}
                </>
              }
              value={form.columns[role]}
              onChange={(v) => editColumn(role, v)}
              list="fleet-column-names"
              width={140}
            />
          ))}
        </div>
        <datalist id="fleet-column-names">
          {columnNames.map((c) => (
            <option key={c.name} value={c.name}>
              {c.type}
            </option>
          ))}
        </datalist>
      </fieldset>
      <div className="row">
        <button type="submit" disabled={busy !== null || !form.table.trim() || !form.url.trim()}>
          {busy === 'testing' ? 'Testing…' : 'Test connection'}
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy !== null || !form.table.trim()}
          onClick={() => void save()}
        >
          {busy === 'saving' ? 'Saving…' : 'Save'}
        </button>
        <span className="grow" role="status">
          {tested && !error ? (
            <span>
              ClickHouse {tested.version} · {tested.engine}
              {tested.shards > 1 ? ` · ${tested.shards} shards` : ''} · {fmtInt(tested.columns.length)} columns
              {tested.problems.length ? '' : ' · mapping ready'}
            </span>
          ) : null}
        </span>
      </div>
      {tested?.problems.length ? (
        <ul className="invalid small" aria-label="Mapping problems">
          {tested.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
      {error ? (
        <div className="error-block" role="alert">
          <p>{error}</p>
        </div>
      ) : null}
    </form>
  );
}

/** A labelled text input of the connection form (names, not prose: no spell check). */
function TextField(props: {
  id: string;
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  grow?: boolean;
  placeholder?: string;
  autoComplete?: string;
  list?: string;
  width?: number;
}) {
  return (
    <div className={props.grow ? 'field grow' : 'field'}>
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete}
        list={props.list}
        spellCheck={false}
        style={props.width ? { width: props.width } : undefined}
      />
    </div>
  );
}

const HOUR = 3_600_000;

function AnalyseForm() {
  const busy = useFleet((s) => s.busy);
  const stage = useFleet((s) => s.stage);
  const saved = useFleet((s) => !!s.info?.connection);
  const error = useFleet((s) => (s.error?.what === 'analysis' ? s.error.message : null));
  const analyse = useFleet((s) => s.analyse);
  const [range, setRange] = useState(() => {
    const to = Math.ceil(Date.now() / 60_000) * 60_000;
    return { from: to - 24 * HOUR, to };
  });
  const [windowMs, setWindowMs] = useState(300_000);
  const [limit, setLimit] = useState(String(FLEET_LIMITS.topRows.default));
  const n = Number(limit);
  const limitInvalid = !Number.isInteger(n) || n < FLEET_LIMITS.topRows.min || n > FLEET_LIMITS.topRows.max;
  const rangeInvalid = !(range.to > range.from);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!limitInvalid && !rangeInvalid) void analyse({ ...range, windowMs, limit: n });
  };
  const setEnd = (key: 'from' | 'to') => (ms?: number) => {
    if (ms !== undefined) setRange((r) => ({ ...r, [key]: ms }));
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="fleet-analyse-title">
      <h3 id="fleet-analyse-title">Analyse a time range</h3>
      <p className="muted small">
        Features are computed on the server; a stratified sample trains Isolation Forest, LOF and KNN here; the forest
        scores every entry on the server, the most anomalous come back, and LOF, KNN and the vote score those here.
      </p>
      <div className="row">
        <TimeField id="fleet-from" label="From" value={range.from} onCommit={setEnd('from')} />
        <TimeField id="fleet-to" label="To" value={range.to} invalid={rangeInvalid} onCommit={setEnd('to')} />
        <div className="field">
          <label htmlFor="fleet-window">Window</label>
          <select id="fleet-window" value={windowMs} onChange={(e) => setWindowMs(Number(e.target.value))}>
            {WINDOW_PRESETS.map((p) => (
              <option key={p.ms} value={p.ms}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="fleet-limit">Top rows</label>
          <input
            id="fleet-limit"
            inputMode="numeric"
            value={limit}
            onChange={(e) => setLimit(e.target.value)}
            aria-invalid={limitInvalid}
            style={{ width: 90 }}
          />
        </div>
        <div className="field end">
          <button type="submit" className="primary" disabled={!saved || busy !== null || limitInvalid || rangeInvalid}>
            {busy === 'analysing' ? 'Analysing…' : 'Analyse'}
          </button>
        </div>
      </div>
      {!saved ? <p className="muted small">Save a connection first.</p> : null}
      {rangeInvalid ? <p className="invalid small">“To” must be after “From”.</p> : null}
      {busy === 'analysing' ? (
        <div className="job" role="status">
          <progress max={1} value={stage?.fraction ?? 0} aria-label="Fleet analysis" />
          <span>{stage?.text ?? 'starting'}…</span>
        </div>
      ) : null}
      {error ? (
        <div className="error-block" role="alert">
          <p>{error}</p>
        </div>
      ) : null}
    </form>
  );
}

/** The Anomalies grid's columns, with the window's counts and the server forest's flag beside the vote. */
function columns(utc: boolean): GridColumn<FleetTopRow>[] {
  return [
    { header: 'Time', className: 'mono', cell: (r) => fmtTime(r.tsMs, utc) },
    { header: 'IP', className: 'mono', cell: (r) => r.ip },
    {
      header: 'Endpoint',
      className: 'mono ellipsis',
      cell: (r) => <EndpointCell method={r.method} endpoint={r.path ?? '—'} />,
      title: (r) => `${r.method ?? ''} ${r.path ?? ''}`.trim(),
    },
    { header: 'Status', className: 'num', cell: (r) => <StatusCell status={r.status} /> },
    { header: 'Requests', className: 'num', cell: (r) => fmtInt(r.requestCount) },
    { header: '4xx', className: 'num', cell: (r) => fmtInt(r.clientErrorCount) },
    { header: '5xx', className: 'num', cell: (r) => fmtInt(r.serverErrorCount) },
    {
      header: 'Forest',
      className: 'num',
      cell: (r) => (r.flagged ? '●' : ''),
      label: (r) => (r.flagged ? 'flagged by Isolation Forest on the server' : 'not flagged by Isolation Forest'),
    },
    { header: 'Votes', className: 'num', cell: (r) => <VotesCell votes={r.votes} />, label: (r) => `${r.votes} votes` },
    { header: 'Score', className: 'num', cell: (r) => fmtScore(r.combinedScore) },
  ];
}

/** j/k and friends move; Escape goes back from one incident's rows to all of them. */
function gridKey(key: string, pageRows: number): boolean {
  const s = useFleet.getState();
  const total = shownRows(s).length;
  if (listKey(key, pageRows, { selected: s.selected, total, select: s.select, open: () => undefined })) return true;
  if (key === 'Escape' && s.incidentOpen !== null) {
    s.openIncident(null);
    return true;
  }
  return false;
}
const rowId = (r: FleetTopRow) => `${r.ip}|${r.tsMs}|${r.arrival}`;
const noOpen = () => undefined;

/** j/k and friends move; Enter shows the incident's rows below. */
function incidentKey(key: string, pageRows: number): boolean {
  const s = useFleet.getState();
  const total = s.result?.incidents.length ?? 0;
  const open = () => s.openIncident(s.incidentSelected);
  return listKey(key, pageRows, { selected: s.incidentSelected, total, select: s.selectIncident, open });
}
const openIncidentAt = (index: number) => {
  useFleet.getState().selectIncident(index);
  useFleet.getState().openIncident(index);
};
const incidentId = (i: FleetIncident) => i.id;

const FEATURES = [
  ['request_count', 'requestCount'],
  ['client_error_count', 'clientErrorCount'],
  ['server_error_count', 'serverErrorCount'],
] as const;

/** The selected row in full: its own fields, and why it was flagged, as the Anomalies view says it. */
function SelectedRow({ row, typical }: { row: FleetTopRow | undefined; typical: Features }) {
  const utc = useUtc();
  if (!row) return null;
  const features = Object.fromEntries(FEATURES.map(([name, key]) => [name, row[key]])) as Features;
  const reasons = explain({ score: { models: row.models }, features, featurePercentiles: row.featurePercentiles });
  return (
    <div className="fleet-selected" aria-label="Selected entry" role="region">
      <dl className="facts small">
        <dt>Entry</dt>
        <dd className="mono break">
          {fmtTime(row.tsMs, utc)} {row.ip} {row.method ?? ''} {row.path ?? ''} → {row.status ?? '—'}
          {row.bytes === null ? '' : ` · ${fmtBytes(row.bytes)}`}
          {row.arrival ? ` · arrival ${row.arrival}` : ''}
        </dd>
        <dt>User agent</dt>
        <dd className="mono ellipsis" title={row.userAgent ?? ''}>
          {row.userAgent ?? '—'}
        </dd>
      </dl>
      <div className="why">
        <h5 id="fleet-why-title">{row.isAnomaly ? 'Why flagged' : 'Why this score'}</h5>
        <ul aria-labelledby="fleet-why-title">
          {reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      </div>
      <table className="mini">
        <caption>Counts in the window against the training sample</caption>
        <thead>
          <tr>
            <th scope="col">Feature</th>
            <th scope="col" className="num">
              Value
            </th>
            <th scope="col" className="num">
              Typical
            </th>
            <th scope="col" className="num">
              Sample percentile
            </th>
          </tr>
        </thead>
        <tbody>
          {FEATURES.map(([name]) => (
            <tr key={name}>
              <th scope="row">{FEATURE_NAMES[name]}</th>
              <td className="num">{fmtInt(features[name])}</td>
              <td className="num">{fmtInt(typical[name])}</td>
              <td className={`num ${row.featurePercentiles[name] >= 95 ? 'over' : ''}`}>
                {Math.floor(row.featurePercentiles[name])}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ModelVotes
        models={row.models}
        caption={
          <>
            {row.votes} of 3 votes{row.isAnomaly ? ': flagged' : ''}, combined score {fmtScore(row.combinedScore)}
          </>
        }
      />
    </div>
  );
}

const FEATURE_NAMES: Record<keyof Features, string> = {
  request_count: 'Requests',
  client_error_count: 'Client errors (4xx)',
  server_error_count: 'Server errors (5xx)',
};

function Incidents({ result }: { result: FleetAnalyseResult }) {
  const selected = useFleet((s) => s.incidentSelected);
  const utc = useUtc();
  if (result.incidents.length === 0)
    return <p className="muted">No incidents: the ensemble flags none of the returned rows.</p>;
  return (
    <VirtualTable
      label="Fleet incidents"
      idPrefix="fleet-incident"
      className="incident-list fleet-incidents"
      rowHeight={INCIDENT_ROW_HEIGHT}
      columns={incidentColumns<FleetIncident>(utc, false)}
      rows={result.incidents}
      rowId={incidentId}
      selected={selected}
      openId={null}
      onKey={incidentKey}
      onOpen={openIncidentAt}
      scrollKey={result.from + result.to + result.incidents.length}
      hint="j / k or arrows select · Enter shows the incident's rows below"
    />
  );
}

function Rows({ result }: { result: FleetAnalyseResult }) {
  const selected = useFleet((s) => s.selected);
  const open = useFleet((s) => s.incidentOpen);
  const rows = useFleet(useShallow(shownRows));
  const utc = useUtc();
  const incident = open === null ? undefined : result.incidents[open];
  return (
    <>
      <div className="result-line">
        <h3 id="fleet-rows-title" className="count">
          {incident ? `Rows of “${incident.label}” (${fmtInt(rows.length)})` : 'Most anomalous entries'}
        </h3>
        {incident ? (
          <button className="link" onClick={() => useFleet.getState().openIncident(null)}>
            Show all {fmtInt(result.rows.length)} rows (Escape)
          </button>
        ) : null}
      </div>
      <VirtualTable
        label="Most anomalous entries"
        idPrefix="fleet-row"
        className="fleet-grid"
        rowHeight={ROW_HEIGHT}
        columns={columns(utc)}
        rows={rows}
        rowId={rowId}
        rowClass={(r) => (r.isAnomaly ? 'flagged' : '')}
        selected={selected}
        openId={null}
        onKey={gridKey}
        onOpen={noOpen}
        scrollKey={result.from + result.to + result.rows.length + (open ?? -1)}
        hint="j / k or arrows select · lowest path total (most anomalous to the forest) first"
      />
      <SelectedRow row={selected >= 0 ? rows[selected] : undefined} typical={result.sample.typical} />
    </>
  );
}

function Results() {
  const result = useFleet((s) => s.result);
  if (!result) return null;
  const t = result.timings;
  return (
    <section className="fleet-results" aria-label="Fleet analysis results">
      <div className="result-line">
        <span className="count" aria-live="polite">
          {fmtInt(result.counts.flagged)} of {fmtInt(result.counts.scored)} entries flagged · top{' '}
          {fmtInt(result.rows.length)} shown · {fmtInt(result.ensemble.flagged)} flagged by the vote in{' '}
          {fmtInt(result.incidents.length)} {result.incidents.length === 1 ? 'incident' : 'incidents'}
        </span>
      </div>
      <p className="muted small">
        Isolation Forest scored and flagged every entry on the server; LOF, KNN and the vote scored the top rows here.
        Sample {fmtInt(result.sample.rows)} rows ({result.sample.strata} strata) · {result.counts.shards} shard
        {result.counts.shards > 1 ? 's' : ''} · sent {fmtBytes(result.bytes.sent)}, received{' '}
        {fmtBytes(result.bytes.received)} · {Math.round(t.total)} ms (sample {Math.round(t.sample)}, train{' '}
        {Math.round(t.train)}, score {Math.round(t.score)}, LOF and KNN {Math.round(t.candidates)})
      </p>
      <h3 className="count">Incidents</h3>
      <Incidents result={result} />
      <Rows result={result} />
    </section>
  );
}

export function FleetView() {
  const load = useFleet((s) => s.load);
  useEffect(() => void load(), [load]);
  return (
    <div className="fleet-view">
      <ConnectionForm />
      <AnalyseForm />
      <Results />
    </div>
  );
}
