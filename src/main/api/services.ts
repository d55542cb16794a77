import type { FeaturePipeline } from '../features/featurePipeline';
import type { DetectService } from '../models/detectService';
import type { EventBus } from '../events';
import type { FeedbackStore } from '../feedback/feedbackStore';
import type { FleetService } from '../fleet/fleetService';
import type { IncidentStore } from '../incidents/incidentStore';
import type { IngestService } from '../ingest/ingestService';
import type { Logger } from '../logger';
import type { ModelService } from '../models/modelService';
import type { Scheduler } from '../models/scheduler';
import type { TokenStore } from '../store/tokenStore';
import type { ConfigStore } from '../store/configStore';
import type { WriteGate } from '../store/writeGate';
import type { Db } from '../store/db';

/** What the operations work with: the engine's store and services (the engine builds them). */
export interface Services {
  readonly db: Db;
  readonly dbPath: string;
  readonly dataDir: string;
  readonly logger: Logger;
  readonly events: EventBus;
  /** Every write of the operations goes through it (store/writeGate.ts). */
  readonly gate: WriteGate;
  readonly config: ConfigStore;
  readonly tokens: TokenStore;
  readonly ingest: IngestService;
  readonly features: FeaturePipeline;
  readonly models: ModelService;
  readonly detector: DetectService;
  readonly scheduler: Scheduler;
  readonly incidents: IncidentStore;
  readonly feedback: FeedbackStore;
  readonly fleet: FleetService;
}
