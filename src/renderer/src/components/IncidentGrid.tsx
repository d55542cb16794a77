import { useEffect, useRef, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { fmtInt } from './format';

/**
 * A virtualised, keyboard-driven grid for the Incidents view (its list, and an incident's
 * entries): the Anomalies VirtualTable's markup, classes and keys, fed by props instead of the
 * anomalies store.
 */

export interface GridColumn<T> {
  header: string;
  /** For screen readers only: the column is a mark too narrow for its name. */
  hideHeader?: boolean;
  /** Classes of the column's cells (num, mono, ellipsis…). */
  className?: string;
  cell(row: T): ReactNode;
  /** The full text on hover, where the cell may cut it short. */
  title?(row: T): string;
}

/** What the grid does with a key; returns whether the key was used. */
export type GridKeyHandler = (key: string, pageRows: number) => boolean;

interface Props<T> {
  label: string;
  /** Prefix of the rows' element ids (aria-activedescendant). */
  idPrefix: string;
  /** Sets the column widths (--vt-cols) and row height in styles.css. */
  className: string;
  rowHeight: number;
  columns: GridColumn<T>[];
  rows: readonly (T | undefined)[];
  rowId(row: T): string | number;
  rowClass?(row: T): string;
  selected: number;
  /** The id of the row whose detail is open. */
  openId: string | number | null;
  onKey: GridKeyHandler;
  onOpen(index: number): void;
  /** Rows shown changed (with overscan): fetch what is missing. */
  onRange?(start: number, end: number): void;
  /** Changes when the rows are replaced: scroll back to the top. */
  generation?: number;
  hint: string;
}

const OVERSCAN = 8;
const PREFETCH = 40;

/** The selection a navigation key moves to, or null for other keys. */
export function moveKey(key: string, cur: number, total: number, pageRows: number): number | null {
  switch (key) {
    case 'j':
    case 'ArrowDown':
      return cur < 0 ? 0 : cur + 1;
    case 'k':
    case 'ArrowUp':
      return cur < 0 ? 0 : cur - 1;
    case 'PageDown':
      return Math.max(0, cur) + pageRows;
    case 'PageUp':
      return Math.max(0, cur) - pageRows;
    case 'Home':
      return 0;
    case 'End':
      return total - 1;
    default:
      return null;
  }
}

const isTyping = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName));

export function IncidentGrid<T>(props: Props<T>) {
  const { rows, selected, openId, onKey, onRange, generation, rowHeight, columns } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  const wasOpen = useRef(false);
  const total = rows.length;

  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render by design
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: OVERSCAN,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const pageRows = () => Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 320) / rowHeight) - 1);

  useEffect(() => {
    onRange?.(Math.max(0, first - PREFETCH), last + PREFETCH);
  }, [first, last, generation, onRange]);

  useEffect(() => {
    if (selected >= 0) virtualizer.scrollToIndex(selected, { align: 'auto' });
  }, [selected, virtualizer]);

  // The grid takes the keyboard when it appears (opening or leaving an incident), unless the analyst is elsewhere.
  useEffect(() => {
    const active = document.activeElement;
    if (active === document.body || active === null) gridRef.current?.focus({ preventScroll: true });
  }, []);

  // Closing the detail (Escape, its close button) hands the keyboard back to the grid.
  useEffect(() => {
    const active = document.activeElement;
    if (wasOpen.current && openId === null && (active === document.body || active === null))
      gridRef.current?.focus({ preventScroll: true });
    wasOpen.current = openId !== null;
  }, [openId]);

  // The keys also work when nothing in particular has focus (after a click elsewhere).
  useEffect(() => {
    const onWindowKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
      const onBody = e.target === document.body || e.target === document.documentElement;
      if (e.key === 'Escape' ? !isTyping(e.target) || onBody : onBody) {
        if (onKey(e.key, pageRows())) e.preventDefault();
      }
    };
    window.addEventListener('keydown', onWindowKey);
    return () => window.removeEventListener('keydown', onWindowKey);
    // pageRows reads the ref when a key arrives; it needs no re-subscription.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [onKey]);

  const onKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey || isTyping(e.target)) return;
    if (e.target instanceof HTMLButtonElement && (e.key === 'Enter' || e.key === ' ')) return;
    if (onKey(e.key, pageRows())) e.preventDefault();
  };

  const activeId = selected >= first && selected <= last && selected >= 0 ? `${props.idPrefix}-${selected}` : undefined;

  return (
    <div
      ref={gridRef}
      className={`vt ${props.className}`}
      role="grid"
      aria-label={props.label}
      aria-rowcount={total + 1}
      aria-colcount={columns.length}
      aria-activedescendant={activeId}
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      <div role="rowgroup" className="vt-head">
        <div role="row" aria-rowindex={1} className="vt-row">
          {columns.map((c) => (
            <div key={c.header} role="columnheader" className={`vt-cell ${c.className ?? ''}`}>
              {c.hideHeader ? <span className="visually-hidden">{c.header}</span> : c.header}
            </div>
          ))}
        </div>
      </div>
      <div className="vt-scroll" ref={scrollRef}>
        <div role="rowgroup" className="vt-body" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const row = rows[item.index];
            const isSelected = item.index === selected;
            const id = row === undefined ? undefined : props.rowId(row);
            return (
              <div
                key={item.index}
                id={`${props.idPrefix}-${item.index}`}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={isSelected}
                data-id={id}
                className={`vt-row ${isSelected ? 'selected' : ''} ${id !== undefined && id === openId ? 'open' : ''} ${row === undefined ? '' : (props.rowClass?.(row) ?? '')}`}
                style={{ transform: `translateY(${item.start}px)`, height: rowHeight }}
                onClick={() => props.onOpen(item.index)}
              >
                {columns.map((c) => (
                  <div
                    key={c.header}
                    role="gridcell"
                    className={`vt-cell ${c.className ?? ''}`}
                    title={row === undefined ? undefined : c.title?.(row)}
                  >
                    {row === undefined ? <span className="skeleton" aria-hidden="true" /> : c.cell(row)}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
      <div className="vt-foot muted">{selected >= 0 ? `${fmtInt(selected + 1)} of ${fmtInt(total)}` : props.hint}</div>
    </div>
  );
}
