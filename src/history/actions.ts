/**
 * The audit of actions on jobs in the history store (`job_actions`, migration 2): one row per
 * action taken or refused, written off the request path in batches, read back as
 * `Job.actionsTaken`. The rows carry no token and no signature: subject, action, reason, outcome,
 * account alias and the provider's request ID only, each storable (storableText.ts); a batch the
 * database refuses is written again row by row, so one refused row fails alone.
 */
import type { HistoryDatabase } from './database.ts';
import { writePartByPart } from './rowByRow.ts';
import { storableOrNull, storableText } from './storableText.ts';
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
/** Most rows one statement inserts: 9 parameters a row keeps it under SQLite's 32,766. */
const ACTION_BATCH_MAX = 1000;
/** Most rows one job's `actionsTaken` answers, newest kept. */
export const ACTIONS_PER_JOB_MAX = 100;

export class ActionLog {
  #queue: JobActionsTable[] = [];
  #writing: Promise<void> | null = null;

  /**
   * `count` is told of rows written, dropped (queue full) or failed (the database refused the row,
   * or failed); `onRefused` once a batch of the rows the database refused (each tried on its own)
   * while it wrote the others: how many, and the first refusal's code, never the rows' content.
   */
  constructor(
    private readonly database: HistoryDatabase,
    private readonly count?: (outcome: 'written' | 'dropped' | 'failed', n: number) => void,
    private readonly onRefused?: (rows: number, code: string) => void,
  ) {}

  /** Queue one row; written with the others queued in the same turn. */
  record(entry: JobActionEntry): void {
    if (this.#queue.length >= ACTION_QUEUE_MAX) {
      this.count?.('dropped', 1);
      return;
    }
    // Storable text (storableText.ts): a reason with a NUL is audited, its NUL replaced.
    this.#queue.push(this.#row(entry));
    this.#writing ??= this.#drain();
  }

  /**
   * The row of an action about to call its provider, written now and durable when this resolves
   * (outcome `PENDING`, keyed by `actionId`); rejects when the database does not take it, and
   * then the action must not be made.
   */
  async begin(entry: JobActionEntry, actionId: string): Promise<void> {
    try {
      await this.database.db
        .insertInto('job_actions')
        .values({ ...this.#row(entry), outcome: 'PENDING', action_id: actionId })
        .execute();
    } catch (e) {
      this.count?.('failed', 1);
      throw e;
    }
    this.count?.('written', 1);
  }

  /** The row `begin` wrote for `actionId`, given the action's outcome; rejects when it cannot be. */
  async settle(actionId: string, outcome: string, requestId: string | null): Promise<void> {
    await this.database.db
      .updateTable('job_actions')
      .set({ outcome: storableText(outcome), request_id: storableOrNull(requestId) })
      .where('action_id', '=', actionId)
      .execute();
  }

  /** A row of `entry`, each text storable (storableText.ts). */
  #row(entry: JobActionEntry): JobActionsTable {
    return {
      job_id: storableText(entry.jobId),
      at: storableText(entry.at),
      action: entry.action,
      subject: storableOrNull(entry.subject),
      reason: storableText(entry.reason),
      outcome: storableText(entry.outcome),
      provider: storableText(entry.provider),
      account: storableText(entry.account),
      request_id: storableOrNull(entry.requestId),
      action_id: null,
    };
  }

  /**
   * Write the queue from the next turn until it is empty: `#writing` stays set until the last row
   * is committed, so a read (`forJob`) or `flush` after `record` waits for it.
   */
  async #drain(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#queue.length > 0) await this.#write();
    this.#writing = null;
  }

  async #write(): Promise<void> {
    const rows = this.#queue.splice(0, ACTION_BATCH_MAX);
    if (rows.length === 0) return;
    try {
      await this.database.db.insertInto('job_actions').values(rows).execute();
      this.count?.('written', rows.length);
    } catch (e) {
      // Row by row, so that a row the database refuses never costs another caller's audit.
      const { refused, code, down } = await writePartByPart(this.database, rows, e, (row) =>
        this.database.db
          .insertInto('job_actions')
          .values(row)
          .execute()
          .then(() => undefined),
      );
      if (refused.length < rows.length) this.count?.('written', rows.length - refused.length);
      if (refused.length > 0) this.count?.('failed', refused.length);
      if (down === null && refused.length > 0)
        this.onRefused?.(refused.length, code ?? 'write failed');
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
