import { useEffect, useRef, useState, type DragEvent } from 'react';
import { localZone } from './components/format';
import { AnomaliesView } from './views/AnomaliesView';
import { FleetView } from './views/FleetView';
import { IncidentsView } from './views/IncidentsView';
import { ModelsView } from './views/ModelsView';
import { OverviewView } from './views/OverviewView';
import { SettingsView } from './views/SettingsView';
import { SourcesView } from './views/SourcesView';
import { VIEW_LABELS, VIEWS, type View } from '../../shared/views';
import { errorText, useApp } from './store/appStore';
import { routeEvent } from './store/events';
import { incidentEvent } from './store/incidentsStore';
import { usePrefs } from './store/prefsStore';
import { useSources } from './store/sourcesStore';

const PAGES: Record<View, () => React.JSX.Element> = {
  incidents: IncidentsView,
  overview: OverviewView,
  anomalies: AnomaliesView,
  sources: SourcesView,
  fleet: FleetView,
  models: ModelsView,
  settings: SettingsView,
};

function Sidebar() {
  const view = useApp((s) => s.view);
  const go = useApp((s) => s.go);
  const kind = useApp((s) => s.transport?.kind);
  const utc = usePrefs((s) => s.utc);
  const setUtc = usePrefs((s) => s.setUtc);
  return (
    <nav className="sidebar" aria-label="Views">
      <h1>Outlier Desk</h1>
      {VIEWS.map((v, i) => (
        <button
          key={v}
          className={v === view ? 'active' : ''}
          aria-current={v === view ? 'page' : undefined}
          onClick={() => go(v)}
          title={`Alt+${i + 1}`}
        >
          {VIEW_LABELS[v]}
        </button>
      ))}
      <div className="sidebar-foot">
        <label className="check switch" title="Show every time in UTC instead of your time zone">
          <input type="checkbox" role="switch" checked={utc} onChange={(e) => setUtc(e.target.checked)} />
          UTC
        </label>
        <span className="muted small">Times: {utc ? 'UTC' : localZone()}</span>
        <span className="muted small">{kind === 'ipc' ? 'Desktop' : 'Browser mode'}</span>
      </div>
    </nav>
  );
}

function Notices() {
  const notices = useApp((s) => s.notices);
  const dismiss = useApp((s) => s.dismiss);
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <span>{n.text}</span>
          {n.action ? (
            <button
              className="primary"
              onClick={() => {
                dismiss(n.id);
                n.action?.run();
              }}
            >
              {n.action.label}
            </button>
          ) : null}
          <button className="icon" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export function App() {
  const view = useApp((s) => s.view);
  const go = useApp((s) => s.go);
  const transport = useApp((s) => s.transport);
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);

  // Live events update the slices they concern. One subscription: over HTTP each is an event stream.
  useEffect(() => {
    if (!transport) return;
    return transport.onEvent((e) => {
      routeEvent(e);
      incidentEvent(e);
    });
  }, [transport]);

  // Alt+1..7 switch views from anywhere.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const n = Number(e.key);
      if (e.altKey && n >= 1 && n <= VIEWS.length) {
        e.preventDefault();
        go(VIEWS[n - 1]);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go]);

  const hasFiles = (e: DragEvent) => [...e.dataTransfer.types].includes('Files');

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    depth.current = 0;
    setDragging(false);
    const files = [...e.dataTransfer.files];
    if (!files.length || !transport) return;
    const { notify } = useApp.getState();
    try {
      await transport.addDroppedFiles(files);
      notify('info', `Added ${files.length} file${files.length > 1 ? 's' : ''}`);
    } catch (err) {
      notify('error', `Adding dropped files: ${errorText(err)}`);
    }
    await useSources.getState().refresh();
  };

  const Page = PAGES[view];
  return (
    <div
      className="app"
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        depth.current++;
        setDragging(true);
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      }}
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => void onDrop(e)}
    >
      <Sidebar />
      <main>
        <header>
          <h2>{VIEW_LABELS[view]}</h2>
        </header>
        <Page />
      </main>
      <Notices />
      {dragging ? (
        <div className="drop-overlay" aria-hidden="true">
          Drop log files to add them as sources
        </div>
      ) : null}
    </div>
  );
}
