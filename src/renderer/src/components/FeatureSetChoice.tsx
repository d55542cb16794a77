import { FEATURE_SET_NAMES } from '../../../shared/configValues';
import type { FeatureSetChoice as FeatureSet } from '../../../shared/config';

/** For sentences: "switching to entity scoring". */
export const FEATURE_SET_SHORT: Record<FeatureSet, string> = {
  entity: 'entity scoring',
  original: 'the original detection',
};

const FEATURE_SET_TITLES: Record<FeatureSet, string> = {
  entity: 'Entity scoring (recommended)',
  original: 'Original',
};

const FEATURE_SET_DESCRIPTIONS: Record<FeatureSet, string> = {
  entity:
    '13 features per entry — short and 1-hour windows, POST share, distinct and repeated paths, bytes, per-endpoint spread, IP age; detectors learn from client-IP hours; at most the contamination share of entries is flagged.',
  original: "the Python service's three per-IP counts in the window and its majority vote, unchanged.",
};

/**
 * The detection mode as native radios (arrow keys move between them). Each option is one
 * clickable card; its name is the title only, the description is announced as its description.
 */
export function FeatureSetChoice(props: { value: FeatureSet; onChange(v: FeatureSet): void }) {
  return (
    <fieldset className="feature-set" aria-describedby="feature-set-msg">
      <legend>Detection</legend>
      <div className="feature-set-options">
        {FEATURE_SET_NAMES.map((name) => (
          <label key={name} className={`option ${props.value === name ? 'on' : ''}`}>
            <input
              type="radio"
              name="featureSet"
              value={name}
              checked={props.value === name}
              onChange={() => props.onChange(name)}
              aria-labelledby={`feature-set-${name}-title`}
              aria-describedby={`feature-set-${name}-desc`}
            />
            <span>
              <strong id={`feature-set-${name}-title`}>{FEATURE_SET_TITLES[name]}</strong>:{' '}
              <span id={`feature-set-${name}-desc`}>{FEATURE_SET_DESCRIPTIONS[name]}</span>
            </span>
          </label>
        ))}
      </div>
      <span id="feature-set-msg" className="field-msg muted">
        Switching retrains the models in the background; the live model keeps scoring until the new one is ready.
      </span>
    </fieldset>
  );
}
