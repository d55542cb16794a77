import { useState, type FormEvent } from 'react';
import type { Verdict } from '../../../shared/schemas/feedback';
import { useFeedback } from '../store/feedbackStore';

/** What a suppression rule can be built from: the entry's or incident's own values, prefilled. */
export interface RuleSeed {
  ip?: string;
  endpoint?: string;
  userAgent?: string;
}

const EXPIRY = [
  { label: 'never', ms: 0 },
  { label: '1 day', ms: 86_400_000 },
  { label: '7 days', ms: 7 * 86_400_000 },
  { label: '30 days', ms: 30 * 86_400_000 },
] as const;

/**
 * "Is this normal or an attack?" for one entry or one incident, with a note. Normal can also
 * hide matching future flags (a suppression rule built from the prefilled IP, endpoint and user
 * agent; every field left filled must match).
 */
export function FeedbackForm({ target, seed }: { target: { entry: number } | { incident: string }; seed: RuleSeed }) {
  const give = useFeedback((s) => s.give);
  const busy = useFeedback((s) => s.busy);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [note, setNote] = useState('');
  const [suppress, setSuppress] = useState(true);
  const [rule, setRule] = useState<RuleSeed>(seed);
  const [expiry, setExpiry] = useState(0);
  const [done, setDone] = useState<string | null>(null);
  const id = 'entry' in target ? `fb-e${target.entry}` : `fb-${target.incident}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!verdict) return;
    const fields = {
      ...(rule.ip ? { ip: rule.ip } : {}),
      ...(rule.endpoint ? { endpoint: rule.endpoint } : {}),
      ...(rule.userAgent ? { userAgent: rule.userAgent } : {}),
    };
    const withRule = verdict === 'normal' && suppress && Object.keys(fields).length > 0;
    const ok = await give({
      ...target,
      verdict,
      note,
      ...(withRule ? { suppress: { ...fields, note, ...(expiry ? { expiresAt: Date.now() + expiry } : {}) } } : {}),
    });
    if (ok)
      setDone(
        verdict === 'normal'
          ? withRule
            ? 'Marked normal; matching flags hidden'
            : 'Marked normal'
          : 'Marked as an attack',
      );
  };

  if (done)
    return (
      <p className="muted small" role="status">
        {done}.
      </p>
    );
  return (
    <form className="feedback" onSubmit={(e) => void submit(e)} aria-label="Feedback">
      <div className="row" role="radiogroup" aria-label="Verdict">
        {(['normal', 'attack'] as const).map((v) => (
          <label key={v} className="check">
            <input type="radio" name={`${id}-verdict`} checked={verdict === v} onChange={() => setVerdict(v)} />
            {v === 'normal' ? 'Normal' : 'Attack'}
          </label>
        ))}
      </div>
      <div className="field">
        <label htmlFor={`${id}-note`}>Note</label>
        <input
          id={`${id}-note`}
          value={note}
          maxLength={2000}
          onChange={(e) => setNote(e.target.value)}
          placeholder="why (optional)"
        />
      </div>
      {verdict === 'normal' ? (
        <fieldset className="suppress">
          <label className="check">
            <input type="checkbox" checked={suppress} onChange={(e) => setSuppress(e.target.checked)} />
            Hide matching flags from now on
          </label>
          {suppress ? (
            <>
              {(['ip', 'endpoint', 'userAgent'] as const).map((k) => (
                <div className="field" key={k}>
                  <label htmlFor={`${id}-${k}`}>
                    {k === 'ip'
                      ? 'IP'
                      : k === 'endpoint'
                        ? 'Endpoint (glob, e.g. /static/*)'
                        : 'User agent (glob, e.g. *bot*)'}
                  </label>
                  <input
                    id={`${id}-${k}`}
                    value={rule[k] ?? ''}
                    onChange={(e) => setRule({ ...rule, [k]: e.target.value })}
                    placeholder="any"
                  />
                </div>
              ))}
              <div className="field">
                <label htmlFor={`${id}-expiry`}>Expires</label>
                <select id={`${id}-expiry`} value={expiry} onChange={(e) => setExpiry(Number(e.target.value))}>
                  {EXPIRY.map((x) => (
                    <option key={x.label} value={x.ms}>
                      {x.label}
                    </option>
                  ))}
                </select>
              </div>
            </>
          ) : null}
        </fieldset>
      ) : null}
      <button type="submit" disabled={!verdict || busy}>
        Save verdict
      </button>
    </form>
  );
}
