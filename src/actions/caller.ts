/**
 * What a request brings to an action on jobs (jobActions.ts): what one mutation field asks, who
 * asks and what they may do, what one job's result is, and what the request's action fields did
 * so far (one action per job per request).
 */
import type { JobActionName } from '../config/types.ts';
import type { JobKey } from '../model/globalId.ts';
import type { JobProvider, JobRecord } from '../model/job.ts';

/** The GraphQL names of the actions (`JobAction`). */
export type JobActionValue = 'CANCEL' | 'TERMINATE' | 'RERUN';
export type JobActionOutcome =
  | 'REQUESTED'
  | 'ALREADY_FINISHED'
  | 'NOT_APPLIED'
  | 'NOT_SUPPORTED'
  | 'WOULD_APPLY'
  | 'FAILED'
  | 'REFUSED';

/** One job's result (`JobActionResult`). */
export interface JobActionResult {
  id: string;
  action: JobActionValue;
  outcome: JobActionOutcome;
  message: string;
  providerCode: string | null;
  job: JobRecord | null;
  /** A rerun's new job (`JobActionResult.rerun`), as read right after it was submitted; else absent. */
  rerun?: JobRecord | null;
}

/** What one mutation field asks. */
export interface JobActionRequest {
  /** The field (`cancelJob`, `terminateJob`, `cancelJobs`, `rerunJob`, `rerunJobs`). */
  field: string;
  /** Its response key (its alias, else its name): an Idempotency-Key is scoped to it. */
  responseKey: string;
  ids: readonly string[];
  action: JobActionName;
  /** cancelJobs: a started job that only terminate stops is terminated. */
  terminateRunning: boolean;
  dryRun: boolean;
  reason: string;
}

/** What the caller may do, as the request's context decides it from the token. */
export interface ActionGrant {
  /** The refusal of a caller without `jobs:write`; null with it. */
  writeRefusal(field: string): (Error & { code: string }) | null;
  /** May the caller act in `provider`'s account aliased `alias` (the accounts claim, as for reads)? */
  permits(provider: JobProvider, alias: string): boolean;
}

/** Who asks, as the request's context knows them. */
export interface JobActionCaller extends ActionGrant {
  /** The token's subject (never the token). */
  subject: string | null;
  requestId: string;
  /** The `Idempotency-Key` header as sent; undefined without one. */
  idempotencyKey: string | undefined;
  /** Who asks, as the caller rate counts them (Identity.callerKey): an Idempotency-Key's scope. */
  callerKey: string;
  /** The token's accounts and scopes, canonical: part of an Idempotency-Key's fingerprint. */
  grantKey: string;
  /** A job read through the request's loader and budget (the account already decided). */
  loadJob(key: JobKey, field: string): Promise<JobRecord>;
  /** The audited FORBIDDEN of an account the caller may not act in (the request's account audit). */
  refuseAccount(field: string, key: JobKey, account: string): Error;
  /** Register a record's secret values before anything is built from it (auth/secretValues.ts). */
  learn(record: JobRecord): void;
  /** Text with every known secret value and secret-shaped string redacted: what the audit keeps of a reason. */
  scrub(text: string): string;
  /** What the request's action fields did so far: one action per job per request. */
  acts: RequestActs;
  /**
   * Count the job in the request's budget of distinct upstream jobs (JOBGRAPH_MAX_JOBS_PER_REQUEST)
   * before a write call (a job already read counts once): the refusal when it would be one too
   * many, else null.
   */
  countJob(key: JobKey): (Error & { code: string }) | null;
}

/**
 * What one request's action fields did to each job (one per request, made by its context). A job
 * named by several fields, aliases or list entries of one request is acted on once per action:
 * every other asking of that action answers the first one's result, unaudited (nothing more was
 * done). Another action on the same job in the same request (cancel, then terminate) is judged on
 * the job as the first action left it (its read after the call), not on the state read before.
 * Mutation root fields run one after the other, so a later field finds an earlier one's promise.
 */
export class RequestActs {
  readonly #calls = new Map<string, Promise<JobActionResult>>();
  readonly #after = new Map<string, JobRecord>();

  /** The result of the call made for `action` on the job `id` in this request, if one was made. */
  callOf(id: string, action: JobActionName): Promise<JobActionResult> | undefined {
    return this.#calls.get(`${id}\u0000${action}`);
  }

  /** The call made for `action` on the job `id`: later askings answer its result. */
  called(id: string, action: JobActionName, result: Promise<JobActionResult>): void {
    this.#calls.set(`${id}\u0000${action}`, result);
  }

  /** The job `id` as read after this request's last action on it; undefined before any. */
  after(id: string): JobRecord | undefined {
    return this.#after.get(id);
  }

  /** The job `id` as read after an action on it. */
  readAfter(id: string, record: JobRecord): void {
    this.#after.set(id, record);
  }
}
