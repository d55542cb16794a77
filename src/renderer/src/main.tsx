import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createTransport } from './api/transport';
import { useApp } from './store/appStore';
import { applyTheme, usePrefs } from './store/prefsStore';
import './styles.css';

// Before the first paint, so a dark override does not flash light.
applyTheme(usePrefs.getState().theme);

const root = createRoot(document.getElementById('root')!);
const transport = createTransport();
if ('error' in transport) {
  root.render(<p className="fatal">{transport.error}</p>);
} else {
  useApp.getState().setTransport(transport);
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
