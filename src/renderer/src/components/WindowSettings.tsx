import { useState, type FormEvent } from 'react';
import { MODEL_NAMES, WINDOW_PRESETS } from '../../../shared/configValues';
import type { AppConfig, ConfigPatch, FeatureSetChoice as FeatureSet, ModelName } from '../../../shared/config';
import { formatDuration, parseDuration } from '../../../shared/duration';
import { useSettings } from '../store/settingsStore';
import { FEATURE_SET_SHORT, FeatureSetChoice } from './FeatureSetChoice';
import { JobProgress } from './JobProgress';
import { WindowPreview } from './WindowPreview';

const MIN_WINDOW_MS = 1000;
const MAX_WINDOW_MS = 7 * 86_400_000;

const MODEL_LABELS: Record<ModelName, string> = {
  iforest: 'Isolation Forest',
  lof: 'Local Outlier Factor',
  knn: 'k-nearest neighbours',
};

/** The window the custom field describes, or the message to show under it. */
export function parseWindow(text: string): { ms: number } | { error: string } {
  if (!text.trim()) return { error: 'Enter a duration such as 90s, 10min or 2h' };
  const ms = parseDuration(text);
  if (ms === null) return { error: `"${text.trim()}" is not a duration: try 90s, 10min or 2h` };
  if (ms < MIN_WINDOW_MS) return { error: 'The window must be at least 1s (a bare number is milliseconds)' };
  if (ms > MAX_WINDOW_MS) return { error: 'The window must be at most 7d' };
  return { ms };
}

function contaminationError(text: string): string | null {
  const x = Number(text);
  if (!text.trim() || !Number.isFinite(x)) return 'Enter a number such as 0.05';
  if (x <= 0 || x > 0.5) return 'Contamination must be above 0 and at most 0.5';
  return null;
}

type WindowChoice = number | 'custom';

/** A switch of detection mode alone retrains without recomputing the window counts. */
const retrainOnly = (patch: ConfigPatch) => patch.featureSet !== undefined && patch.windowMs === undefined;

function savedMessage(patch: ConfigPatch): string {
  return patch.featureSet && retrainOnly(patch)
    ? `Saved: switching to ${FEATURE_SET_SHORT[patch.featureSet]}, the models are retrained in the background (progress below)`
    : 'Saved: features are recomputed and the models retrained in the background (progress below)';
}

/** Detection mode, feature window and detectors: changing them recomputes features and/or retrains. */
export function WindowSettings({ config }: { config: AppConfig }) {
  const save = useSettings((s) => s.save);
  const saving = useSettings((s) => s.saving === 'window');
  const preview = useSettings((s) => s.preview);
  const previewWindow = useSettings((s) => s.previewWindow);
  const isPreset = WINDOW_PRESETS.some((p) => p.ms === config.windowMs);
  const [choice, setChoice] = useState<WindowChoice>(isPreset ? config.windowMs : 'custom');
  const [custom, setCustom] = useState(isPreset ? '' : formatDuration(config.windowMs));
  const [contamination, setContamination] = useState(String(config.contamination));
  const [models, setModels] = useState<ModelName[]>(config.models);
  const [standardize, setStandardize] = useState(config.standardize);
  const [featureSet, setFeatureSet] = useState<FeatureSet>(config.featureSet);

  const parsed = choice === 'custom' ? parseWindow(custom) : { ms: choice };
  const windowMs = 'ms' in parsed ? parsed.ms : null;
  const contError = contaminationError(contamination);
  const modelsError = models.length === 0 ? 'Enable at least one model' : null;
  const valid = windowMs !== null && !contError && !modelsError;

  const patch: ConfigPatch = {};
  if (windowMs !== null && windowMs !== config.windowMs) patch.windowMs = windowMs;
  if (!contError && Number(contamination) !== config.contamination) patch.contamination = Number(contamination);
  if (!modelsError && models.join() !== config.models.join()) patch.models = models;
  if (standardize !== config.standardize) patch.standardize = standardize;
  if (featureSet !== config.featureSet) patch.featureSet = featureSet;
  const changed = Object.keys(patch).length > 0;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid || !changed) return;
    void save('window', patch, savedMessage(patch));
  };

  return (
    <form className="panel" onSubmit={submit} aria-labelledby="window-title" noValidate>
      <h3 id="window-title">Feature window and detectors</h3>
      <FeatureSetChoice value={featureSet} onChange={setFeatureSet} />
      <fieldset className="window-choice">
        <legend>Window (features count each IP&apos;s entries over this period)</legend>
        <div className="window-line">
          <div className="segmented">
            {WINDOW_PRESETS.map((p) => (
              <label key={p.ms} className={choice === p.ms ? 'on' : ''}>
                <input type="radio" name="window" checked={choice === p.ms} onChange={() => setChoice(p.ms)} />
                {p.label}
              </label>
            ))}
            <label className={choice === 'custom' ? 'on' : ''}>
              <input type="radio" name="window" checked={choice === 'custom'} onChange={() => setChoice('custom')} />
              Custom
            </label>
          </div>
          <div className="window-row">
            <input
              id="window-custom"
              aria-label="Custom window"
              value={custom}
              placeholder="90s, 10min, 2h"
              spellCheck={false}
              aria-invalid={choice === 'custom' && 'error' in parsed}
              aria-describedby="window-custom-msg"
              onChange={(e) => {
                setCustom(e.target.value);
                setChoice('custom');
              }}
              onFocus={() => custom && setChoice('custom')}
              style={{ width: 140 }}
            />
            <p
              id="window-custom-msg"
              className={`field-msg ${choice === 'custom' && 'error' in parsed ? 'invalid' : 'muted'}`}
            >
              {choice === 'custom' && 'error' in parsed
                ? parsed.error
                : windowMs !== null
                  ? `${formatDuration(windowMs)}${windowMs === config.windowMs ? ' (current)' : ` (now ${formatDuration(config.windowMs)})`}`
                  : '\u00a0'}
            </p>
          </div>
        </div>
      </fieldset>
      <div className="row">
        <div className="field">
          <label htmlFor="contamination">Contamination</label>
          <input
            id="contamination"
            type="number"
            step="0.01"
            min="0.001"
            max="0.5"
            value={contamination}
            aria-invalid={!!contError}
            aria-describedby="contamination-msg"
            onChange={(e) => setContamination(e.target.value)}
            style={{ width: 110 }}
          />
          <span id="contamination-msg" className={`field-msg ${contError ? 'invalid' : 'muted'}`}>
            {contError ?? 'share of training entries taken as anomalous'}
          </span>
        </div>
        <fieldset className="field models-choice" aria-describedby="models-msg">
          <legend>Models that vote</legend>
          <div className="row tight">
            {MODEL_NAMES.map((m) => (
              <label key={m} className="check" title={MODEL_LABELS[m]}>
                <input
                  type="checkbox"
                  checked={models.includes(m)}
                  onChange={(e) =>
                    setModels(
                      e.target.checked
                        ? MODEL_NAMES.filter((x) => x === m || models.includes(x))
                        : models.filter((x) => x !== m),
                    )
                  }
                />
                {MODEL_LABELS[m]}
              </label>
            ))}
          </div>
          <span id="models-msg" className={`field-msg ${modelsError ? 'invalid' : 'muted'}`}>
            {modelsError ??
              (featureSet === 'entity'
                ? 'one combined score, Isolation Forest leading'
                : 'flagged when at least half of them agree')}
          </span>
        </fieldset>
        <label className="check switch">
          <input
            type="checkbox"
            role="switch"
            checked={standardize}
            onChange={(e) => setStandardize(e.target.checked)}
          />
          Standardize features
        </label>
      </div>
      <div className="row">
        <button
          type="button"
          disabled={windowMs === null || preview?.status === 'loading'}
          onClick={() => windowMs !== null && void previewWindow(windowMs)}
        >
          Preview
        </button>
        <button type="submit" className="primary" disabled={!valid || !changed || saving}>
          {saving ? 'Applying…' : 'Apply'}
        </button>
        <span className="muted small">
          {!changed
            ? 'No changes'
            : retrainOnly(patch)
              ? 'Applying retrains the models.'
              : 'Applying recomputes all features and retrains.'}
        </span>
        <JobProgress />
      </div>
      <div className="preview-area" aria-live="polite">
        {!preview ? null : preview.status === 'loading' ? (
          <p className="muted" role="status">
            Computing the distributions for {formatDuration(preview.windowMs)}…
          </p>
        ) : preview.status === 'error' ? (
          <div className="error-block" role="alert">
            <strong>Preview unavailable</strong>
            <p>{preview.message}</p>
          </div>
        ) : (
          <WindowPreview preview={preview.data} currentMs={config.windowMs} />
        )}
      </div>
    </form>
  );
}
