import { Fragment, useEffect, useState, type FormEvent } from 'react';
import { LOG_FORMATS } from '../../../shared/configValues';
import type { LogFormatChoice } from '../../../shared/config';
import type { Source } from '../../../shared/schemas/sources';
import { EmptyState } from '../components/EmptyState';
import { fmtBytes, fmtInt, fmtRate } from '../components/format';
import { useSources, type ErrorsState } from '../store/sourcesStore';

const DEFAULT_SAMPLE_ROWS = 300_000;
const MAX_SAMPLE_ROWS = 5_000_000;

function AddSource() {
  const add = useSources((s) => s.add);
  const [path, setPath] = useState('');
  const [format, setFormat] = useState<LogFormatChoice>('auto');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!path.trim() || busy) return;
    setBusy(true);
    if (await add(path.trim(), format)) setPath('');
    setBusy(false);
  };
  return (
    <form className="panel add-source" onSubmit={(e) => void submit(e)} aria-labelledby="add-title">
      <h3 id="add-title">Add a log file or folder</h3>
      <div className="row">
        <div className="field grow">
          <label htmlFor="source-path">File or folder on this machine</label>
          <input
            id="source-path"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="/var/log/nginx/access.log"
            spellCheck={false}
          />
        </div>
        <div className="field">
          <label htmlFor="source-format">Format</label>
          <select id="source-format" value={format} onChange={(e) => setFormat(e.target.value as LogFormatChoice)}>
            {LOG_FORMATS.map((f) => (
              <option key={f} value={f}>
                {f === 'auto' ? 'detect' : f}
              </option>
            ))}
          </select>
        </div>
        <div className="field end">
          <button type="submit" disabled={busy || !path.trim()}>
            {busy ? 'Adding…' : 'Add'}
          </button>
        </div>
      </div>
      <div className="dropzone" aria-hidden="true">
        …or drop log files anywhere on this window.
      </div>
    </form>
  );
}

function SampleForm() {
  const sample = useSources((s) => s.sample);
  const generate = useSources((s) => s.generateSample);
  // The newest sample source still ingesting gives the progress bar something concrete.
  const ingesting = useSources((s) =>
    s.sources.findLast((x) => x.kind === 'sample' && (x.status === 'ingesting' || x.status === 'pending')),
  );
  const [rows, setRows] = useState(String(DEFAULT_SAMPLE_ROWS));
  const n = Number(rows.replace(/[\s,._]/g, ''));
  const invalid = !Number.isInteger(n) || n < 1 || n > MAX_SAMPLE_ROWS;
  const running = sample?.running ?? false;
  return (
    <form
      className="panel"
      aria-labelledby="sample-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (!invalid) void generate(n);
      }}
    >
      <h3 id="sample-title">Generate sample data</h3>
      <p className="muted small">
        Writes a labelled Apache access log (20 client IPs, injected anomalies) and ingests it, like the original
        service&apos;s generate_sample.
      </p>
      <div className="row">
        <div className="field">
          <label htmlFor="sample-rows">Rows</label>
          <input
            id="sample-rows"
            inputMode="numeric"
            value={rows}
            onChange={(e) => setRows(e.target.value)}
            aria-invalid={invalid}
            aria-describedby="sample-rows-hint"
            style={{ width: 140 }}
          />
          <span id="sample-rows-hint" className={`field-msg ${invalid ? 'invalid' : 'muted'}`}>
            {invalid ? `1 to ${fmtInt(MAX_SAMPLE_ROWS)}` : `${fmtInt(n)} rows`}
          </span>
        </div>
        <div className="field">
          <span className="label" aria-hidden="true">
            &nbsp;
          </span>
          <button type="submit" disabled={invalid || running}>
            {running ? 'Generating…' : 'Generate'}
          </button>
        </div>
        <div className="field grow sample-status" role="status">
          {running ? (
            <span className="job">
              {ingesting ? (
                <>
                  <progress
                    max={Math.max(1, ingesting.bytesTotal)}
                    value={ingesting.bytesDone}
                    aria-label="Sample ingest"
                  />
                  <span>{fmtInt(ingesting.lines)} lines</span>
                </>
              ) : (
                <>
                  <progress aria-label="Generating sample" />
                  <span>writing {fmtInt(sample?.rows)} rows…</span>
                </>
              )}
            </span>
          ) : sample?.result ? (
            <span>
              Done: {fmtInt(sample.result.rows)} entries, {fmtInt(sample.result.anomalies)} injected anomalies
            </span>
          ) : null}
        </div>
      </div>
    </form>
  );
}

function ErrorsRow({ state, colSpan }: { state: ErrorsState; colSpan: number }) {
  return (
    <tr className="errors-row">
      <td colSpan={colSpan}>
        {state.status === 'loading' ? (
          <span className="muted">Loading parse errors…</span>
        ) : state.status === 'error' ? (
          <span className="invalid">Could not load the parse errors: {state.message}</span>
        ) : state.data.errors.length === 0 ? (
          <span className="muted">No parse errors kept for this source.</span>
        ) : (
          <>
            <table className="mini wide errors">
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Line
                  </th>
                  <th scope="col">Reason</th>
                  <th scope="col">Text</th>
                </tr>
              </thead>
              <tbody>
                {state.data.errors.map((e) => (
                  <tr key={e.lineNo}>
                    <td className="num">{fmtInt(e.lineNo)}</td>
                    <td>{e.reason}</td>
                    <td className="mono ellipsis" title={e.line}>
                      {e.line}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {state.data.total > state.data.errors.length ? (
              <p className="muted small">
                Showing {fmtInt(state.data.errors.length)} of {fmtInt(state.data.total)}.
              </p>
            ) : null}
          </>
        )}
      </td>
    </tr>
  );
}

function SourceRow({ s }: { s: Source }) {
  const rate = useSources((st) => st.rates[s.id] ?? 0);
  const errors = useSources((st) => st.errors[s.id]);
  const { pause, resume, remove, toggleErrors } = useSources.getState();
  const [confirm, setConfirm] = useState(false);
  const pct = s.bytesTotal > 0 ? s.bytesDone / s.bytesTotal : s.status === 'done' ? 1 : 0;
  const paused = s.status === 'paused';
  const name = s.path.split(/[\\/]/).pop() ?? s.path;
  return (
    <Fragment>
      <tr className={s.parentId !== null ? 'child' : ''}>
        <td className="mono ellipsis path" title={s.path}>
          {s.path}
          {s.error ? <div className="invalid small wrap">{s.error}</div> : null}
        </td>
        <td>{s.kind}</td>
        <td>{s.format}</td>
        <td className="num">{fmtInt(s.lines)}</td>
        <td className="num">
          {s.parseErrors > 0 ? (
            <button
              className="link"
              aria-expanded={errors !== undefined}
              aria-label={`${fmtInt(s.parseErrors)} parse errors in ${name}: ${errors ? 'hide' : 'show'}`}
              onClick={() => void toggleErrors(s.id)}
            >
              {fmtInt(s.parseErrors)} {errors ? '▴' : '▾'}
            </button>
          ) : (
            '0'
          )}
        </td>
        <td>
          <div className="progress-cell">
            <progress max={1} value={pct} aria-label={`Ingest progress of ${name}`} />
            <span className="muted small">
              {fmtBytes(s.bytesDone)} / {fmtBytes(s.bytesTotal)}
              {s.status === 'ingesting' ? ` · ${fmtRate(rate)}` : ''}
            </span>
          </div>
        </td>
        <td>
          <span className={`badge st-${s.status}`}>{s.status}</span>
        </td>
        <td className="actions">
          {/* Only followed files and folders can pause; an upload or the API source has nothing to follow. */}
          {s.kind !== 'file' && s.kind !== 'folder' ? null : paused ? (
            <button onClick={() => void resume(s.id)} aria-label={`Resume ${name}`}>
              Resume
            </button>
          ) : (
            <button onClick={() => void pause(s.id)} aria-label={`Pause ${name}`}>
              Pause
            </button>
          )}
          {confirm ? (
            <>
              <button className="danger" onClick={() => void remove(s.id)} aria-label={`Confirm removing ${name}`}>
                Remove {fmtInt(s.lines)} entries
              </button>
              <button onClick={() => setConfirm(false)}>Keep</button>
            </>
          ) : (
            <button onClick={() => setConfirm(true)} aria-label={`Remove ${name}`}>
              Remove
            </button>
          )}
        </td>
      </tr>
      {errors ? <ErrorsRow state={errors} colSpan={8} /> : null}
    </Fragment>
  );
}

/** Parents first, each followed by the files found in it. */
function ordered(sources: Source[]): Source[] {
  const out: Source[] = [];
  for (const s of sources) {
    if (s.parentId !== null && sources.some((p) => p.id === s.parentId)) continue;
    out.push(s, ...sources.filter((c) => c.parentId === s.id));
  }
  return out;
}

function SourceList() {
  const sources = useSources((s) => s.sources);
  const loaded = useSources((s) => s.loaded);
  if (!loaded) {
    return (
      <p className="muted loading-line" role="status">
        Loading…
      </p>
    );
  }
  if (sources.length === 0) {
    return (
      <EmptyState title="No sources yet">
        <p>Add a file or folder above, drop a log file onto the window, or generate sample data.</p>
      </EmptyState>
    );
  }
  return (
    <table className="grid sources">
      <thead>
        <tr>
          <th scope="col">Path</th>
          <th scope="col">Kind</th>
          <th scope="col">Format</th>
          <th scope="col" className="num">
            Lines
          </th>
          <th scope="col" className="num">
            Errors
          </th>
          <th scope="col">Progress</th>
          <th scope="col">Status</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {ordered(sources).map((s) => (
          <SourceRow key={s.id} s={s} />
        ))}
      </tbody>
    </table>
  );
}

export function SourcesView() {
  const refresh = useSources((s) => s.refresh);
  useEffect(() => void refresh(), [refresh]);
  return (
    <div className="sources-view">
      <div className="columns">
        <AddSource />
        <SampleForm />
      </div>
      <section aria-label="Sources">
        <SourceList />
      </section>
    </div>
  );
}
