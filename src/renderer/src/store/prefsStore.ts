import { create } from 'zustand';

export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEMES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

const UTC_KEY = 'outlier-desk-utc';
const THEME_KEY = 'outlier-desk-theme';

// localStorage can throw (disabled storage, file:// quirks); preferences then last for the session only.
function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* session-only preference */
  }
}

const systemDark = matchMedia('(prefers-color-scheme: dark)');
let chosen: ThemeChoice = 'system';

/** Sets `data-theme` on <html>: the chosen theme, or the system's while "system" is chosen (the only place CSS looks). */
export function applyTheme(theme: ThemeChoice): void {
  chosen = theme;
  document.documentElement.dataset.theme = theme === 'system' ? (systemDark.matches ? 'dark' : 'light') : theme;
}
systemDark.addEventListener('change', () => {
  if (chosen === 'system') applyTheme('system');
});

interface PrefsState {
  utc: boolean;
  theme: ThemeChoice;
  setUtc(utc: boolean): void;
  setTheme(theme: ThemeChoice): void;
}

const storedTheme = read(THEME_KEY);

/** The analyst's display preferences, kept in localStorage (per machine, not in the engine's config). */
export const usePrefs = create<PrefsState>((set) => ({
  utc: read(UTC_KEY) === '1',
  theme: (THEMES as readonly string[]).includes(storedTheme ?? '') ? (storedTheme as ThemeChoice) : 'system',
  setUtc: (utc) => {
    write(UTC_KEY, utc ? '1' : '0');
    set({ utc });
  },
  setTheme: (theme) => {
    write(THEME_KEY, theme);
    applyTheme(theme);
    set({ theme });
  },
}));

/** Times in the analyst's zone or UTC: components subscribe to this one flag only. */
export const useUtc = () => usePrefs((s) => s.utc);
