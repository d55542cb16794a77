import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createTransport } from './api/transport';
import { useApp } from './store/appStore';
import './styles.css';

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
