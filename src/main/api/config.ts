import { AppConfigSchema, type AppConfig, type ConfigPatch } from '../../shared/config';
import type { Handlers } from './handlers';
import type { Services } from './services';

type Patch = Omit<ConfigPatch, 'window' | 'windowMs'> & { window?: number; windowMs?: number };

/**
 * Saves configuration changes and carries out what each implies: a new window recomputes every
 * feature and then retrains, another feature set retrains, another schedule reschedules. The
 * follow-up work runs one change after another, in the background.
 */
export class ConfigChanges {
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly s: Services) {}

  async apply(patch: Patch): Promise<AppConfig> {
    const { window, ...rest } = patch;
    // Through the gate: a bulk import's open transaction commits first, so a rolled-back import
    // cannot take the analyst's change with it.
    const { before, saved } = await this.s.gate.write(() => {
      const before = this.s.config.get();
      const next = AppConfigSchema.parse({ ...before, ...rest, ...(window !== undefined ? { windowMs: window } : {}) });
      const saved = this.s.config.set(next);
      if (saved.retrainEveryHours !== before.retrainEveryHours) this.s.scheduler.reschedule();
      return { before, saved };
    });
    this.s.events.emit({ type: 'config-changed' });
    if (saved.windowMs !== before.windowMs) {
      this.applying = this.applying.then(() =>
        this.retrain('window changed', async () => void (await this.s.features.recomputeAll())),
      );
    } else if (saved.featureSet !== before.featureSet) {
      // The `original` features are always kept current: only the models change.
      this.applying = this.applying.then(() => this.retrain('feature set changed', async () => undefined));
    }
    return saved;
  }

  /** Resolves when the follow-up work of every change so far has ended. */
  idle(): Promise<void> {
    return this.applying.catch(() => undefined);
  }

  private async retrain(reason: string, prepare: () => Promise<void>): Promise<void> {
    try {
      this.s.detector.resetWindow();
      await prepare();
      if (this.s.models.liveVersion !== null || this.s.db.prepare('SELECT 1 FROM logs LIMIT 1').get()) {
        await this.s.models.trainWhenIdle(reason);
      }
    } catch (err) {
      this.s.logger.error({ err }, `applying the new configuration failed (${reason})`);
    }
  }
}

export function configHandlers(s: Services, changes: ConfigChanges): Handlers<'getConfig' | 'putConfig'> {
  return {
    getConfig: async () => s.config.get(),
    putConfig: async (patch) => changes.apply(patch),
  };
}
