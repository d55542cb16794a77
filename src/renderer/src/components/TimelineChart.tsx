import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import uPlot from 'uplot';
import type { Timeline } from '../../../shared/schemas/analysis';
import { useUtc } from '../store/prefsStore';
import { fmtInt, fmtSpan, fmtTime } from './format';
import { useThemeColors, withAlpha } from './themeColors';
import { UPlotChart } from './UPlotChart';

interface Props {
  timeline: Timeline;
  /** Lists the flagged entries of [from, to) (epoch ms). */
  onList(from: number, to: number): void;
  /** Shows [from, to) (epoch ms) instead. */
  onZoom(from: number, to: number): void;
  /** Zooms by a factor (below 1 in, above 1 out) keeping the time `at` in place. */
  onZoomBy(factor: number, at?: number): void;
  /** Back to the unzoomed range. */
  onReset(): void;
  /** Dragging zooms rather than lists; Shift while dragging does the other. */
  dragZooms: boolean;
  height?: number;
}

/** Tick steps of a count axis: whole numbers only (no "0.25 flagged"). */
const COUNT_STEPS = Array.from({ length: 10 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

const tzUtc = (ts: number) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

/** Tick labels in the same 24-hour, ISO-dated style as the tables; the date only where it changes. */
export function timeTicks(ticks: number[], utc: boolean): string[] {
  const span = ticks.length > 1 ? ticks[ticks.length - 1] - ticks[0] : 0;
  // Ticks less than a minute apart need their seconds to tell them apart.
  const seconds = ticks.length > 1 && ticks[1] - ticks[0] < 60;
  let lastDate = '';
  return ticks.map((t) => {
    const text = fmtTime(t * 1000, utc);
    const date = text.slice(0, 10);
    if (span >= 3 * 86_400) return date;
    const time = text.slice(11, seconds ? 19 : 16);
    const label = date !== lastDate ? `${time}\n${date}` : time;
    lastDate = date;
    return label;
  });
}

/** Every bucket of the range, empty ones as zero: the server sends only buckets with entries. */
function bucketGrid(t: Timeline): { xs: number[]; totals: number[]; flagged: number[] } {
  const n = t.bucketMs > 0 ? Math.ceil((t.to - t.from) / t.bucketMs) : 0;
  const xs = Array.from({ length: n }, (_, i) => (t.from + i * t.bucketMs) / 1000);
  const totals = new Array<number>(n).fill(0);
  const flagged = new Array<number>(n).fill(0);
  for (const p of t.points) {
    const i = Math.round((p.t - t.from) / t.bucketMs);
    if (i >= 0 && i < n) {
      totals[i] = p.total;
      flagged[i] = p.flagged;
    }
  }
  return { xs, totals, flagged };
}

/** The keyboard brush, in bucket indices of the shown range. */
interface Brush {
  cursor: number;
  anchor: number;
}

/**
 * Entries and flagged entries per bucket. Dragging across it lists the flagged entries of that
 * period (or zooms, see `dragZooms`); focused, the arrow keys brush a period from the keyboard.
 */
export function TimelineChart({ timeline, onList, onZoom, onZoomBy, onReset, dragZooms, height = 200 }: Props) {
  const colors = useThemeColors();
  const utc = useUtc();
  const hintId = useId();
  const [chart, setChart] = useState<uPlot | null>(null);
  const [brush, setBrush] = useState<Brush | null>(null);
  // The uPlot hooks outlive a render: they read the latest callbacks from here.
  const actions = useRef({ onList, onZoom, onReset, dragZooms });
  const shiftDrag = useRef(false);
  useEffect(() => {
    actions.current = { onList, onZoom, onReset, dragZooms };
  }, [onList, onZoom, onReset, dragZooms]);

  const grid = useMemo(() => bucketGrid(timeline), [timeline]);
  const data = useMemo<uPlot.AlignedData>(() => [grid.xs, grid.totals, grid.flagged], [grid]);
  const rangeKey = `${timeline.from}:${timeline.to}:${timeline.bucketMs}`;
  // A new range drops the brush, also when an earlier range comes back (zoom in, then reset).
  const [brushRange, setBrushRange] = useState(rangeKey);
  if (brushRange !== rangeKey) {
    setBrushRange(rangeKey);
    setBrush(null);
  }
  const active = brush && brush.cursor < grid.xs.length ? brush : null;
  const selection = useMemo(() => {
    if (!active) return null;
    const a = Math.min(active.cursor, active.anchor);
    const b = Math.max(active.cursor, active.anchor);
    return {
      from: timeline.from + a * timeline.bucketMs,
      to: Math.min(timeline.to, timeline.from + (b + 1) * timeline.bucketMs),
      total: grid.totals.slice(a, b + 1).reduce((s, v) => s + v, 0),
      flagged: grid.flagged.slice(a, b + 1).reduce((s, v) => s + v, 0),
    };
  }, [active, grid, timeline]);

  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const axis = { stroke: colors.muted, grid: { stroke: colors.border, width: 1 }, ticks: { stroke: colors.border } };
    return {
      ...(utc ? { tzDate: tzUtc } : {}),
      cursor: {
        drag: { x: true, y: false, setScale: false },
        points: { size: 6 },
        bind: {
          // Remembered for the end of the drag: Shift swaps listing and zooming.
          mousedown: (_u, _el, handler) => (e) => {
            shiftDrag.current = e.shiftKey;
            return handler(e);
          },
          // uPlot's own double-click resets to the data's extent; ours goes back to the unzoomed range.
          dblclick: () => () => {
            actions.current.onReset();
            return null;
          },
        },
      },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      legend: { show: true, live: true },
      // Counts start at zero: an auto-ranged axis would turn small wobbles into cliffs.
      scales: {
        x: { time: true },
        y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
        flagged: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
      },
      axes: [
        { ...axis, size: 44, values: (_u, ticks) => timeTicks(ticks, utc) },
        { ...axis, size: 56, incrs: COUNT_STEPS, values: (_u, ticks) => ticks.map((t) => fmtInt(t)) },
        {
          ...axis,
          scale: 'flagged',
          incrs: COUNT_STEPS,
          side: 1,
          size: 48,
          grid: { show: false },
          stroke: colors.danger,
          values: (_u, ticks) => ticks.map((t) => fmtInt(t)),
        },
      ],
      series: [
        { label: 'Time', value: (_u, v) => (v === null ? '—' : fmtTime(v * 1000, utc)) },
        {
          label: 'Entries',
          stroke: colors.accent,
          width: 1.5,
          fill: withAlpha(colors.accent, 0.15),
          value: (_u, v) => (v === null ? '—' : fmtInt(v)),
        },
        {
          label: 'Flagged',
          scale: 'flagged',
          stroke: colors.danger,
          fill: withAlpha(colors.danger, 0.55),
          width: 1,
          paths: uPlot.paths.bars?.({ size: [0.8, 12] }),
          points: { show: false },
          value: (_u, v) => (v === null ? '—' : fmtInt(v)),
        },
      ],
      hooks: {
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width < 3) return;
            const from = Math.floor(u.posToVal(left, 'x') * 1000);
            const to = Math.ceil(u.posToVal(left + width, 'x') * 1000);
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            if (to <= from) return;
            const { dragZooms: zooms, onZoom: zoom, onList: list } = actions.current;
            if (zooms !== shiftDrag.current) zoom(from, to);
            else list(from, to);
          },
        ],
      },
    };
  }, [colors, utc]);

  // The keyboard brush is drawn with uPlot's own selection box and cursor (not firing the hooks).
  const brushShown = useRef(false);
  useEffect(() => {
    if (!chart) return;
    if (!selection || !active) {
      // Only a brush that was drawn is taken away: the mouse's cursor stays where it is.
      if (brushShown.current) {
        chart.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        chart.setCursor({ left: -10, top: -10 });
        brushShown.current = false;
      }
      return;
    }
    brushShown.current = true;
    const left = chart.valToPos(selection.from / 1000, 'x');
    const right = chart.valToPos(selection.to / 1000, 'x');
    const top = chart.over.clientHeight;
    chart.setSelect({ left, top: 0, width: Math.max(2, right - left), height: top }, false);
    const x = chart.valToPos(grid.xs[active.cursor], 'x');
    chart.setCursor({ left: x, top: top / 2 });
  }, [chart, selection, active, grid]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const n = grid.xs.length;
    if (n === 0) return;
    const page = Math.max(1, Math.round(n / 10));
    const moves: Record<string, (c: number) => number> = {
      ArrowLeft: (c) => c - 1,
      ArrowRight: (c) => c + 1,
      PageUp: (c) => c - page,
      PageDown: (c) => c + page,
      Home: () => 0,
      End: () => n - 1,
    };
    const move = moves[e.key];
    if (move) {
      // The first key puts the cursor at the end it points away from.
      const start = active ?? { cursor: e.key === 'ArrowLeft' || e.key === 'End' ? n : -1, anchor: -1 };
      const cursor = Math.min(n - 1, Math.max(0, move(start.cursor)));
      const anchor = e.shiftKey && active ? active.anchor : cursor;
      setBrush({ cursor, anchor });
    } else if (e.key === 'Enter' && selection) {
      onZoom(selection.from, selection.to);
    } else if ((e.key === 'l' || e.key === 'L') && selection) {
      onList(selection.from, selection.to);
    } else if (e.key === '+' || e.key === '=') {
      onZoomBy(0.5, selection ? (selection.from + selection.to) / 2 : undefined);
    } else if (e.key === '-' || e.key === '_') {
      onZoomBy(2, selection ? (selection.from + selection.to) / 2 : undefined);
    } else if (e.key === 'Escape' && active) {
      setBrush(null);
    } else if (e.key === 'Escape' || e.key === '0') {
      onReset();
    } else {
      return;
    }
    e.preventDefault();
  };

  const status = selection
    ? `Selected ${fmtSpan(selection.from, selection.to, utc)}: ${fmtInt(selection.total)} entries, ${fmtInt(
        selection.flagged,
      )} flagged. Enter zooms in, L lists the flagged entries.`
    : '';

  return (
    <div
      className="timeline-keys"
      tabIndex={0}
      role="application"
      aria-roledescription="timeline"
      aria-label={`Entries and flagged entries from ${fmtSpan(timeline.from, timeline.to, utc)}`}
      aria-describedby={hintId}
      onKeyDown={onKeyDown}
    >
      <UPlotChart
        className="timeline"
        options={options}
        data={data}
        height={height}
        xMin={timeline.from / 1000}
        xMax={timeline.to / 1000}
        onReady={setChart}
        label="Entries and flagged entries over time; drag across the chart to list the flagged entries of that period"
      />
      <p className="timeline-hint muted small" id={hintId}>
        <span>
          <kbd>←</kbd> <kbd>→</kbd> move, <kbd>Shift</kbd>+<kbd>←</kbd> <kbd>→</kbd> select, <kbd>Enter</kbd> zoom to
          it, <kbd>L</kbd> list its flagged entries, <kbd>+</kbd> <kbd>−</kbd> zoom, <kbd>Esc</kbd> or <kbd>0</kbd>{' '}
          reset
        </span>
        <span className="timeline-status" role="status" aria-live="polite">
          {status}
        </span>
      </p>
    </div>
  );
}
