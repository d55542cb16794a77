import { z } from 'zod';
import { AppConfigSchema, ConfigPatchSchema } from './config';
import {
  AnomalyPageSchema,
  AnomalyQuerySchema,
  JobSchema,
  LogDetailSchema,
  LogIdSchema,
  ModelsOverviewSchema,
  OverviewSchema,
  TimelineQuerySchema,
  TimelineSchema,
  WindowPreviewSchema,
} from './schemas/analysis';
import {
  DetectBatchRequestSchema,
  DetectBatchResponseSchema,
  DetectRequestSchema,
  DetectResponseSchema,
  GenerateSampleRequestSchema,
  GenerateSampleResponseSchema,
  MessageSchema,
} from './schemas/original';
import {
  FeedbackRequestSchema,
  FeedbackResponseSchema,
  SuppressionIdSchema,
  SuppressionListSchema,
  SuppressionRuleSchema,
  SuppressionSchema,
  SuppressionUpdateSchema,
} from './schemas/feedback';
import {
  IncidentDetailSchema,
  IncidentIdSchema,
  IncidentPageSchema,
  IncidentQuerySchema,
  IncidentReportSchema,
  ModelDiffQuerySchema,
  ModelDiffSchema,
} from './schemas/incidents';
import {
  AddSourceSchema,
  ExportQuerySchema,
  IngestQuerySchema,
  IngestResultSchema,
  SourceErrorsSchema,
  SourceIdSchema,
  SourceSchema,
} from './schemas/sources';
import {
  FleetAnalyseInputSchema,
  FleetAnalyseResultSchema,
  FleetConnectInputSchema,
  FleetConnectResultSchema,
  FleetConnectionInfoSchema,
  FleetSaveInputSchema,
} from './schemas/fleet';
import { DurationSchema } from './config';
import { OPERATION_NAMES, type OperationName } from './channels';
import { ROUTES, type Route } from './routes';

export { OPERATION_NAMES, type OperationName } from './channels';

const Empty = z.object({}).strict().default({});

/** A feature window as text or ms, within the configuration's own bounds (the same min and max as PUT /config). */
const WindowSchema = DurationSchema.pipe(AppConfigSchema.shape.windowMs.unwrap());

export { TOKEN_META } from './routes';

interface OperationSpec extends Route {
  summary: string;
  input: z.ZodType;
  output: z.ZodType;
}
const op = <I extends z.ZodType, O extends z.ZodType>(spec: Route & { summary: string; input: I; output: O }) => spec;

/**
 * Every operation the UI and scripts can perform. IPC handlers, the preload bridge,
 * HTTP routes, the OpenAPI document and the renderer's transports are all generated
 * from this table, so adding an operation here is the only way to add one.
 */
export const operations = {
  health: op({
    ...ROUTES.health,
    summary: 'Liveness and version',
    input: Empty,
    output: z.object({ status: z.literal('ok'), version: z.string() }),
  }),
  getConfig: op({
    ...ROUTES.getConfig,
    summary: 'Current configuration',
    input: Empty,
    output: AppConfigSchema,
  }),
  putConfig: op({
    ...ROUTES.putConfig,
    summary: 'Change the configuration; a new window recomputes features and retrains',
    input: ConfigPatchSchema,
    output: AppConfigSchema,
  }),
  previewWindow: op({
    ...ROUTES.previewWindow,
    summary: 'Feature distributions a window would give on the current data',
    input: z.object({ window: WindowSchema }).strict(),
    output: WindowPreviewSchema,
  }),
  listSources: op({
    ...ROUTES.listSources,
    summary: 'Sources with progress',
    input: Empty,
    output: z.array(SourceSchema),
  }),
  addSource: op({
    ...ROUTES.addSource,
    summary: 'Add a file or folder on this machine as a source',
    input: AddSourceSchema,
    output: SourceSchema,
  }),
  removeSource: op({
    ...ROUTES.removeSource,
    summary: 'Remove a source and its entries',
    input: SourceIdSchema,
    output: z.object({ removed: z.boolean() }),
  }),
  pauseSource: op({
    ...ROUTES.pauseSource,
    summary: 'Stop watching a source',
    input: SourceIdSchema,
    output: SourceSchema,
  }),
  resumeSource: op({
    ...ROUTES.resumeSource,
    summary: 'Resume watching a source',
    input: SourceIdSchema,
    output: SourceSchema,
  }),
  sourceErrors: op({
    ...ROUTES.sourceErrors,
    summary: 'Kept parse errors of a source',
    input: SourceIdSchema.extend({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
    output: SourceErrorsSchema,
  }),
  generateSample: op({
    ...ROUTES.generateSample,
    summary: 'Write a labelled sample Apache log and ingest it (original route)',
    input: GenerateSampleRequestSchema,
    output: GenerateSampleResponseSchema,
  }),
  generateFeatures: op({
    ...ROUTES.generateFeatures,
    summary: 'Recompute every windowed feature (original route)',
    input: Empty,
    output: JobSchema,
  }),
  trainModels: op({
    ...ROUTES.trainModels,
    summary: 'Train the ensemble now (original route)',
    input: Empty,
    output: JobSchema,
  }),
  reloadModels: op({
    ...ROUTES.reloadModels,
    summary: 'Reload the newest complete model version (original route)',
    input: Empty,
    output: MessageSchema,
  }),
  detect: op({
    ...ROUTES.detect,
    summary: 'Insert one entry, compute its live features and score it (original route)',
    input: DetectRequestSchema,
    output: DetectResponseSchema,
  }),
  detectBatch: op({
    ...ROUTES.detectBatch,
    summary: 'Insert and score up to 10,000 entries',
    input: DetectBatchRequestSchema,
    output: DetectBatchResponseSchema,
  }),
  listAnomalies: op({
    ...ROUTES.listAnomalies,
    summary: 'Scored entries, filtered, cursor-paginated',
    input: AnomalyQuerySchema,
    output: AnomalyPageSchema,
  }),
  getLog: op({
    ...ROUTES.getLog,
    summary: 'One entry with features, scores, thresholds and explanation',
    input: LogIdSchema,
    output: LogDetailSchema,
  }),
  listModels: op({
    ...ROUTES.listModels,
    summary: 'Model versions, live version and schedule',
    input: Empty,
    output: ModelsOverviewSchema,
  }),
  overview: op({
    ...ROUTES.overview,
    summary: 'Counts, live model, top IPs',
    input: Empty,
    output: OverviewSchema,
  }),
  timeline: op({
    ...ROUTES.timeline,
    summary: 'Entries and flagged entries over time',
    input: TimelineQuerySchema,
    output: TimelineSchema,
  }),
  listIncidents: op({
    ...ROUTES.listIncidents,
    summary: 'Flagged entries grouped into incidents, the most anomalous first',
    input: IncidentQuerySchema,
    output: IncidentPageSchema,
  }),
  getIncident: op({
    ...ROUTES.getIncident,
    summary: 'One incident with every entry of its IPs in its period',
    input: IncidentIdSchema,
    output: IncidentDetailSchema,
  }),
  incidentReport: op({
    ...ROUTES.incidentReport,
    summary: 'An incident as a Markdown report and its IPs as a block list',
    input: IncidentIdSchema,
    output: IncidentReportSchema,
  }),
  modelDiff: op({
    ...ROUTES.modelDiff,
    summary:
      'Two model versions compared: flagged counts, incidents that appeared or went, thresholds, feedback between them',
    input: ModelDiffQuerySchema,
    output: ModelDiffSchema,
  }),
  giveFeedback: op({
    ...ROUTES.giveFeedback,
    summary: 'Mark an entry or an incident normal or attack, with a note; normal may add a suppression',
    input: FeedbackRequestSchema,
    output: FeedbackResponseSchema,
  }),
  listSuppressions: op({
    ...ROUTES.listSuppressions,
    summary: 'Suppression rules, with the flagged entries each hides now',
    input: Empty,
    output: SuppressionListSchema,
  }),
  addSuppression: op({
    ...ROUTES.addSuppression,
    summary: 'Hide future flags matching an IP, an endpoint glob and/or a user-agent glob',
    input: SuppressionRuleSchema,
    output: SuppressionSchema,
  }),
  updateSuppression: op({
    ...ROUTES.updateSuppression,
    summary: 'Change a suppression rule (null clears a field)',
    input: SuppressionUpdateSchema,
    output: SuppressionSchema,
  }),
  removeSuppression: op({
    ...ROUTES.removeSuppression,
    summary: 'Remove a suppression rule; what it hid is shown again',
    input: SuppressionIdSchema,
    output: z.object({ removed: z.literal(true) }),
  }),
  getToken: op({
    ...ROUTES.getToken,
    summary: 'The API token and port (for the Settings view)',
    input: Empty,
    output: z.object({ token: z.string(), port: z.number().int().nullable(), dataDir: z.string() }),
  }),
  regenerateToken: op({
    ...ROUTES.regenerateToken,
    summary: 'Replace the API token; scripts must use the new one',
    input: Empty,
    output: z.object({ token: z.string(), port: z.number().int().nullable(), dataDir: z.string() }),
  }),
  fleetConnection: op({
    ...ROUTES.fleetConnection,
    summary: 'The stored ClickHouse connection (never its password) and where the password is kept',
    input: Empty,
    output: FleetConnectionInfoSchema,
  }),
  fleetConnect: op({
    ...ROUTES.fleetConnect,
    summary: "Test a ClickHouse connection: server version, dialect, the table's columns and the detected mapping",
    input: FleetConnectInputSchema,
    output: FleetConnectResultSchema,
  }),
  fleetSaveConnection: op({
    ...ROUTES.fleetSaveConnection,
    summary: 'Store the ClickHouse connection; a given password goes to the secret store, never the settings',
    input: FleetSaveInputSchema,
    output: FleetConnectionInfoSchema,
  }),
  fleetAnalyse: op({
    ...ROUTES.fleetAnalyse,
    summary:
      'Features on the server, a stratified sample trains Isolation Forest here, every row scored on the server; the top rows come back',
    input: FleetAnalyseInputSchema,
    output: FleetAnalyseResultSchema,
  }),
} satisfies Record<OperationName, OperationSpec>;

export type Operations = typeof operations;
// Both directions: every name has a spec (satisfies above) and every spec a name (below).
const _noExtraOperations: Record<keyof Operations, true> = Object.fromEntries(
  OPERATION_NAMES.map((n) => [n, true]),
) as Record<OperationName, true>;
void _noExtraOperations;

export type Input<K extends OperationName> = z.input<Operations[K]['input']>;
export type ParsedInput<K extends OperationName> = z.output<Operations[K]['input']>;
export type Output<K extends OperationName> = z.output<Operations[K]['output']>;

/** What the renderer and scripts call; the engine implements it with parsed inputs. */
export type Api = { [K in OperationName]: (input: Input<K>) => Promise<Output<K>> };
export type ApiHandlers = { [K in OperationName]: (input: ParsedInput<K>) => Promise<Output<K>> };

/**
 * HTTP-only operations whose bodies are streams rather than JSON: their query is validated like
 * any operation's input (api/dispatch.ts parseStreamQuery); the OpenAPI document lists them too.
 * The desktop app needs neither: it adds dropped files by path and reads features in place.
 */
export const streamOperations = {
  ingest: {
    method: 'POST',
    path: '/ingest',
    summary: 'Stream raw log lines in the body; creates an upload source (?name=&format=)',
    description:
      'The body is read as it arrives (any content type, chunked or not, no size limit); gzip is ' +
      'recognised by its magic bytes. Formats: combined (Apache/nginx), jsonl, csv; auto-detected.',
    query: IngestQuerySchema,
    body: 'application/octet-stream',
    output: IngestResultSchema,
  },
  exportFeatures: {
    method: 'GET',
    path: '/features/export',
    summary: 'Features as CSV (source, line_no, ip, ts_ms, features), streamed; ?source= for one source',
    description: 'Written as it is read from the database, one page of rows at a time.',
    query: ExportQuerySchema,
    body: null,
    output: 'text/csv',
  },
} as const;
export type StreamOperationName = keyof typeof streamOperations;
export type StreamQuery<K extends StreamOperationName> = z.output<(typeof streamOperations)[K]['query']>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
