import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

interface Props {
  /** Everything but the size; a new object re-creates the chart (theme, time zone). */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height: number;
  label: string;
  className?: string;
  /** A fixed x range (in the x scale's units) instead of the data's extent; both or neither. */
  xMin?: number;
  xMax?: number;
  /** Told the chart once it exists and null when it goes (a re-creation tells both). */
  onReady?(chart: uPlot | null): void;
}

/** A uPlot chart that fills its container's width and follows it on resize. */
export function UPlotChart({ options, data, height, label, className, xMin, xMax, onReady }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef({ data, xMin, xMax });

  useEffect(() => {
    latest.current = { data, xMin, xMax };
    const u = chart.current;
    if (!u) return;
    u.setData(data);
    if (xMin !== undefined && xMax !== undefined) u.setScale('x', { min: xMin, max: xMax });
  }, [data, xMin, xMax]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const first = latest.current;
    const u = new uPlot({ ...options, width: Math.max(100, el.clientWidth), height }, first.data, el);
    if (first.xMin !== undefined && first.xMax !== undefined) u.setScale('x', { min: first.xMin, max: first.xMax });
    chart.current = u;
    onReady?.(u);
    const resize = new ResizeObserver(() => {
      const width = Math.max(100, el.clientWidth);
      if (width !== u.width) u.setSize({ width, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      onReady?.(null);
      u.destroy();
      chart.current = null;
    };
  }, [options, height, onReady]);

  return (
    <div
      ref={box}
      className={`chart ${className ?? ''}`}
      style={{ minHeight: height }}
      role="figure"
      aria-label={label}
    />
  );
}
