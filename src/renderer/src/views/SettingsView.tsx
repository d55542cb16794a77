import { useEffect, useRef, useState, type FormEvent } from 'react';
import { CONFIG_BOUNDS, type NumberBounds } from '../../../shared/configValues';
import type { AppConfig } from '../../../shared/config';
import { fmtNum } from '../components/format';
import { SuppressionsPanel } from '../components/SuppressionsPanel';
import { WindowSettings } from '../components/WindowSettings';
import { useApp } from '../store/appStore';
import { THEMES, usePrefs, type ThemeChoice } from '../store/prefsStore';
import { useSettings } from '../store/settingsStore';

const numberError = (text: string, { min, max, integer }: NumberBounds): string | null => {
  const x = Number(text);
  if (!text.trim() || !Number.isFinite(x)) return 'Enter a number';
  if (integer && !Number.isInteger(x)) return 'Enter a whole number';
  if (x < min || x > max) return `Between ${fmtNum(min)} and ${fmtNum(max)}`;
  return null;
};

function NumberField(props: {
  id: string;
  label: string;
  value: string;
  onChange(v: string): void;
  error: string | null;
  hint: string;
  unit?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <span className="with-unit">
        <input
          id={props.id}
          type="number"
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          aria-invalid={!!props.error}
          aria-describedby={`${props.id}-msg`}
          style={{ width: 110 }}
        />
        {props.unit ? <span className="muted">{props.unit}</span> : null}
      </span>
      <span id={`${props.id}-msg`} className={`field-msg ${props.error ? 'invalid' : 'muted'}`}>
        {props.error ?? props.hint}
      </span>
    </div>
  );
}

function ScheduleSettings({ config }: { config: AppConfig }) {
  const save = useSettings((s) => s.save);
  const saving = useSettings((s) => s.saving === 'schedule');
  const [every, setEvery] = useState(String(config.retrainEveryHours));
  const [after, setAfter] = useState(String(config.retrainAfterEntries));
  const [span, setSpan] = useState(String(config.trainingSpanHours));
  const errors = {
    every: numberError(every, CONFIG_BOUNDS.retrainEveryHours),
    after: numberError(after, CONFIG_BOUNDS.retrainAfterEntries),
    span: numberError(span, CONFIG_BOUNDS.trainingSpanHours),
  };
  const valid = !errors.every && !errors.after && !errors.span;
  const changed =
    Number(every) !== config.retrainEveryHours ||
    Number(after) !== config.retrainAfterEntries ||
    Number(span) !== config.trainingSpanHours;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid || !changed) return;
    void save(
      'schedule',
      { retrainEveryHours: Number(every), retrainAfterEntries: Number(after), trainingSpanHours: Number(span) },
      'Schedule saved',
    );
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="schedule-title" noValidate>
      <h3 id="schedule-title">Retraining schedule</h3>
      <div className="row">
        <NumberField
          id="retrain-every"
          label="Retrain every"
          unit="hours"
          value={every}
          onChange={setEvery}
          error={errors.every}
          hint="features, then training, then hot swap"
        />
        <NumberField
          id="retrain-after"
          label="…or after"
          unit="new entries"
          value={after}
          onChange={setAfter}
          error={errors.after}
          hint="0 turns this off"
        />
        <NumberField
          id="training-span"
          label="Train on the last"
          unit="hours"
          value={span}
          onChange={setSpan}
          error={errors.span}
          hint="of entries"
        />
      </div>
      <button type="submit" disabled={!valid || !changed || saving}>
        {saving ? 'Saving…' : 'Save schedule'}
      </button>
    </form>
  );
}

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const copy = async () => {
    let ok = true;
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      ok = false;
    }
    setCopied(ok ? 'yes' : 'failed');
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => setCopied(null), 2000);
  };
  return (
    <button type="button" onClick={() => void copy()} aria-live="polite">
      {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed: select the text' : 'Copy'}
    </button>
  );
}

function ApiSettings({ config }: { config: AppConfig }) {
  const token = useSettings((s) => s.token);
  const save = useSettings((s) => s.save);
  const saving = useSettings((s) => s.saving === 'api');
  const regenerate = useSettings((s) => s.regenerateToken);
  const [enabled, setEnabled] = useState(config.apiEnabled);
  const [port, setPort] = useState(String(config.apiPort));
  const [confirm, setConfirm] = useState(false);
  const portError = numberError(port, CONFIG_BOUNDS.apiPort);
  const changed = enabled !== config.apiEnabled || Number(port) !== config.apiPort;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (portError || !changed) return;
    void save('api', { apiEnabled: enabled, apiPort: Number(port) }, 'API settings saved');
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="api-title" noValidate>
      <h3 id="api-title">Loopback API</h3>
      <div className="row">
        <label className="check switch">
          <input type="checkbox" role="switch" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          API on 127.0.0.1 for scripts
        </label>
        <NumberField
          id="api-port"
          label="Port"
          value={port}
          onChange={setPort}
          error={portError}
          hint={token?.port ? `listening on ${token.port} now` : 'not listening now'}
        />
        <div className="field end">
          <button type="submit" disabled={!!portError || !changed || saving}>
            {saving ? 'Saving…' : 'Save API settings'}
          </button>
        </div>
      </div>
      <div className="token">
        <span className="label" id="token-label">
          Token
        </span>
        <code aria-labelledby="token-label" className="select-all">
          {token?.token ?? '—'}
        </code>
        <div className="row tight">
          {token ? <CopyButton text={token.token} /> : null}
          {confirm ? (
            <>
              <span className="small">Scripts using the old token will stop working.</span>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  setConfirm(false);
                  void regenerate();
                }}
              >
                Regenerate now
              </button>
              <button type="button" onClick={() => setConfirm(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" onClick={() => setConfirm(true)}>
              Regenerate…
            </button>
          )}
        </div>
        <p className="muted small">
          Scripts send it as <code>Authorization: Bearer …</code>.
        </p>
      </div>
    </form>
  );
}

function GeneralSettings({ config }: { config: AppConfig }) {
  const token = useSettings((s) => s.token);
  const save = useSettings((s) => s.save);
  const theme = usePrefs((s) => s.theme);
  const setTheme = usePrefs((s) => s.setTheme);
  const utc = usePrefs((s) => s.utc);
  const setUtc = usePrefs((s) => s.setUtc);
  const desktop = useApp((s) => s.transport?.kind === 'ipc');
  return (
    <section className="panel" aria-labelledby="general-title">
      <h3 id="general-title">App</h3>
      <div className="row">
        <label className="check switch">
          <input
            type="checkbox"
            role="switch"
            checked={config.notifications}
            onChange={(e) =>
              void save(
                'notifications',
                { notifications: e.target.checked },
                e.target.checked ? 'Notifications on' : 'Notifications off',
              )
            }
          />
          Notify me of new anomalies{desktop ? '' : ' (desktop app)'}
        </label>
      </div>
      <div className="row">
        <div className="field">
          <label htmlFor="theme">Theme</label>
          <select id="theme" value={theme} onChange={(e) => setTheme(e.target.value as ThemeChoice)}>
            {THEMES.map((t) => (
              <option key={t} value={t}>
                {t === 'system' ? 'Follow the system' : t === 'light' ? 'Light' : 'Dark'}
              </option>
            ))}
          </select>
        </div>
        <label className="check switch end">
          <input type="checkbox" role="switch" checked={utc} onChange={(e) => setUtc(e.target.checked)} />
          Show times in UTC
        </label>
      </div>
      <div className="field">
        <span className="label">Data directory</span>
        <code className="select-all">{token?.dataDir ?? '—'}</code>
        <span className="muted small">The SQLite store, the token file and generated samples live here.</span>
      </div>
    </section>
  );
}

export function SettingsView() {
  const config = useSettings((s) => s.config);
  const loadError = useSettings((s) => s.loadError);
  const load = useSettings((s) => s.load);
  useEffect(() => void load(), [load]);
  if (!config) {
    return loadError ? (
      <div className="error-block" role="alert">
        <strong>{loadError}</strong> <button onClick={() => void load()}>Retry</button>
      </div>
    ) : (
      <p className="muted loading-line" role="status">
        Loading…
      </p>
    );
  }
  // Keys re-initialise a form from the saved values after Apply or a change made elsewhere.
  return (
    <div className="settings">
      <WindowSettings
        key={`${config.featureSet}|${config.windowMs}|${config.contamination}|${config.models.join()}|${config.standardize}`}
        config={config}
      />
      <div className="columns">
        <ScheduleSettings
          key={`${config.retrainEveryHours}|${config.retrainAfterEntries}|${config.trainingSpanHours}`}
          config={config}
        />
        <ApiSettings key={`${config.apiEnabled}|${config.apiPort}`} config={config} />
      </div>
      <SuppressionsPanel />
      <GeneralSettings config={config} />
    </div>
  );
}
