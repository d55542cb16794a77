import { APP_VERSION } from '../../shared/version';
import type { Handlers } from './handlers';
import type { Services } from './services';

export interface SystemHooks {
  /** The port the loopback API listens on, null while it does not. */
  httpPort(): number | null;
  /** Called after the token changed (the HTTP server ends streams opened with the old one). */
  tokenChanged(): void;
}

export function systemHandlers(s: Services, hooks: SystemHooks): Handlers<'health' | 'getToken' | 'regenerateToken'> {
  const tokenInfo = () => ({ token: s.tokens.get(), port: hooks.httpPort(), dataDir: s.dataDir });
  return {
    health: async () => ({ status: 'ok', version: APP_VERSION }),
    getToken: async () => tokenInfo(),
    regenerateToken: async () => {
      s.tokens.regenerate();
      hooks.tokenChanged();
      return tokenInfo();
    },
  };
}
