import { create } from 'zustand';
import type { Input } from '../../../shared/api';
import type { Suppression } from '../../../shared/schemas/feedback';
import { api, attempt, useApp } from './appStore';

type FeedbackInput = Input<'giveFeedback'>;
type RuleInput = Input<'addSuppression'>;
type RulePatch = Omit<Input<'updateSuppression'>, 'id'>;

interface FeedbackState {
  suppressions: Suppression[] | null;
  busy: boolean;
  loadSuppressions(): Promise<void>;
  /** A verdict on an entry or an incident; true when it was saved. */
  give(input: FeedbackInput): Promise<boolean>;
  addRule(rule: RuleInput): Promise<boolean>;
  updateRule(id: number, patch: RulePatch): Promise<boolean>;
  removeRule(id: number): Promise<void>;
}

/** The analyst's verdicts and suppression rules (POST /feedback, /suppressions). */
export const useFeedback = create<FeedbackState>((set, get) => ({
  suppressions: null,
  busy: false,
  loadSuppressions: async () => {
    const r = await attempt('Loading suppression rules', () => api().listSuppressions({}));
    if (r) set({ suppressions: r.suppressions });
  },
  give: async (input) => {
    set({ busy: true });
    const r = await attempt('Saving the verdict', () => api().giveFeedback(input));
    set({ busy: false });
    if (!r) return false;
    const what = `${r.entries} ${r.entries === 1 ? 'entry' : 'entries'} marked ${r.verdict}`;
    useApp
      .getState()
      .notify(
        'info',
        r.suppression ? `${what}; matching flags are hidden from now on` : `${what}; the next training learns from it`,
      );
    if (r.suppression) await get().loadSuppressions();
    return true;
  },
  addRule: async (rule) => {
    const r = await attempt('Adding the suppression rule', () => api().addSuppression(rule));
    if (r) await get().loadSuppressions();
    return r !== undefined;
  },
  updateRule: async (id, patch) => {
    const r = await attempt('Saving the suppression rule', () => api().updateSuppression({ id, ...patch }));
    if (r) await get().loadSuppressions();
    return r !== undefined;
  },
  removeRule: async (id) => {
    const r = await attempt('Removing the suppression rule', () => api().removeSuppression({ id }));
    if (r) {
      useApp.getState().notify('info', 'Rule removed: what it hid is shown again');
      await get().loadSuppressions();
    }
  },
}));
