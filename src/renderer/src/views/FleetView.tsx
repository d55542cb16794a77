import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { WINDOW_PRESETS } from '../../../shared/config';
import { FLEET_LIMITS, FLEET_ROLES, type FleetRole, type FleetTopRow } from '../../../shared/schemas/fleet';
import { fmtBytes, fmtInt, fmtScore, fmtTime } from '../components/format';
import { listKey, VirtualTable, type GridColumn } from '../components/VirtualTable';
import { TimeField } from '../components/TimeField';
import { useFleet } from '../store/fleetStore';
import { useUtc } from '../store/prefsStore';

const ROW_HEIGHT = 32;

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
        Features are computed on the server; a stratified sample trains Isolation Forest here; every entry is scored on
        the server and only the most anomalous come back.
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

function columns(utc: boolean): GridColumn<FleetTopRow>[] {
  return [
    { header: 'Time', className: 'mono', cell: (r) => fmtTime(r.tsMs, utc) },
    { header: 'IP', className: 'mono', cell: (r) => r.ip },
    {
      header: 'Endpoint',
      className: 'mono ellipsis',
      cell: (r) => (
        <>
          {r.method ? <span className="method">{r.method}</span> : null} {r.path ?? '—'}
        </>
      ),
      title: (r) => `${r.method ?? ''} ${r.path ?? ''}`.trim(),
    },
    { header: 'Status', className: 'num', cell: (r) => (r.status === null ? '—' : String(r.status)) },
    { header: 'Requests', className: 'num', cell: (r) => fmtInt(r.requestCount) },
    { header: '4xx', className: 'num', cell: (r) => fmtInt(r.clientErrorCount) },
    { header: '5xx', className: 'num', cell: (r) => fmtInt(r.serverErrorCount) },
    {
      header: 'Flagged',
      className: 'num',
      cell: (r) => (r.flagged ? '●' : ''),
      label: (r) => (r.flagged ? 'flagged' : 'not flagged'),
    },
    { header: 'Score', className: 'num', cell: (r) => fmtScore(r.score) },
  ];
}

function gridKey(key: string, pageRows: number): boolean {
  const s = useFleet.getState();
  const total = s.result?.rows.length ?? 0;
  return listKey(key, pageRows, { selected: s.selected, total, select: s.select, open: () => undefined });
}
const rowId = (r: FleetTopRow) => `${r.ip}|${r.tsMs}|${r.arrival}`;
const noOpen = () => undefined;

/** The selected row's own fields and its verdict in full. */
function SelectedRow({ row }: { row: FleetTopRow | undefined }) {
  const utc = useUtc();
  if (!row) return null;
  return (
    <dl className="fleet-selected small" aria-label="Selected entry">
      <dt>Entry</dt>
      <dd className="mono">
        {fmtTime(row.tsMs, utc)} {row.ip} {row.method ?? ''} {row.path ?? ''} → {row.status ?? '—'}
        {row.bytes === null ? '' : ` · ${fmtBytes(row.bytes)}`}
        {row.arrival ? ` · arrival ${row.arrival}` : ''}
      </dd>
      <dt>User agent</dt>
      <dd className="mono ellipsis" title={row.userAgent ?? ''}>
        {row.userAgent ?? '—'}
      </dd>
      <dt>Isolation Forest</dt>
      <dd>
        score {fmtScore(row.score)} ({row.flagged ? 'flagged' : 'not flagged'}), path total {row.pathTotal.toFixed(3)} ·
        in the window: {fmtInt(row.requestCount)} requests, {fmtInt(row.clientErrorCount)} × 4xx,{' '}
        {fmtInt(row.serverErrorCount)} × 5xx
      </dd>
    </dl>
  );
}

function Results() {
  const result = useFleet((s) => s.result);
  const selected = useFleet((s) => s.selected);
  const utc = useUtc();
  if (!result) return null;
  const t = result.timings;
  return (
    <section className="fleet-results" aria-label="Fleet analysis results">
      <div className="result-line">
        <span className="count" aria-live="polite">
          {fmtInt(result.counts.flagged)} of {fmtInt(result.counts.scored)} entries flagged · top{' '}
          {fmtInt(result.rows.length)} shown
        </span>
        <span className="muted small">
          sample {fmtInt(result.sample.rows)} rows ({result.sample.strata} strata) · {result.counts.shards} shard
          {result.counts.shards > 1 ? 's' : ''} · sent {fmtBytes(result.bytes.sent)}, received{' '}
          {fmtBytes(result.bytes.received)} · {Math.round(t.total)} ms (sample {Math.round(t.sample)}, train{' '}
          {Math.round(t.train)}, score {Math.round(t.score)})
        </span>
      </div>
      <VirtualTable
        label="Most anomalous entries"
        idPrefix="fleet-row"
        className="fleet-grid"
        rowHeight={ROW_HEIGHT}
        columns={columns(utc)}
        rows={result.rows}
        rowId={rowId}
        rowClass={(r) => (r.flagged ? 'flagged' : '')}
        selected={selected}
        openId={null}
        onKey={gridKey}
        onOpen={noOpen}
        scrollKey={result.from + result.to + result.rows.length}
        hint="j / k or arrows select · lowest path total (most anomalous) first"
      />
      <SelectedRow row={selected >= 0 ? result.rows[selected] : undefined} />
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
