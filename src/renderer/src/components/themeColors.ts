import { useSyncExternalStore } from 'react';
import { usePrefs } from '../store/prefsStore';

/** Canvas charts cannot use CSS variables, so they read the resolved colours of the current theme. */
export interface ThemeColors {
  text: string;
  muted: string;
  border: string;
  accent: string;
  danger: string;
  warn: string;
  ok: string;
  panel: string;
}

const NAMES: (keyof ThemeColors)[] = ['text', 'muted', 'border', 'accent', 'danger', 'warn', 'ok', 'panel'];

let cachedKey = '';
let cached: ThemeColors = {
  text: '#1d2330',
  muted: '#667085',
  border: '#d9dde5',
  accent: '#3457d5',
  danger: '#c4321f',
  warn: '#b26b00',
  ok: '#1f8a4c',
  panel: '#ffffff',
};

function snapshot(): ThemeColors {
  const style = getComputedStyle(document.documentElement);
  const values = NAMES.map((n) => style.getPropertyValue(`--${n}`).trim());
  const key = values.join('|');
  if (key !== cachedKey && values.every(Boolean)) {
    cachedKey = key;
    cached = Object.fromEntries(NAMES.map((n, i) => [n, values[i]])) as unknown as ThemeColors;
  }
  return cached;
}

function subscribe(onChange: () => void): () => void {
  const media = matchMedia('(prefers-color-scheme: dark)');
  media.addEventListener('change', onChange);
  const off = usePrefs.subscribe(onChange);
  return () => {
    media.removeEventListener('change', onChange);
    off();
  };
}

export const useThemeColors = (): ThemeColors => useSyncExternalStore(subscribe, snapshot);

/** A theme colour (#rrggbb) with transparency, for fills under lines; canvas needs plain rgba(). */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return color;
  const [r, g, b] = m.slice(1).map((h) => parseInt(h, 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
