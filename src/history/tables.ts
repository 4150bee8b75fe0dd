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
}

export interface SchemaTable {
  version: number;
  applied_at: Generated<string>;
}

export interface HistoryTables {
  jobs: JobsTable;
  transitions: TransitionsTable;
  job_actions: JobActionsTable;
  jobgraph_schema: SchemaTable;
}
