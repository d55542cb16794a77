import { useEffect } from 'react';
import { formatDuration } from '../../../shared/duration';
import { useSettings } from '../store/settingsStore';

export function SettingsView() {
  const { config, token, load, regenerateToken } = useSettings();
  useEffect(() => void load(), [load]);
  if (!config) return <p className="muted">Loading…</p>;
  return (
    <section className="settings">
      <h3>Feature window</h3>
      <p>
        Current window: <strong>{formatDuration(config.windowMs)}</strong>, contamination {config.contamination}, models{' '}
        {config.models.join(', ')}
      </p>
      <h3>API</h3>
      <p>Port: {token?.port ?? 'not running'}</p>
      <p>
        Token: <code>{token?.token}</code> <button onClick={() => void regenerateToken()}>Regenerate</button>
      </p>
      <p>
        Data directory: <code>{token?.dataDir}</code>
      </p>
    </section>
  );
}
