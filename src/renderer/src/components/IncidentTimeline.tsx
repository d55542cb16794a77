import { useMemo } from 'react';
import uPlot from 'uplot';
import type { IncidentDetail } from '../../../shared/schemas/incidents';
import { useUtc } from '../store/prefsStore';
import { fmtElapsed, fmtInt, fmtTime } from './format';
import { useThemeColors, withAlpha } from './themeColors';
import { timeTicks } from './TimelineChart';
import { UPlotChart } from './UPlotChart';

const BUCKETS = 48;
/** Buckets no shorter than this: a 20 s scan gets 20 bars, not 48 slivers. */
const MIN_BUCKET_MS = 1000;

const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

const tzUtc = (ts: number) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

/** Entries and flagged entries per bucket over the incident's period (x in seconds, as uPlot wants). */
export function bucketEntries(
  rows: IncidentDetail['rows'],
  fromMs: number,
  toMs: number,
): { data: uPlot.AlignedData; bucketMs: number } {
  const span = Math.max(0, toMs - fromMs);
  const n = Math.max(1, Math.min(BUCKETS, Math.ceil(span / MIN_BUCKET_MS)));
  const width = Math.max(1, span / n);
  const total = new Array<number>(n).fill(0);
  const flagged = new Array<number>(n).fill(0);
  for (const r of rows) {
    const i = Math.max(0, Math.min(n - 1, Math.floor((r.tsMs - fromMs) / width)));
    total[i]++;
    if (r.isAnomaly) flagged[i]++;
  }
  // Empty buckets are gaps, not zero-height bars.
  const bars = (counts: number[]) => counts.map((c) => (c === 0 ? null : c));
  return {
    data: [total.map((_, i) => (fromMs + (i + 0.5) * width) / 1000), bars(total), bars(flagged)],
    bucketMs: width,
  };
}

/** The incident's entries over its period; the flagged share of each bar is drawn over it. */
export function IncidentTimeline({ incident }: { incident: IncidentDetail }) {
  const colors = useThemeColors();
  const utc = useUtc();
  const { rows, firstTsMs, lastTsMs } = incident;

  const { data, bucketMs } = useMemo(() => bucketEntries(rows, firstTsMs, lastTsMs), [rows, firstTsMs, lastTsMs]);

  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const axis = { stroke: colors.muted, grid: { stroke: colors.border, width: 1 }, ticks: { stroke: colors.border } };
    const xs = data[0];
    const half = xs.length > 1 ? (xs[1] - xs[0]) / 2 : 1;
    const lo = xs[0] - half;
    const hi = xs[xs.length - 1] + half;
    const bars = uPlot.paths.bars?.({ size: [0.85, 40], align: 0 });
    return {
      ...(utc ? { tzDate: tzUtc } : {}),
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: {
        x: { time: true, range: () => [lo, hi] },
        // Counts start at zero: an auto-ranged axis would turn small wobbles into cliffs.
        y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
      },
      axes: [
        { ...axis, size: 48, values: (_u, ticks) => timeTicks(ticks, utc) },
        // Whole counts only: no 2.5 entries.
        { ...axis, size: 44, incrs: COUNT_STEPS, values: (_u, ticks) => ticks.map((t) => fmtInt(t)) },
      ],
      series: [
        { label: 'Time', value: (_u, v) => (v === null ? '—' : fmtTime(v * 1000, utc)) },
        {
          label: 'Entries',
          stroke: colors.accent,
          fill: withAlpha(colors.accent, 0.35),
          width: 1,
          paths: bars,
          points: { show: false },
          value: (_u, v) => (v === null ? '—' : fmtInt(v)),
        },
        {
          label: 'Flagged',
          stroke: colors.danger,
          fill: withAlpha(colors.danger, 0.8),
          width: 1,
          paths: bars,
          points: { show: false },
          value: (_u, v) => (v === null ? '—' : fmtInt(v)),
        },
      ],
    };
  }, [colors, utc, data]);

  return (
    <>
      <UPlotChart
        className="incident-timeline"
        options={options}
        data={data}
        height={130}
        label={`Entries of the incident over its period, ${fmtInt(incident.flagged)} flagged drawn over all ${fmtInt(rows.length)}`}
      />
      <p className="chart-key small muted" aria-hidden="true">
        One bar per {fmtElapsed(bucketMs)}: <span className="dot self" /> flagged <span className="dot other" /> not
        flagged
      </p>
    </>
  );
}
