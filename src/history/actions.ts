/**
 * The audit of actions on jobs in the history store (`job_actions`, migration 2): one row per
 * action taken or refused, written off the request path in batches, read back as
 * `Job.actionsTaken`. The rows carry no token and no signature: subject, action, reason, outcome,
 * account alias and the provider's request ID only.
 */
import type { HistoryDatabase } from './database.ts';
import type { JobActionsTable } from './tables.ts';

/** One action taken on a job or refused, as the audit keeps it. */
export interface JobActionEntry {
  jobId: string;
  /** ISO-8601 UTC. */
  at: string;
  action: 'CANCEL' | 'TERMINATE';
  subject: string | null;
  reason: string;
  outcome: string;
  provider: string;
  /** The account's alias. */
  account: string;
  requestId: string | null;
}

/** Most rows waiting to be written; beyond, a row is dropped and counted (never a slower answer). */
export const ACTION_QUEUE_MAX = 10_000;
/** Most rows one job's `actionsTaken` answers, newest kept. */
export const ACTIONS_PER_JOB_MAX = 100;

export class ActionLog {
  #queue: JobActionsTable[] = [];
  #writing: Promise<void> | null = null;

  /** `count` is told of rows written, dropped (queue full) or failed (the database refused the batch). */
  constructor(
    private readonly database: HistoryDatabase,
    private readonly count?: (outcome: 'written' | 'dropped' | 'failed', n: number) => void,
  ) {}

  /** Queue one row; written with the others queued in the same turn. */
  record(entry: JobActionEntry): void {
    if (this.#queue.length >= ACTION_QUEUE_MAX) {
      this.count?.('dropped', 1);
      return;
    }
    this.#queue.push({
      job_id: entry.jobId,
      at: entry.at,
      action: entry.action,
      subject: entry.subject,
      reason: entry.reason,
      outcome: entry.outcome,
      provider: entry.provider,
      account: entry.account,
      request_id: entry.requestId,
    });
    this.#writing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.#write(),
    );
  }

  async #write(): Promise<void> {
    const rows = this.#queue;
    this.#queue = [];
    this.#writing = null;
    if (rows.length === 0) return;
    try {
      await this.database.db.insertInto('job_actions').values(rows).execute();
      this.count?.('written', rows.length);
    } catch {
      this.count?.('failed', rows.length);
    }
  }

  /** The rows of `jobId`, oldest first (the last ACTIONS_PER_JOB_MAX), after what this process has queued is written. */
  async forJob(jobId: string): Promise<JobActionEntry[]> {
    await this.#writing;
    const rows = await this.database.db
      .selectFrom('job_actions')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('at', 'desc')
      .limit(ACTIONS_PER_JOB_MAX)
      .execute();
    return rows.reverse().map((r) => ({
      jobId: r.job_id,
      at: r.at,
      action: r.action as JobActionEntry['action'],
      subject: r.subject,
      reason: r.reason,
      outcome: r.outcome,
      provider: r.provider,
      account: r.account,
      requestId: r.request_id,
    }));
  }

  /** Write what is queued (at shutdown, before the database closes). */
  async flush(): Promise<void> {
    await this.#writing;
    if (this.#queue.length) await this.#write();
  }
}
