import { create } from 'zustand';
import type { Output } from '../../../shared/api';
import type { AppConfig, ConfigPatch } from '../../../shared/config';
import { api, attempt, errorText, useApp } from './appStore';

export type PreviewState =
  | { status: 'loading'; windowMs: number }
  | { status: 'ready'; windowMs: number; data: Output<'previewWindow'> }
  | { status: 'error'; windowMs: number; message: string };

interface SettingsState {
  config: AppConfig | null;
  token: Output<'getToken'> | null;
  loadError: string | null;
  /** Which section is being saved, to disable its button meanwhile. */
  saving: string | null;
  preview: PreviewState | null;
  load(): Promise<void>;
  refreshConfig(): Promise<void>;
  save(section: string, patch: ConfigPatch, message?: string): Promise<boolean>;
  previewWindow(windowMs: number): Promise<void>;
  clearPreview(): void;
  regenerateToken(): Promise<void>;
}

let previewRequest = 0;

export const useSettings = create<SettingsState>((set, get) => ({
  config: null,
  token: null,
  loadError: null,
  saving: null,
  preview: null,
  load: async () => {
    const [config, token] = await Promise.all([
      attempt('Loading settings', () => api().getConfig({})),
      attempt('Loading the API token', () => api().getToken({})),
    ]);
    set((s) => ({
      config: config ?? s.config,
      token: token ?? s.token,
      loadError: config ? null : 'The settings could not be loaded.',
    }));
  },
  refreshConfig: async () => {
    if (!get().config) return;
    const config = await attempt('Loading settings', () => api().getConfig({}));
    if (config) set({ config });
  },
  save: async (section, patch, message = 'Settings saved') => {
    set({ saving: section });
    const config = await attempt('Saving settings', () => api().putConfig(patch));
    set({ saving: null });
    if (!config) return false;
    set({ config });
    useApp.getState().notify('info', message);
    return true;
  },
  previewWindow: async (windowMs) => {
    const request = ++previewRequest;
    set({ preview: { status: 'loading', windowMs } });
    try {
      const data = await api().previewWindow({ window: windowMs });
      if (request === previewRequest) set({ preview: { status: 'ready', windowMs, data } });
    } catch (err) {
      if (request === previewRequest) set({ preview: { status: 'error', windowMs, message: errorText(err) } });
    }
  },
  clearPreview: () => {
    previewRequest++;
    set({ preview: null });
  },
  regenerateToken: async () => {
    const token = await attempt('Regenerating the token', () => api().regenerateToken({}));
    if (!token) return;
    // In the browser our own requests carry the token: switch before anything else is sent.
    useApp.getState().transport?.switchToken?.(token.token);
    set({ token });
    useApp.getState().notify('info', 'New token in use; scripts need the new one');
  },
}));
