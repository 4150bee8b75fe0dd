/**
 * Reruns in the history store (`job_reruns`, migration 16; docs/actions.md "Rerun"): the durable
 * row that stands in for the client token AWS Batch's SubmitJob lacks. A row is written, and
 * committed, before the call (`claim`); the new job's ID after the answer (`settle`). A request
 * that finds a row with a result answers it; one that finds a row without (another replica mid-call,
 * or a process that died between the row and the answer) looks for the job by its tags, and takes
 * the call on again (`retake`) only once the row's lease has run out. `Job.rerunOf` and
 * `Job.reruns` read the rows back. Portable SQL (SQLite and PostgreSQL): an insert that does
 * nothing on conflict, then a read; a compare-and-set update for taking a call on again.
 */
import type { HistoryDatabase } from './database.ts';
import { storableOrNull, storableText } from './storableText.ts';
import type { JobRerunsTable } from './tables.ts';

// duplicates: data — named constants, each its own value and reason
/** How long (ms, 60 s) a row without a result is another's call under way, not a lost one. */
export const RERUN_LEASE_MS = 60_000;
/** Most reruns `Job.reruns` answers, newest kept. */
const RERUNS_PER_JOB_MAX = 100;

/** A rerun row, as read. */
export interface RerunRow {
  sourceId: string;
  rerunKey: string;
  provider: string;
  account: string;
  newJobId: string | null;
  createdAt: string;
  claimedAt: string;
}

/** What `claim` found: the row is this caller's to call (`mine`), or another's (as it stands). */
export type RerunClaim = { mine: true; row: RerunRow } | { mine: false; row: RerunRow };

const rowOf = (r: JobRerunsTable): RerunRow => ({
  sourceId: r.source_id,
  rerunKey: r.rerun_key,
  provider: r.provider,
  account: r.account,
  newJobId: r.new_job_id,
  createdAt: r.created_at,
  claimedAt: r.claimed_at,
});

export class RerunLog {
  constructor(private readonly database: HistoryDatabase) {}

  /**
   * The row of (`sourceId`, `rerunKey`): written now (durable when this resolves) if there was
   * none, then `mine`; else the row found. Rejects when the database does not take it: then the
   * rerun must not be made.
   */
  async claim(entry: {
    sourceId: string;
    rerunKey: string;
    provider: string;
    account: string;
    subject: string | null;
    at: string;
  }): Promise<RerunClaim> {
    const db = this.database.db;
    const inserted = await db
      .insertInto('job_reruns')
      .values({
        source_id: storableText(entry.sourceId),
        rerun_key: entry.rerunKey,
        provider: entry.provider,
        account: storableText(entry.account),
        subject: storableOrNull(entry.subject),
        new_job_id: null,
        created_at: entry.at,
        claimed_at: entry.at,
        settled_at: null,
      })
      .onConflict((oc) => oc.columns(['source_id', 'rerun_key']).doNothing())
      .executeTakeFirst();
    const row = await this.#row(entry.sourceId, entry.rerunKey);
    if (!row) throw new Error('the rerun row was not written');
    const mine = Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
    return { mine, row };
  }

  /**
   * Take on again the call of `row`, whose lease ran out (`claimedAt` as read): true when this
   * caller took it (no other did since), false when another did or a result came.
   */
  async retake(row: RerunRow, at: string): Promise<boolean> {
    const result = await this.database.db
      .updateTable('job_reruns')
      .set({ claimed_at: at })
      .where('source_id', '=', row.sourceId)
      .where('rerun_key', '=', row.rerunKey)
      .where('claimed_at', '=', row.claimedAt)
      .where('new_job_id', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The row's result: the new job's global ID. */
  async settle(row: Pick<RerunRow, 'sourceId' | 'rerunKey'>, newJobId: string, at: string) {
    await this.database.db
      .updateTable('job_reruns')
      .set({ new_job_id: storableText(newJobId), settled_at: at })
      .where('source_id', '=', row.sourceId)
      .where('rerun_key', '=', row.rerunKey)
      .execute();
  }

  /** The job `jobId` is a rerun of, by jobgraph (null: none known). */
  async rerunOf(jobId: string): Promise<RerunRow | null> {
    const r = await this.database.db
      .selectFrom('job_reruns')
      .selectAll()
      .where('new_job_id', '=', jobId)
      .executeTakeFirst();
    return r ? rowOf(r) : null;
  }

  /** The reruns of `jobId` with a result, oldest first (the newest RERUNS_PER_JOB_MAX). */
  async rerunsOf(jobId: string): Promise<RerunRow[]> {
    const rows = await this.database.db
      .selectFrom('job_reruns')
      .selectAll()
      .where('source_id', '=', jobId)
      .where('new_job_id', 'is not', null)
      .orderBy('created_at', 'desc')
      .limit(RERUNS_PER_JOB_MAX)
      .execute();
    return rows.reverse().map(rowOf);
  }

  async #row(sourceId: string, rerunKey: string): Promise<RerunRow | null> {
    const r = await this.database.db
      .selectFrom('job_reruns')
      .selectAll()
      .where('source_id', '=', storableText(sourceId))
      .where('rerun_key', '=', rerunKey)
      .executeTakeFirst();
    return r ? rowOf(r) : null;
  }
}
