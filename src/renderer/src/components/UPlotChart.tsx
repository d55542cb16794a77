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
}

/** A uPlot chart that fills its container's width and follows it on resize. */
export function UPlotChart({ options, data, height, label, className }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latestData = useRef(data);

  useEffect(() => {
    latestData.current = data;
    chart.current?.setData(data);
  }, [data]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const u = new uPlot({ ...options, width: Math.max(100, el.clientWidth), height }, latestData.current, el);
    chart.current = u;
    const resize = new ResizeObserver(() => {
      const width = Math.max(100, el.clientWidth);
      if (width !== u.width) u.setSize({ width, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      chart.current = null;
    };
  }, [options, height]);

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
