import { useEffect, useRef, useState } from 'react';
import { MODEL_NAMES } from '../../../shared/configValues';
import type { ModelName } from '../../../shared/config';
import { DEFAULT_FILTER, useAnomalies, type AnomalyFilter } from '../store/anomaliesStore';
import { useUtc } from '../store/prefsStore';
import { fmtTime } from './format';
import { TimeField } from './TimeField';

const DEBOUNCE_MS = 300;

interface TextFilterProps {
  id: string;
  label: string;
  value: string | undefined;
  placeholder?: string;
  type?: 'text' | 'search';
  inputMode?: 'numeric' | 'text';
  width?: number;
  onCommit(value: string): void;
}

/** A text field that filters as the analyst types (debounced) or at once on Enter. */
function TextFilter({ id, label, value, placeholder, type = 'text', inputMode, width, onCommit }: TextFilterProps) {
  const [text, setText] = useState(value ?? '');
  const [seen, setSeen] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // The store changed from elsewhere (Clear, a click on an IP in Overview): show its value.
  if (value !== seen) {
    setSeen(value);
    setText(value ?? '');
  }
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const commit = (v: string) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    if (v !== (value ?? '')) onCommit(v);
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={text}
        placeholder={placeholder}
        inputMode={inputMode}
        style={width ? { width } : undefined}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => {
          const v = e.target.value;
          setText(v);
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => commit(v), DEBOUNCE_MS);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit(text);
        }}
      />
    </div>
  );
}

const isFiltered = (f: AnomalyFilter) =>
  f.from !== undefined ||
  f.to !== undefined ||
  !!f.ip ||
  !!f.endpoint ||
  f.status !== undefined ||
  f.minVotes !== undefined ||
  f.model !== undefined ||
  !!f.q ||
  !f.onlyFlagged;

/** The brushed or typed time range, as a removable chip next to the result count. */
export function RangeChip() {
  const from = useAnomalies((s) => s.filter.from);
  const to = useAnomalies((s) => s.filter.to);
  const setFilter = useAnomalies((s) => s.setFilter);
  const utc = useUtc();
  if (from === undefined && to === undefined) return null;
  return (
    <span className="chip" aria-label="Time range filter">
      {fmtTime(from, utc)} – {fmtTime(to, utc)}
      <button aria-label="Remove the time range" onClick={() => setFilter({ from: undefined, to: undefined })}>
        ×
      </button>
    </span>
  );
}

/** Filter bar of the Anomalies view: every field maps onto one listAnomalies parameter. */
export function AnomalyFilters() {
  const filter = useAnomalies((s) => s.filter);
  const setFilter = useAnomalies((s) => s.setFilter);
  const replaceFilter = useAnomalies((s) => s.replaceFilter);

  return (
    <div className="filters" role="search" aria-label="Filter entries">
      <div className="filters-row">
        <TextFilter
          id="filter-q"
          label="Search"
          type="search"
          value={filter.q}
          placeholder="nmap, status:5xx, -bot…"
          width={220}
          onCommit={(q) => setFilter({ q })}
        />
        <TextFilter
          id="filter-ip"
          label="IP"
          value={filter.ip}
          placeholder="exact IP"
          width={130}
          onCommit={(ip) => setFilter({ ip })}
        />
        <TextFilter
          id="filter-endpoint"
          label="Endpoint"
          value={filter.endpoint}
          placeholder="exact path"
          width={150}
          onCommit={(endpoint) => setFilter({ endpoint })}
        />
        <TextFilter
          id="filter-status"
          label="Status"
          value={filter.status?.toString()}
          placeholder="e.g. 404"
          inputMode="numeric"
          width={80}
          onCommit={(v) => {
            const n = Number(v);
            setFilter({ status: v.trim() && Number.isInteger(n) ? n : undefined });
          }}
        />
        <div className="field">
          <label htmlFor="filter-votes">Min. votes</label>
          <select
            id="filter-votes"
            value={filter.minVotes ?? ''}
            onChange={(e) => setFilter({ minVotes: e.target.value === '' ? undefined : Number(e.target.value) })}
          >
            <option value="">any</option>
            <option value="1">1+</option>
            <option value="2">2+</option>
            <option value="3">3</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-model">Flagged by</label>
          <select
            id="filter-model"
            value={filter.model ?? ''}
            onChange={(e) => setFilter({ model: (e.target.value || undefined) as ModelName | undefined })}
          >
            <option value="">any model</option>
            {MODEL_NAMES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="filters-row">
        <TimeField id="filter-from" label="From" value={filter.from} onCommit={(from) => setFilter({ from })} />
        <TimeField id="filter-to" label="To" value={filter.to} onCommit={(to) => setFilter({ to })} />
        <label className="check">
          <input
            type="checkbox"
            checked={filter.onlyFlagged}
            onChange={(e) => setFilter({ onlyFlagged: e.target.checked })}
          />
          Only flagged
        </label>
        <div className="field end">
          <button
            disabled={!isFiltered(filter)}
            onClick={() => replaceFilter({ ...DEFAULT_FILTER, sort: filter.sort, order: filter.order })}
          >
            Clear filters
          </button>
        </div>
      </div>
    </div>
  );
}
