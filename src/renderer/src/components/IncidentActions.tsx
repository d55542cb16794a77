import type { IncidentDetail } from '../../../shared/schemas/incidents';
import { api, attempt } from '../store/appStore';
import { FeedbackForm } from './FeedbackForm';

/** Saves text as a file through the browser's download (the desktop shell handles it as one too). */
function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The analyst's verdict on the incident, and its report and block list. */
export function IncidentActions({ d }: { d: IncidentDetail }) {
  const fetchReport = () => attempt('Building the report', () => api().incidentReport({ id: d.id }));
  const seed =
    d.kind === 'endpoint'
      ? { endpoint: d.topEndpoints[0]?.endpoint }
      : { ip: d.ips[0], ...(d.topEndpoints.length === 1 ? { endpoint: d.topEndpoints[0].endpoint } : {}) };
  return (
    <details className="panel incident-actions">
      <summary>Verdict and report</summary>
      <div className="incident-actions-body">
        <FeedbackForm key={d.id} target={{ incident: d.id }} seed={seed} />
        <div className="row">
          <button
            onClick={() =>
              void fetchReport().then((r) => r && download(`incident-${d.id}.md`, r.markdown, 'text/markdown'))
            }
          >
            Export report (Markdown)
          </button>
          <button
            onClick={() =>
              void fetchReport().then((r) => r && download(`incident-${d.id}-ips.txt`, r.blocklist, 'text/plain'))
            }
          >
            Download IP block list
          </button>
        </div>
      </div>
    </details>
  );
}
