import { create } from 'zustand';
import type { AppConfig, ConfigPatch } from '../../../shared/config';
import type { Output } from '../../../shared/api';
import { api, attempt, useApp } from './appStore';

interface SettingsState {
  config: AppConfig | null;
  token: Output<'getToken'> | null;
  load(): Promise<void>;
  save(patch: ConfigPatch): Promise<boolean>;
  regenerateToken(): Promise<void>;
}

export const useSettings = create<SettingsState>((set) => ({
  config: null,
  token: null,
  load: async () => {
    const [config, token] = await Promise.all([
      attempt('Loading settings', () => api().getConfig({})),
      attempt('Loading the API token', () => api().getToken({})),
    ]);
    set({ config: config ?? null, token: token ?? null });
  },
  save: async (patch) => {
    const config = await attempt('Saving settings', () => api().putConfig(patch));
    if (!config) return false;
    set({ config });
    useApp.getState().notify('info', 'Settings saved');
    return true;
  },
  regenerateToken: async () => {
    const token = await attempt('Regenerating the token', () => api().regenerateToken({}));
    if (token) set({ token });
  },
}));
