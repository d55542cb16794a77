import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent,
  type ReactNode,
} from 'react';
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

/**
 * Browsers cap an element's height (Chromium near 33.5M px, Firefox near 17.9M), so past this the
 * spacer stops growing and its scroll offset maps linearly onto the rows' own offset.
 */
export const MAX_SPACER_PX = 8_000_000;

/** The scroll geometry of a list: the spacer's height and how many list pixels one scroll pixel is. */
export function scrollMap(total: number, rowHeight: number, viewport: number) {
  const content = total * rowHeight;
  const spacer = Math.min(content, MAX_SPACER_PX);
  const scale = content > spacer && spacer > viewport ? (content - viewport) / (spacer - viewport) : 1;
  return { content, spacer, scale, maxPos: Math.max(0, content - viewport) };
}

/** The list offset that shows row `index` whole, moving as little as possible from `pos`. */
export function revealRow(pos: number, index: number, rowHeight: number, viewport: number): number {
  const top = index * rowHeight;
  if (top < pos) return top;
  if (top + rowHeight > pos + viewport) return Math.max(0, top + rowHeight - viewport);
  return pos;
}

/** Pixels a wheel event means (it may count lines or pages). */
function wheelPixels(e: WheelEvent, rowHeight: number, viewport: number): number {
  if (e.deltaMode === WheelEvent.DOM_DELTA_LINE) return e.deltaY * rowHeight;
  if (e.deltaMode === WheelEvent.DOM_DELTA_PAGE) return e.deltaY * viewport;
  return e.deltaY;
}

export function VirtualTable<T>(props: Props<T>) {
  const { rows, selected, openId, onKey, onRange, generation, scrollKey, rowHeight, columns } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  const wasOpen = useRef(false);
  const total = rows.length;

  // `pos` is the list's own offset (row i starts at i × rowHeight); `top` the scroller's scrollTop.
  // They differ by `scale` once the list outgrows MAX_SPACER_PX. `pos` is kept exactly, so moving
  // by rows (keys, wheel) never lands between rows the rounding of scrollTop would skip.
  const [view, setView] = useState({ pos: 0, top: 0, height: 0 });
  const viewRef = useRef(view);
  const map = scrollMap(total, rowHeight, view.height);
  // The event handlers measure the scroller themselves; these are the sizes they measure against.
  const sizeRef = useRef({ total, rowHeight });
  useLayoutEffect(() => {
    sizeRef.current = { total, rowHeight };
  }, [total, rowHeight]);
  const geometry = useCallback(
    (el: HTMLElement) => scrollMap(sizeRef.current.total, sizeRef.current.rowHeight, el.clientHeight),
    [],
  );

  const show = useCallback((next: { pos: number; top: number; height: number }) => {
    const cur = viewRef.current;
    if (cur.pos === next.pos && cur.top === next.top && cur.height === next.height) return;
    viewRef.current = next;
    setView(next);
  }, []);

  /** Moves the list to offset `pos` (clamped), setting the scrollbar to match. */
  const scrollToPos = useCallback(
    (pos: number) => {
      const el = scrollRef.current;
      if (!el) return;
      const { maxPos, scale } = geometry(el);
      const p = Math.max(0, Math.min(maxPos, pos));
      el.scrollTop = p / scale;
      show({ pos: p, top: el.scrollTop, height: el.clientHeight });
    },
    [geometry, show],
  );

  // The scrollbar moved: by us (scrollTop is where `pos` put it, give or take rounding: keep
  // `pos`) or by the analyst (a drag or a native scroll: `pos` follows the scrollbar).
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const sync = () => {
      const { scale, maxPos } = geometry(el);
      const cur = viewRef.current;
      const top = el.scrollTop;
      const ours = scale !== 1 && Math.abs(top - cur.pos / scale) < 1;
      show({ pos: ours ? cur.pos : Math.min(maxPos, top * scale), top, height: el.clientHeight });
    };
    // Scaled, a wheel notch would move scale × as many rows: move the list by its own pixels instead.
    const onWheel = (e: WheelEvent) => {
      if (geometry(el).scale === 1 || e.ctrlKey || e.deltaY === 0) return;
      e.preventDefault();
      scrollToPos(viewRef.current.pos + wheelPixels(e, rowHeight, el.clientHeight));
    };
    sync();
    const resize = new ResizeObserver(sync);
    resize.observe(el);
    el.addEventListener('scroll', sync, { passive: true });
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      resize.disconnect();
      el.removeEventListener('scroll', sync);
      el.removeEventListener('wheel', onWheel);
    };
  }, [rowHeight, geometry, scrollToPos, show]);

  const viewport = view.height || 320;
  const first = Math.max(0, Math.min(total - 1, Math.floor(view.pos / rowHeight) - OVERSCAN));
  const last = Math.max(-1, Math.min(total - 1, Math.ceil((view.pos + viewport) / rowHeight) + OVERSCAN - 1));
  const pageRows = () => Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 320) / rowHeight) - 1);

  useEffect(() => {
    onRange?.(Math.max(0, first - PREFETCH), last + PREFETCH);
  }, [first, last, generation, onRange]);

  useEffect(() => {
    scrollToPos(0);
  }, [scrollKey, scrollToPos]);

  // The list shrank or grew (or the viewport did): keep the offset inside it and the scrollbar on it.
  useEffect(() => {
    scrollToPos(viewRef.current.pos);
  }, [map.maxPos, map.scale, scrollToPos]);

  useEffect(() => {
    if (selected < 0) return;
    const el = scrollRef.current;
    if (!el) return;
    const { pos } = viewRef.current;
    const next = revealRow(pos, selected, rowHeight, el.clientHeight);
    if (next !== pos) scrollToPos(next);
  }, [selected, rowHeight, scrollToPos]);

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

  const indexes: number[] = [];
  for (let i = first; i <= last; i++) indexes.push(i);
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
        {/* Rows past the spacer's end (overscan, scaled) are clipped rather than lengthen the scroll. */}
        <div role="rowgroup" className="vt-body" style={{ height: map.spacer, overflow: 'hidden' }}>
          {indexes.map((index) => {
            const row = rows[index];
            const isSelected = index === selected;
            const id = row === undefined ? undefined : props.rowId(row);
            return (
              <div
                key={index}
                id={`${props.idPrefix}-${index}`}
                role="row"
                aria-rowindex={index + 2}
                aria-selected={isSelected}
                data-id={id}
                className={`vt-row ${isSelected ? 'selected' : ''} ${id !== undefined && id === openId ? 'open' : ''} ${row === undefined ? '' : (props.rowClass?.(row) ?? '')}`}
                style={{ transform: `translateY(${view.top + index * rowHeight - view.pos}px)`, height: rowHeight }}
                onClick={() => props.onOpen(index)}
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
