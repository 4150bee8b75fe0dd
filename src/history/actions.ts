/**
 * The audit of actions on jobs in the history store (`job_actions`, migration 2), read back as
 * `Job.actionsTaken`: one row per action that called its provider, written before the call
 * (`begin`); the answers that made no call (a refusal, ALREADY_FINISHED, NOT_APPLIED…) changed
 * nothing, and are one row per subject, job, action and outcome in a window of
 * COALESCE_WINDOW_MS (migration 13), written off the request path in batches: the first answer
 * writes it, the later ones add to its `count` and move its `last_at`, in this process's queue
 * and, across replicas sharing the store, in the database (an upsert on the row's key). The rows
 * carry no token and no signature: subject, action, reason, outcome, account alias and the
 * provider's request ID only, each storable (storableText.ts); a batch the database refuses is
 * written again row by row, so one refused row fails alone.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { HistoryDatabase } from './database.ts';
import { writePartByPart } from './rowByRow.ts';
import { storableOrNull, storableText } from './storableText.ts';
import type { JobActionsTable } from './tables.ts';

/** One action taken on a job or refused, as the audit keeps it. */
export interface JobActionEntry {
  jobId: string;
  /** ISO-8601 UTC. */
  at: string;
  action: 'CANCEL' | 'TERMINATE' | 'RERUN';
  subject: string | null;
  reason: string;
  outcome: string;
  provider: string;
  /** The account's alias. */
  account: string;
  requestId: string | null;
}

/** One row of the audit as `Job.actionsTaken` reads it: an entry and how many answers it stands for. */
export interface TakenAction extends JobActionEntry {
  /** 1 for an action that called its provider; a coalesced row's answers. */
  count: number;
  /** ISO-8601 UTC: the last of its answers (`at` when there was one). */
  lastAt: string;
}

/** The window (ms, 10 minutes) within which the answers that made no call are one row each (migration 13). */
const COALESCE_WINDOW_MS = 10 * 60_000;

/** The start (ms since the epoch) of the coalescing window that holds `atMs`. */
export const windowOf = (atMs: number): number =>
  Math.floor(atMs / COALESCE_WINDOW_MS) * COALESCE_WINDOW_MS;

/**
 * Most rows waiting to be written; beyond, a new row is dropped and counted (never a slower
 * answer). An answer whose row waits already adds to it, never dropped.
 */
const ACTION_QUEUE_MAX = 10_000;
/** Most rows one statement inserts: 13 parameters a row keeps it under SQLite's 32,766. */
const ACTION_BATCH_MAX = 1000;
/** Most rows one job's `actionsTaken` answers, newest kept. */
const ACTIONS_PER_JOB_MAX = 100;

export class ActionLog {
  /** The rows waiting, by their `coalesce_key`. */
  #queue = new Map<string, JobActionsTable>();
  #writing: Promise<void> | null = null;

  /**
   * `count` is told of rows written, coalesced (an answer added to a waiting row), dropped (queue
   * full) or failed (the database refused the row, or failed); `onRefused` once a batch of the
   * rows the database refused (each tried on its own) while it wrote the others: how many, and
   * the first refusal's code, never the rows' content.
   */
  constructor(
    private readonly database: HistoryDatabase,
    private readonly count?: (
      outcome: 'written' | 'coalesced' | 'dropped' | 'failed',
      n: number,
    ) => void,
    private readonly onRefused?: (rows: number, code: string) => void,
  ) {}

  /**
   * An answer that made no call: its window's row queued, or, when that row waits already, added
   * to it; written with the others queued in the same turn. Its reason is the first answer's.
   */
  record(entry: JobActionEntry): void {
    const key = coalesceKeyOf(entry);
    const waiting = this.#queue.get(key);
    if (waiting) {
      waiting.count += 1;
      const at = storableText(entry.at);
      if (at > (waiting.last_at ?? waiting.at)) waiting.last_at = at;
      this.count?.('coalesced', 1);
      return;
    }
    if (this.#queue.size >= ACTION_QUEUE_MAX) {
      this.count?.('dropped', 1);
      return;
    }
    // Storable text (storableText.ts): a reason with a NUL is audited, its NUL replaced.
    this.#queue.set(key, { ...this.#row(entry), coalesce_key: key });
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
      count: 1,
      last_at: storableText(entry.at),
      coalesce_key: null,
    };
  }

  /**
   * Insert `rows`, each coalesced row added to the row of its key that another process (or an
   * earlier batch) wrote: its count summed, its `last_at` the later.
   */
  async #insert(rows: JobActionsTable[]): Promise<void> {
    await this.database.db
      .insertInto('job_actions')
      .values(rows)
      .onConflict((oc) =>
        oc.column('coalesce_key').doUpdateSet({
          count: sql<number>`job_actions.count + excluded.count`,
          last_at: sql<string>`CASE WHEN excluded.last_at > job_actions.last_at THEN excluded.last_at ELSE job_actions.last_at END`,
        }),
      )
      .execute();
  }

  /**
   * Write the queue from the next turn until it is empty: `#writing` stays set until the last row
   * is committed, so a read (`forJob`) or `flush` after `record` waits for it.
   */
  async #drain(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#queue.size > 0) await this.#write();
    this.#writing = null;
  }

  async #write(): Promise<void> {
    const rows: JobActionsTable[] = [];
    for (const [key, row] of this.#queue) {
      if (rows.length === ACTION_BATCH_MAX) break;
      rows.push(row);
      this.#queue.delete(key);
    }
    if (rows.length === 0) return;
    try {
      await this.#insert(rows);
      this.count?.('written', rows.length);
    } catch (e) {
      // Row by row, so that a row the database refuses never costs another caller's audit.
      const { refused, code, down } = await writePartByPart(this.database, rows, e, (row) =>
        this.#insert([row]),
      );
      if (refused.length < rows.length) this.count?.('written', rows.length - refused.length);
      if (refused.length > 0) this.count?.('failed', refused.length);
      if (down === null && refused.length > 0)
        this.onRefused?.(refused.length, code ?? 'write failed');
    }
  }

  /** The rows of `jobId`, oldest first (the last ACTIONS_PER_JOB_MAX), after what this process has queued is written. */
  async forJob(jobId: string): Promise<TakenAction[]> {
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
      count: r.count,
      lastAt: r.last_at ?? r.at,
    }));
  }

  /** Write what is queued (at shutdown, before the database closes). */
  async flush(): Promise<void> {
    await this.#writing;
    while (this.#queue.size) await this.#write();
  }
}

/**
 * The key of `entry`'s coalesced row: a digest (a bounded index entry, whatever the caller's ID
 * text) of its subject, job, action, outcome and window.
 */
function coalesceKeyOf(entry: JobActionEntry): string {
  const window = windowOf(Date.parse(entry.at));
  return createHash('sha256')
    .update(JSON.stringify([entry.subject, entry.jobId, entry.action, entry.outcome, window]))
    .digest('hex');
}
