import { useEffect, type DragEvent } from 'react';
import { AnomaliesView } from './views/AnomaliesView';
import { ModelsView } from './views/ModelsView';
import { OverviewView } from './views/OverviewView';
import { SettingsView } from './views/SettingsView';
import { SourcesView } from './views/SourcesView';
import { useApp, VIEWS, type View } from './store/appStore';
import { useSources } from './store/sourcesStore';
import { useModels } from './store/modelsStore';

const LABELS: Record<View, string> = {
  overview: 'Overview',
  anomalies: 'Anomalies',
  sources: 'Sources',
  models: 'Models',
  settings: 'Settings',
};

const PAGES: Record<View, () => React.JSX.Element> = {
  overview: OverviewView,
  anomalies: AnomaliesView,
  sources: SourcesView,
  models: ModelsView,
  settings: SettingsView,
};

export function App() {
  const { view, go, transport, notices, dismiss, notify } = useApp();

  // Live events update the slices they concern.
  useEffect(() => {
    if (!transport) return;
    return transport.onEvent((e) => {
      if (e.type === 'ingest-progress') useSources.getState().applyProgress(e);
      else if (e.type === 'training-progress')
        useModels.getState().setProgress({ stage: e.stage, fraction: e.fraction });
      else if (e.type === 'model-swapped') void useModels.getState().refresh();
    });
  }, [transport]);

  // Alt+1..5 switch views from anywhere.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const n = Number(e.key);
      if (e.altKey && n >= 1 && n <= VIEWS.length) go(VIEWS[n - 1]);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go]);

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    const files = [...e.dataTransfer.files];
    if (!files.length || !transport) return;
    try {
      await transport.addDroppedFiles(files);
      notify('info', `Added ${files.length} file${files.length > 1 ? 's' : ''}`);
    } catch (err) {
      notify('error', `Adding dropped files: ${(err as Error).message}`);
    }
    await useSources.getState().refresh();
  };

  const Page = PAGES[view];
  return (
    <div className="app" onDragOver={(e) => e.preventDefault()} onDrop={(e) => void onDrop(e)}>
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
            {LABELS[v]}
          </button>
        ))}
        <span className="transport muted">{transport?.kind === 'ipc' ? 'Desktop' : 'Browser mode'}</span>
      </nav>
      <main>
        <header>
          <h2>{LABELS[view]}</h2>
        </header>
        <Page />
      </main>
      <div className="notices" aria-live="polite">
        {notices.map((n) => (
          <div key={n.id} className={`notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
            {n.text}{' '}
            <button aria-label="Dismiss" onClick={() => dismiss(n.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}
