/** The normalised job shape every datasource's parse step produces. Field names are the GraphQL names. */

/**
 * The GraphQL enum `JobProvider`'s values (schema/job.graphql). Central, not read from the
 * registry: the vocabulary floor lies below the providers' (docs/architecture.md, "The floors"),
 * and the configuration, the keys and the schema speak these names; test/datasources/layout.test.ts
 * holds the registry to this list, in this order.
 */
export const JOB_PROVIDERS = [
  'AWS_PANORAMA',
  'AWS_OMICS',
  'TENCENT_COS_BATCH',
  'AWS_IMPORT_EXPORT',
  'AWS_CODEPIPELINE',
  'AWS_BATCH',
] as const;
export type JobProvider = (typeof JOB_PROVIDERS)[number];

export const JOB_STATES = [
  'QUEUED',
  'IN_PROGRESS',
  'PAUSED',
  'CANCELLING',
  'CANCELLED',
  'SUCCEEDED',
  'SUCCEEDED_WITH_ERRORS',
  'FAILED',
  'UNKNOWN',
] as const;
export type JobState = (typeof JOB_STATES)[number];

const TERMINAL_STATES: ReadonlySet<JobState> = new Set<JobState>([
  'CANCELLED',
  'SUCCEEDED',
  'SUCCEEDED_WITH_ERRORS',
  'FAILED',
]);

/** True when a job in this state can no longer change. UNKNOWN is never terminal. */
export function isTerminalState(state: JobState): boolean {
  return TERMINAL_STATES.has(state);
}

/** Fields of the `Job` interface, common to every provider's record. Times are ISO-8601 UTC strings. */
export interface JobRecord {
  id: string;
  provider: JobProvider;
  /**
   * The kind of job it is within its provider, for a kind besides the provider's first
   * (`Provider.kinds`: a HealthOmics `run`); absent on the first kind's records.
   */
  kind?: string;
  nativeId: string;
  /**
   * The name the provider gives the job (AWS Batch `jobName`, CodePipeline's pipeline, COS Batch's
   * description, the HealthOmics reference it imports); null where it gives none.
   */
  name: string | null;
  region: string | null;
  state: JobState;
  providerStatus: string | null;
  statusMessage: string | null;
  terminal: boolean;
  createdAt: string | null;
  updatedAt: string | null;
  completedAt: string | null;
  /**
   * Set (true) on a record kept after its provider forgot the job (answered from the history store, src/history);
   * absent on a live answer.
   */
  retained?: boolean;
  /** A retained record's: when jobgraph last saw the job from its provider (ISO-8601 UTC). */
  lastConfirmedAt?: string;
}

/** A GraphQL `KeyValue` entry; maps (tags, metadata, configuration) are exposed as lists of these. */
export interface KeyValue {
  key: string;
  value: string;
}

/**
 * A provider's status → state table (its statuses as keys), frozen. Its keys are the closed
 * set of statuses its GraphQL `status` enum names: `keyof typeof` the table, read by `tableStatus`.
 */
export function stateTable<const T extends Record<string, JobState>>(table: T): Readonly<T> {
  return Object.freeze(table);
}

/** A provider status as the GraphQL enum value of its table's statuses; one the table does not name is null. */
export function tableStatus<T extends Readonly<Record<string, JobState>>>(
  table: T,
  status: string | null,
): (keyof T & string) | null {
  return status !== null && Object.prototype.hasOwnProperty.call(table, status) ? status : null;
}

/** Map a provider status string through a table; anything not in the table is UNKNOWN, never a crash. */
export function mapState(
  table: Readonly<Record<string, JobState>>,
  status: string | null | undefined,
): JobState {
  if (status == null) return 'UNKNOWN';
  return Object.prototype.hasOwnProperty.call(table, status)
    ? (table[status] as JobState)
    : 'UNKNOWN';
}
