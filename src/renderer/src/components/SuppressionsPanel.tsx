import { useEffect, useState, type FormEvent } from 'react';
import type { Suppression } from '../../../shared/schemas/feedback';
import { useFeedback } from '../store/feedbackStore';
import { fmtInt } from './format';

function RuleRow({ rule }: { rule: Suppression }) {
  const updateRule = useFeedback((s) => s.updateRule);
  const removeRule = useFeedback((s) => s.removeRule);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState({
    ip: rule.ip ?? '',
    endpoint: rule.endpoint ?? '',
    userAgent: rule.userAgent ?? '',
    note: rule.note,
  });
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const orNull = (v: string) => (v.trim() === '' ? null : v.trim());
    const ok = await updateRule(rule.id, {
      ip: orNull(draft.ip),
      endpoint: orNull(draft.endpoint),
      userAgent: orNull(draft.userAgent),
      note: draft.note,
    });
    if (ok) setEditing(false);
  };
  // When the row was shown: expiry is judged then (the list reloads after every change).
  const [shownAt] = useState(() => Date.now());
  const expired = rule.expiresAt !== null && rule.expiresAt <= shownAt;
  if (editing) {
    return (
      <tr>
        <td colSpan={6}>
          <form className="row" onSubmit={(e) => void save(e)} aria-label={`Edit rule ${rule.id}`}>
            {(['ip', 'endpoint', 'userAgent', 'note'] as const).map((k) => (
              <input
                key={k}
                aria-label={k}
                value={draft[k]}
                placeholder={k === 'note' ? 'note' : 'any'}
                onChange={(e) => setDraft({ ...draft, [k]: e.target.value })}
              />
            ))}
            <button type="submit">Save</button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </form>
        </td>
      </tr>
    );
  }
  return (
    <tr className={expired ? 'muted' : ''}>
      <td className="mono">{rule.ip ?? 'any'}</td>
      <td className="mono">{rule.endpoint ?? 'any'}</td>
      <td className="mono wrap">{rule.userAgent ?? 'any'}</td>
      <td>{rule.note}</td>
      <td>
        {rule.expiresAt === null ? 'never' : `${expired ? 'expired ' : ''}${new Date(rule.expiresAt).toLocaleString()}`}
      </td>
      <td className="num">{fmtInt(rule.hides)}</td>
      <td>
        <button onClick={() => setEditing(true)}>Edit</button>{' '}
        <button onClick={() => void removeRule(rule.id)} aria-label={`Remove rule ${rule.id}`}>
          Remove
        </button>
      </td>
    </tr>
  );
}

/** The suppression rules: what each hides now; edit and remove (what a rule hid comes back). */
export function SuppressionsPanel() {
  const rules = useFeedback((s) => s.suppressions);
  const load = useFeedback((s) => s.loadSuppressions);
  useEffect(() => void load(), [load]);
  return (
    <section className="panel" aria-labelledby="suppressions-title">
      <h3 id="suppressions-title">Suppressions</h3>
      <p className="muted small">
        Flags matching a rule are hidden from Anomalies and Incidents, and the next training learns the matching entries
        as normal. Add rules by marking an entry or an incident normal.
      </p>
      {rules === null ? (
        <p className="muted">Loading…</p>
      ) : rules.length === 0 ? (
        <p className="muted">No rules yet.</p>
      ) : (
        <table className="grid compact">
          <thead>
            <tr>
              <th>IP</th>
              <th>Endpoint</th>
              <th>User agent</th>
              <th>Note</th>
              <th>Expires</th>
              <th className="num">Hides</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <RuleRow key={r.id} rule={r} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
