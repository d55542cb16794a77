import { useMemo } from 'react';
import uPlot from 'uplot';
import type { Output } from '../../../shared/api';
import { useUtc } from '../store/prefsStore';
import { fmtInt, fmtTime } from './format';
import { useThemeColors, withAlpha } from './themeColors';
import { UPlotChart } from './UPlotChart';

interface Props {
  timeline: Output<'timeline'>;
  /** Called with the brushed range [from, to) in epoch ms. */
  onRange(from: number, to: number): void;
  height?: number;
}

const tzUtc = (ts: number) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

/** Tick labels in the same 24-hour, ISO-dated style as the tables; the date only where it changes. */
export function timeTicks(ticks: number[], utc: boolean): string[] {
  const span = ticks.length > 1 ? ticks[ticks.length - 1] - ticks[0] : 0;
  let lastDate = '';
  return ticks.map((t) => {
    const text = fmtTime(t * 1000, utc);
    const date = text.slice(0, 10);
    if (span >= 3 * 86_400) return date;
    const time = text.slice(11, 16);
    const label = date !== lastDate ? `${time}\n${date}` : time;
    lastDate = date;
    return label;
  });
}

/** Entries and flagged entries per bucket; dragging across it selects a time range. */
export function TimelineChart({ timeline, onRange, height = 200 }: Props) {
  const colors = useThemeColors();
  const utc = useUtc();

  const data = useMemo<uPlot.AlignedData>(
    () => [
      timeline.points.map((p) => p.t / 1000),
      timeline.points.map((p) => p.total),
      timeline.points.map((p) => p.flagged),
    ],
    [timeline],
  );

  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const axis = { stroke: colors.muted, grid: { stroke: colors.border, width: 1 }, ticks: { stroke: colors.border } };
    return {
      ...(utc ? { tzDate: tzUtc } : {}),
      cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 6 } },
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
        { ...axis, size: 56, values: (_u, ticks) => ticks.map((t) => fmtInt(t)) },
        {
          ...axis,
          scale: 'flagged',
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
            if (to > from) onRange(from, to);
          },
        ],
      },
    };
  }, [colors, utc, onRange]);

  return (
    <UPlotChart
      className="timeline"
      options={options}
      data={data}
      height={height}
      label="Entries and flagged entries over time; drag across the chart to list the flagged entries of that period"
    />
  );
}
