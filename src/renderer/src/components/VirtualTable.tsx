import { useEffect, useRef, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { fmtInt } from './format';

/**
 * The virtualised, keyboard-driven grid of Anomalies and Incidents (the list and an incident's
 * entries): role=grid with aria-rowcount of the whole result, only the visible rows in the DOM,
 * missing rows asked for as they scroll into view. Focus stays on the grid; the selected row is
 * its active descendant. Data and actions come through props, so each view feeds it from its store.
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
  /** What a screen reader says for the cell, where its content is a bare mark or number. */
  label?(row: T): string;
  /** A sortable column: its current order and what clicking its header does. */
  sort?: { state: 'ascending' | 'descending' | 'none'; onSort(): void };
}

/** What the grid does with a key; returns whether the key was used. */
export type GridKeyHandler = (key: string, pageRows: number) => boolean;

interface Props<T> {
  label: string;
  /** Prefix of the rows' element ids (aria-activedescendant). */
  idPrefix: string;
  /** Sets the column widths (--vt-cols) and row height in styles.css. */
  className?: string;
  rowHeight: number;
  columns: GridColumn<T>[];
  /** Sparse where rows are fetched by page: undefined rows show placeholders. Its length is the total. */
  rows: readonly (T | undefined)[];
  rowId(row: T): string | number;
  rowClass?(row: T): string;
  selected: number;
  /** The id of the row whose detail is open. */
  openId: string | number | null;
  /** Module-level (stable): the window listener is re-subscribed when it changes. */
  onKey: GridKeyHandler;
  onOpen(index: number): void;
  /** Rows shown changed (with prefetch): fetch what is missing. */
  onRange?(start: number, end: number): void;
  /** Changes when the rows are refetched: onRange is asked again. */
  generation?: number;
  /** Changes when the rows are replaced by another result: scroll back to the top. */
  scrollKey?: number;
  hint: string;
}

const OVERSCAN = 10;
const PREFETCH = 40;

/** The selection a navigation key moves to, or null for other keys. */
function moveKey(key: string, cur: number, total: number, pageRows: number): number | null {
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

/** A list the keys move through: its selection and length, and what selecting and opening do. */
export interface ListNav {
  selected: number;
  total: number;
  select(index: number): void;
  open(): void;
}

/** j/k, arrows, Page Up/Down and Home/End move the selection; Enter opens it. Returns whether the key was used. */
export function listKey(key: string, pageRows: number, list: ListNav): boolean {
  const next = moveKey(key, list.selected, list.total, pageRows);
  if (next !== null) list.select(next);
  else if (key === 'Enter' && list.selected >= 0) list.open();
  else return false;
  return true;
}

const isTyping = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName));

const nothingFocused = () => document.activeElement === document.body || document.activeElement === null;

function Header<T>({ column }: { column: GridColumn<T> }) {
  const { header, sort } = column;
  const className = `vt-cell ${column.className ?? ''}`;
  if (!sort)
    return (
      <div role="columnheader" className={className}>
        {column.hideHeader ? <span className="visually-hidden">{header}</span> : header}
      </div>
    );
  return (
    <div role="columnheader" className={className} aria-sort={sort.state}>
      <button className="sort" onClick={sort.onSort} title={`Sort by ${header.toLowerCase()}`}>
        {header}
        <span aria-hidden="true" className="sort-mark">
          {sort.state === 'descending' ? '▼' : sort.state === 'ascending' ? '▲' : '↕'}
        </span>
      </button>
    </div>
  );
}

export function VirtualTable<T>(props: Props<T>) {
  const { rows, selected, openId, onKey, onRange, generation, scrollKey, rowHeight, columns } = props;
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
    scrollRef.current?.scrollTo({ top: 0 });
  }, [scrollKey]);

  useEffect(() => {
    if (selected >= 0) virtualizer.scrollToIndex(selected, { align: 'auto' });
  }, [selected, virtualizer]);

  // The grid takes the keyboard when it appears, unless the analyst is elsewhere (a filter field).
  useEffect(() => {
    if (nothingFocused()) gridRef.current?.focus({ preventScroll: true });
  }, []);

  // Closing the detail (Escape, its close button) hands the keyboard back to the grid.
  useEffect(() => {
    if (wasOpen.current && openId === null && nothingFocused()) gridRef.current?.focus({ preventScroll: true });
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
      className={`vt ${props.className ?? ''}`}
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
            <Header key={c.header} column={c} />
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
                    aria-label={row === undefined ? undefined : c.label?.(row)}
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
