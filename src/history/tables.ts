/** The history store's tables, as Kysely types them (migrations.ts creates them). */
import type { Generated } from 'kysely';

export interface JobsTable {
  /** The job's integer key, numbered by the database as jobs are stored (migration 3). */
  seq: Generated<number>;
  id: string;
  provider: string;
  account: string;
  region: string | null;
  state: string;
  provider_status: string | null;
  status_message: string | null;
  name: string | null;
  queue: string | null;
  created_at: string | null;
  finished_at: string | null;
  /** finished_at, else created_at, else first seen: the key of the newest-first order. */
  sort_at: string;
  terminal: number;
  last_confirmed_at: string;
  record: string;
  /** The job's failure category (`Job.failure`) when it failed or was cancelled (migration 14). */
  failure_category: string | null;
}

export interface TransitionsTable {
  /** The job's `jobs.seq`: the key its transitions are found by (the index grows at its end). */
  job_seq: number | null;
  job_id: string;
  at: string;
  from_state: string | null;
  to_state: string;
  provider_status: string | null;
  source: string;
  event_id: string | null;
  /** When a provider read contradicted this event's word (migration 6); null otherwise. */
  contradicted_at: string | null;
  /**
   * Its place among the job's transitions, 1 for the first (migration 6; null for the rows written
   * before it): unique per job, so replicas writing the same change write one row.
   */
  ordinal: number | null;
}

/** A transition's own columns, in the order the writer inserts them and the reader reads them. */
export const TRANSITION_FIELDS = [
  'at',
  'from_state',
  'to_state',
  'provider_status',
  'source',
  'event_id',
] as const satisfies readonly (keyof TransitionsTable)[];

/** A jobs row as the writer gives it: the database numbers `seq`. */
export type JobRow = Omit<JobsTable, 'seq'>;

/** A transitions row as the writer gives it: `job_seq` is looked up from the job's ID as it is written. */
export type TransitionRow = Omit<TransitionsTable, 'job_seq' | 'contradicted_at'>;

/** One action taken on a job, or refused (history/actions.ts). */
export interface JobActionsTable {
  job_id: string;
  at: string;
  /** `CANCEL` or `TERMINATE`. */
  action: string;
  subject: string | null;
  reason: string;
  /** A JobActionOutcome. */
  outcome: string;
  provider: string;
  /** The account's alias. */
  account: string;
  /** The provider's request ID of the call, when one was made. */
  request_id: string | null;
  /** The action's own ID, for a row written before its call and settled after it (migration 6); null for the others. */
  action_id: string | null;
  /** How many answers the row stands for (migration 13): 1 but for a coalesced row. */
  count: number;
  /** When the last of them was (ISO; migration 13); null on rows written before it. */
  last_at: string | null;
  /** The digest of a coalesced row's subject, job, action, outcome and window (migration 13); null for the others. */
  coalesce_key: string | null;
}

/** A notification rule (migration 6, notifications/ruleStore.ts). */
export interface NotificationRulesTable {
  id: string;
  name: string;
  /** The creator's token subject. */
  owner: string | null;
  /** The account aliases the rule holds, JSON (`["*"]`: every account): its creator's grant or within it. */
  accounts: string;
  /** The JobHistoryFilter it matches, JSON. */
  filter: string;
  /** Its NotificationTriggers, comma-separated. */
  triggers: string;
  stuck_after_seconds: number | null;
  stuck_factor: number | null;
  /** WEBHOOK, SLACK or TEAMS. */
  target_kind: string;
  /** The target URL, sealed (notifications/secretBox.ts). */
  target_sealed: string;
  /** The target URL masked, as the graph shows it. */
  target_shown: string;
  /** The `whsec_` secret, sealed (WEBHOOK only). */
  secret_sealed: string | null;
  /** The secret before the last rotation, sealed: it signs too while the rotation lasts. */
  previous_secret_sealed: string | null;
  /** Until when (ISO) the previous secret signs too (migration 8); null: no rotation under way. */
  previous_secret_until: string | null;
  /** 1 when the rule's creator held `jobs:logs:read` (migration 8): its job.failed carry log lines. */
  creator_reads_logs: number;
  /** SLACK and TEAMS: the seconds whose deliveries go as one message (migration 15); 0: none. */
  group_window_seconds: number;
  /** Until when (ISO) it delivers nothing (migration 15); null: not muted. */
  muted_until: string | null;
  /** Since when (ISO) its target has failed without a success (migration 15); null: it has not. */
  failing_since: string | null;
  enabled: number;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** A delivery of the outbox: one per rule, job and transition (its ID is the `webhook-id`). */
export interface NotificationDeliveriesTable {
  id: string;
  rule_id: string;
  job_id: string | null;
  /** `job.failed`, …, `test`. */
  type: string;
  /** The JSON body's `data` and facts, without secrets. */
  payload: string;
  /** PENDING, RETRYING, DELIVERED or FAILED; AWAITING an event's confirming read (never sent as it is). */
  status: string;
  attempts: number;
  /** When the next attempt is due (ISO); null once DELIVERED or FAILED. */
  next_attempt_at: string | null;
  created_at: string;
}

/** One attempt of a delivery. */
export interface NotificationAttemptsTable {
  delivery_id: string;
  at: string;
  status_code: number | null;
  /** The error's kind (timeout, connection, refused: …), never a URL or a body. */
  error: string | null;
  duration_ms: number;
}

/** The audit of rule changes: created, updated, deleted, disabled, tested, redelivered. */
interface NotificationRuleChangesTable {
  rule_id: string;
  at: string;
  change: string;
  subject: string | null;
  reason: string | null;
}

interface SchemaTable {
  version: number;
  applied_at: Generated<string>;
}

/** The store's identity, one row (migration 9, storeIdentity.ts). */
interface StoreTable {
  id: string;
}

/** One place's job-event coverage evidence (migration 10, coverageEvidence.ts). */
interface EventCoverageTable {
  provider: string;
  /** The account's alias. */
  account: string;
  /** '' for a provider without regions. */
  region: string;
  live: number;
  reason: string | null;
  /** When its last event was applied (ISO); null: none yet. */
  last_event_at: string | null;
  /** Its usual gap between applied events, ms (0: not learned yet). */
  usual_gap_ms: number;
  updated_at: string;
}

/** One rerun of a job (migration 16, history/reruns.ts). */
export interface JobRerunsTable {
  /** The global ID of the job rerun. */
  source_id: string;
  /** The rerun's key: a digest of the Idempotency-Key (or the request) and who asked. */
  rerun_key: string;
  provider: string;
  /** The account's alias. */
  account: string;
  subject: string | null;
  /** The new job's global ID; null until the provider's answer (or a lookup) gave it. */
  new_job_id: string | null;
  created_at: string;
  /** When the call was last taken on (ISO): a row without a result older than the lease is taken again. */
  claimed_at: string;
  settled_at: string | null;
}

export interface HistoryTables {
  jobs: JobsTable;
  transitions: TransitionsTable;
  job_actions: JobActionsTable;
  job_reruns: JobRerunsTable;
  notification_rules: NotificationRulesTable;
  notification_deliveries: NotificationDeliveriesTable;
  notification_attempts: NotificationAttemptsTable;
  notification_rule_changes: NotificationRuleChangesTable;
  jobgraph_schema: SchemaTable;
  jobgraph_store: StoreTable;
  event_coverage: EventCoverageTable;
}
