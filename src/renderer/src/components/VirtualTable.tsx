import { useEffect, useRef, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { AnomalyRow } from '../../../shared/schemas/analysis';
import { useAnomalies, type AnomalyFilter } from '../store/anomaliesStore';
import { useUtc } from '../store/prefsStore';
import { fmtInt, fmtScore, fmtTime } from './format';

/** Fixed row height: no measuring, no jumps, and the scrollbar is exact for any row count. */
export const ROW_HEIGHT = 32;
const OVERSCAN = 12;
const PREFETCH = 40;

type SortKey = AnomalyFilter['sort'];

const statusClass = (status: number) => (status >= 500 ? 'st-5xx' : status >= 400 ? 'st-4xx' : 'st-ok');

/** Keys the grid understands; returns whether the key was used. */
function gridKey(key: string, pageRows: number): boolean {
  const s = useAnomalies.getState();
  const cur = s.selected;
  switch (key) {
    case 'j':
    case 'ArrowDown':
      s.select(cur < 0 ? 0 : cur + 1);
      return true;
    case 'k':
    case 'ArrowUp':
      s.select(cur < 0 ? 0 : cur - 1);
      return true;
    case 'PageDown':
      s.select(Math.max(0, cur) + pageRows);
      return true;
    case 'PageUp':
      s.select(Math.max(0, cur) - pageRows);
      return true;
    case 'Home':
      s.select(0);
      return true;
    case 'End':
      s.select(s.total - 1);
      return true;
    case 'Enter':
      if (cur >= 0) s.open();
      return cur >= 0;
    case 'Escape':
      if (!s.detail) return false;
      s.close();
      return true;
    default:
      return false;
  }
}

const isTyping = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName));

function SortHeader({ label, sortKey, filter }: { label: string; sortKey: SortKey; filter: AnomalyFilter }) {
  const setFilter = useAnomalies((s) => s.setFilter);
  const active = filter.sort === sortKey;
  const next = active && filter.order === 'desc' ? 'asc' : 'desc';
  return (
    <div
      role="columnheader"
      className={`vt-cell ${sortKey === 'score' ? 'num' : ''}`}
      aria-sort={active ? (filter.order === 'desc' ? 'descending' : 'ascending') : 'none'}
    >
      <button
        className="sort"
        onClick={() => setFilter({ sort: sortKey, order: active ? next : 'desc' })}
        title={`Sort by ${label.toLowerCase()}`}
      >
        {label}
        <span aria-hidden="true" className="sort-mark">
          {active ? (filter.order === 'desc' ? '▼' : '▲') : '↕'}
        </span>
      </button>
    </div>
  );
}

function Cells({ row, utc }: { row: AnomalyRow; utc: boolean }) {
  return (
    <>
      <div role="gridcell" className="vt-cell mono">
        {fmtTime(row.tsMs, utc)}
      </div>
      <div role="gridcell" className="vt-cell mono">
        {row.ip}
      </div>
      <div role="gridcell" className="vt-cell mono ellipsis" title={row.endpoint}>
        {row.method ? <span className="method">{row.method}</span> : null}
        {row.endpoint}
      </div>
      <div role="gridcell" className={`vt-cell num ${statusClass(row.status)}`}>
        {row.status}
      </div>
      <div role="gridcell" className="vt-cell num" aria-label={`${row.votes} votes`}>
        <span className={`votes v${Math.min(row.votes, 3)}`}>{row.votes}</span>
      </div>
      <div role="gridcell" className="vt-cell num">
        {fmtScore(row.combinedScore)}
      </div>
    </>
  );
}

function Placeholder() {
  return (
    <>
      {[0, 1, 2, 3, 4, 5].map((i) => (
        <div key={i} role="gridcell" className="vt-cell">
          <span className="skeleton" aria-hidden="true" />
        </div>
      ))}
    </>
  );
}

/**
 * The Anomalies grid: role=grid with aria-rowcount of the whole result, only the visible rows
 * in the DOM, pages fetched as they scroll into view. Focus stays on the grid; the selected
 * row is its active descendant.
 */
export function VirtualTable() {
  const rows = useAnomalies((s) => s.rows);
  const total = useAnomalies((s) => s.total);
  const selected = useAnomalies((s) => s.selected);
  const filter = useAnomalies((s) => s.filter);
  const generation = useAnomalies((s) => s.generation);
  const openId = useAnomalies((s) => s.detail?.id ?? null);
  const utc = useUtc();
  const scrollRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  const wasOpen = useRef(false);

  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render by design
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 320) / ROW_HEIGHT) - 1);

  useEffect(() => {
    useAnomalies.getState().ensureRange(Math.max(0, first - PREFETCH), last + PREFETCH);
  }, [first, last, generation]);

  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [generation]);

  useEffect(() => {
    if (selected >= 0) virtualizer.scrollToIndex(selected, { align: 'auto' });
  }, [selected, virtualizer]);

  // Closing the panel (Escape, its close button) hands the keyboard back to the table.
  useEffect(() => {
    const active = document.activeElement;
    if (wasOpen.current && openId === null && (active === document.body || active === null)) gridRef.current?.focus();
    wasOpen.current = openId !== null;
  }, [openId]);

  // j/k/Enter/Escape also work when nothing in particular has focus (after a click elsewhere).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
      const onBody = e.target === document.body || e.target === document.documentElement;
      if (e.key === 'Escape' ? !isTyping(e.target) || onBody : onBody) {
        if (gridKey(e.key, pageRows)) e.preventDefault();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [pageRows]);

  const onKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey || isTyping(e.target)) return;
    if (e.target instanceof HTMLButtonElement && (e.key === 'Enter' || e.key === ' ')) return;
    if (gridKey(e.key, pageRows)) e.preventDefault();
  };

  const activeId = selected >= 0 && selected >= first && selected <= last ? `anomaly-row-${selected}` : undefined;

  return (
    <div
      ref={gridRef}
      className="vt"
      role="grid"
      aria-label="Scored entries"
      aria-rowcount={total + 1}
      aria-colcount={6}
      aria-activedescendant={activeId}
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      <div role="rowgroup" className="vt-head">
        <div role="row" aria-rowindex={1} className="vt-row">
          <SortHeader label="Time" sortKey="time" filter={filter} />
          <div role="columnheader" className="vt-cell">
            IP
          </div>
          <div role="columnheader" className="vt-cell">
            Endpoint
          </div>
          <div role="columnheader" className="vt-cell num">
            Status
          </div>
          <div role="columnheader" className="vt-cell num">
            Votes
          </div>
          <SortHeader label="Score" sortKey="score" filter={filter} />
        </div>
      </div>
      <div className="vt-scroll" ref={scrollRef}>
        <div role="rowgroup" className="vt-body" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const row = rows[item.index];
            const isSelected = item.index === selected;
            return (
              <div
                key={item.index}
                id={`anomaly-row-${item.index}`}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={isSelected}
                data-id={row?.id}
                className={`vt-row ${isSelected ? 'selected' : ''} ${row && row.id === openId ? 'open' : ''}`}
                style={{ transform: `translateY(${item.start}px)` }}
                onClick={() => useAnomalies.getState().open(item.index)}
              >
                {row ? <Cells row={row} utc={utc} /> : <Placeholder />}
              </div>
            );
          })}
        </div>
      </div>
      <div className="vt-foot muted">
        {selected >= 0
          ? `${fmtInt(selected + 1)} of ${fmtInt(total)}`
          : 'j / k or arrows select · Enter opens · End jumps to the last entry'}
      </div>
    </div>
  );
}
