import { useMemo } from 'react';
import uPlot from 'uplot';
import type { LogDetail } from '../../../shared/schemas/analysis';
import { useUtc } from '../store/prefsStore';
import { fmtTime } from './format';
import { useThemeColors } from './themeColors';
import { timeTicks } from './TimelineChart';
import { UPlotChart } from './UPlotChart';

const tzUtc = (ts: number) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

/** The IP's other entries inside the window (status over time), with this entry highlighted. */
export function NeighboursChart({ detail }: { detail: LogDetail }) {
  const colors = useThemeColors();
  const utc = useUtc();
  const windowMs = detail.features?.windowMs ?? 0;

  const data = useMemo<uPlot.AlignedData>(() => {
    const points = [
      ...detail.neighbours.filter((n) => n.id !== detail.id).map((n) => ({ t: n.tsMs, status: n.status, self: false })),
      { t: detail.tsMs, status: detail.status, self: true },
    ].sort((a, b) => a.t - b.t);
    return [
      points.map((p) => p.t / 1000),
      points.map((p) => (p.self ? null : p.status)),
      points.map((p) => (p.self ? p.status : null)),
    ];
  }, [detail]);

  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const axis = { stroke: colors.muted, grid: { stroke: colors.border, width: 1 }, ticks: { stroke: colors.border } };
    const xs = data[0];
    const lo = Math.min(xs[0] ?? 0, (detail.tsMs - windowMs) / 1000);
    const hi = Math.max(xs[xs.length - 1] ?? 0, detail.tsMs / 1000);
    const pad = Math.max(1, (hi - lo) * 0.04);
    return {
      ...(utc ? { tzDate: tzUtc } : {}),
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: () => [lo - pad, hi + pad] },
        y: { range: () => [100, 600] },
      },
      axes: [
        { ...axis, size: 46, values: (_u, ticks) => timeTicks(ticks, utc) },
        { ...axis, size: 40, splits: () => [200, 300, 400, 500] },
      ],
      series: [
        { value: (_u, v) => (v === null ? '—' : fmtTime(v * 1000, utc)) },
        {
          label: 'Other entries of this IP',
          stroke: colors.accent,
          paths: () => null,
          points: { show: true, size: 6, fill: colors.accent, stroke: colors.accent },
        },
        {
          label: 'This entry',
          stroke: colors.danger,
          paths: () => null,
          points: { show: true, size: 11, fill: colors.danger, stroke: colors.panel, width: 2 },
        },
      ],
    };
  }, [colors, utc, data, detail.tsMs, windowMs]);

  return (
    <>
      <UPlotChart
        className="neighbours"
        options={options}
        data={data}
        height={150}
        label={`Status codes of the other entries of ${detail.ip} inside the window, with this entry highlighted`}
      />
      <p className="chart-key small muted" aria-hidden="true">
        <span className="dot self" /> this entry <span className="dot other" /> other entries of {detail.ip} · y: HTTP
        status
      </p>
    </>
  );
}
