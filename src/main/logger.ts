import pino, { type Logger } from 'pino';

export type { Logger };

/** One structured logger for the engine; quiet in tests unless LOG_LEVEL says otherwise. */
export function createLogger(name = 'outlier-desk'): Logger {
  const level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  return pino({ name, level });
}
