import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../../shared/config';
import type { Engine } from '../engine';
import { createHttpServer, listen } from './server';

/**
 * The desktop app's loopback API, following the Settings: switched on or off and moved to
 * another port as soon as the configuration changes, without restarting the app.
 */
export class ApiServer {
  private server: FastifyInstance | null = null;
  private port: number | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly off: () => void;

  constructor(private readonly engine: Engine) {
    this.off = engine.events.on((e) => {
      if (e.type === 'config-changed') void this.apply(engine.config.get());
    });
  }

  /** Brings the server in line with the configuration (serialised; a failure is logged, not thrown). */
  apply(config: Pick<AppConfig, 'apiEnabled' | 'apiPort'>): Promise<void> {
    this.chain = this.chain.then(async () => {
      const wanted = config.apiEnabled ? config.apiPort : null;
      if (wanted === this.port && (wanted === null || this.server)) return;
      await this.stopServer();
      if (wanted === null) return;
      try {
        const server = await createHttpServer(this.engine);
        this.engine.httpListening(await listen(server, wanted));
        this.server = server;
        this.port = wanted;
      } catch (err) {
        this.engine.logger.error({ err }, 'loopback API not started');
      }
    });
    return this.chain;
  }

  async close(): Promise<void> {
    this.off();
    await this.chain;
    await this.stopServer();
  }

  private async stopServer(): Promise<void> {
    const s = this.server;
    this.server = null;
    this.port = null;
    this.engine.httpListening(null);
    await s?.close();
  }
}
