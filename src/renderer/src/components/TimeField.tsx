import { fromInputTime, toInputTime } from './format';
import { useUtc } from '../store/prefsStore';

/**
 * A date-and-time input in the UTC switch's zone (seconds included). Clearing it commits
 * undefined; a value the browser cannot read yet commits nothing.
 */
export function TimeField({
  id,
  label,
  value,
  invalid,
  onCommit,
}: {
  id: string;
  label: string;
  value?: number;
  invalid?: boolean;
  onCommit(ms?: number): void;
}) {
  const utc = useUtc();
  return (
    <div className="field">
      <label htmlFor={id}>
        {label} <span className="muted">({utc ? 'UTC' : 'local'})</span>
      </label>
      <input
        id={id}
        type="datetime-local"
        step={1}
        value={toInputTime(value, utc)}
        aria-invalid={invalid}
        onChange={(e) => {
          if (!e.target.value) return onCommit(undefined);
          const ms = fromInputTime(e.target.value, utc);
          if (ms !== undefined) onCommit(ms);
        }}
      />
    </div>
  );
}
