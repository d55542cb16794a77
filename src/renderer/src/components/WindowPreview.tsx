import { formatDuration } from '../../../shared/duration';
import type { Output } from '../../../shared/api';
import { fmtInt, fmtNum } from './format';

type Preview = Output<'previewWindow'>;
type Stats = Preview['proposed'][string];

const FEATURE_LABELS: Record<string, string> = {
  request_count: 'Requests in window',
  client_error_count: 'Client errors (4xx)',
  server_error_count: 'Server errors (5xx)',
};
const QUANTILES = ['p50', 'p90', 'p99', 'max'] as const;

/**
 * A small bar histogram in SVG (crisp at any zoom; a dozen bars need no canvas). Both windows
 * are drawn on the same value axis so their shapes compare at a glance.
 */
function Histogram({
  stats,
  label,
  tone,
  domain,
}: {
  stats: Stats;
  label: string;
  tone: 'current' | 'proposed';
  domain: [number, number];
}) {
  const W = 150;
  const H = 44;
  const bins = stats.histogram;
  const peak = Math.max(1, ...bins.map((b) => b.count));
  const [lo, hi] = domain;
  const whole = wholeNumberBins(bins);
  const x = (v: number) => ((v - lo) / Math.max(1e-9, hi - lo)) * W;
  const range = bins.length ? `${fmtNum(bins[0].from)} to ${fmtNum(bins[bins.length - 1].to)}` : 'no data';
  return (
    <figure className={`histogram ${tone}`}>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`${label}: histogram, ${range}`}>
        <line x1={0} y1={H - 0.5} x2={W} y2={H - 0.5} className="axis" />
        {bins.map((b, i) => {
          // Square-root scale: one huge bin would otherwise flatten the rest.
          const h = b.count ? Math.max(1, Math.sqrt(b.count / peak) * (H - 2)) : 0;
          return (
            <rect
              key={i}
              x={x(b.from) + 0.25}
              y={H - 1 - h}
              width={Math.max(0.75, x(rightEdge(b, whole)) - x(b.from) - 0.5)}
              height={h}
            >
              <title>{`${fmtNum(b.from)}–${fmtNum(b.to)}: ${fmtInt(b.count)}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption>
        <span>{label}</span>
        <span className="num">
          {fmtNum(lo)}–{fmtNum(whole ? hi - 1 : hi)}
        </span>
      </figcaption>
    </figure>
  );
}

/**
 * Feature values are counts, and the engine's bins are whole-number ranges with both ends
 * included (from 3 to 3 holds the 3s): such a bin spans [from, to + 1) on the axis.
 */
const wholeNumberBins = (bins: Stats['histogram']) =>
  bins.every(
    (b, i) => Number.isInteger(b.from) && Number.isInteger(b.to) && (i === 0 || b.from === bins[i - 1].to + 1),
  );
const rightEdge = (b: Stats['histogram'][number], whole: boolean) => (whole ? b.to + 1 : b.to);

function domainOf(...all: (Stats | undefined)[]): [number, number] {
  const bins = all.flatMap((s) => s?.histogram ?? []);
  if (!bins.length) return [0, 1];
  const whole = all.every((s) => !s || wholeNumberBins(s.histogram));
  return [Math.min(...bins.map((b) => b.from)), Math.max(...bins.map((b) => rightEdge(b, whole)))];
}

/** Feature distributions under the current and the proposed window, before applying it. */
export function WindowPreview({ preview, currentMs }: { preview: Preview; currentMs: number }) {
  const names = Object.keys(preview.proposed);
  const cur = `current (${formatDuration(currentMs)})`;
  const next = `proposed (${formatDuration(preview.windowMs)})`;
  return (
    <div className="preview">
      <p className="muted">Computed over {fmtInt(preview.rows)} entries.</p>
      <div className="preview-grid">
        {names.map((name) => {
          const proposed = preview.proposed[name];
          const current = preview.current?.[name];
          return (
            <section key={name} className="preview-card" aria-label={FEATURE_LABELS[name] ?? name}>
              <h4>{FEATURE_LABELS[name] ?? name}</h4>
              <table className="mini">
                <thead>
                  <tr>
                    <th scope="col">Window</th>
                    {QUANTILES.map((q) => (
                      <th key={q} scope="col" className="num">
                        {q}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  <tr>
                    <th scope="row">{cur}</th>
                    {QUANTILES.map((q) => (
                      <td key={q} className="num">
                        {current ? fmtNum(current[q]) : '—'}
                      </td>
                    ))}
                  </tr>
                  <tr className="proposed">
                    <th scope="row">{next}</th>
                    {QUANTILES.map((q) => (
                      <td key={q} className="num">
                        {fmtNum(proposed[q])}
                      </td>
                    ))}
                  </tr>
                </tbody>
              </table>
              <div className="histograms">
                {current ? (
                  <Histogram stats={current} label={cur} tone="current" domain={domainOf(current, proposed)} />
                ) : null}
                <Histogram stats={proposed} label={next} tone="proposed" domain={domainOf(current, proposed)} />
              </div>
            </section>
          );
        })}
      </div>
    </div>
  );
}
