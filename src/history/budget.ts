/**
 * The history's size budget (JOBGRAPH_HISTORY_MAX_BYTES, docs/history.md#size-budget): the store's
 * size and its oldest job measured now and then (the `jobgraph_history_bytes` and
 * `jobgraph_history_oldest_seconds` gauges, `/readyz`'s `history`), one `warn` line at 90 % of the
 * budget, and at the budget the oldest finished jobs pruned down under 90 % (SQLite), so the
 * gateway does not fill its disk. Space freed on SQLite is given back to the file system where the
 * file allows it (`auto_vacuum = INCREMENTAL`, every file made from this version on).
 */
import { sql } from 'kysely';
import type { HistoryDatabase } from './database.ts';

// duplicates: data — named constants, each its own value and reason
/** Share of the budget at which it is warned of, and down to which the budget's pruning goes. */
const BUDGET_WARN_RATIO = 0.9;

/** Jobs deleted a transaction when pruning: no write waits long behind one. */
const PRUNE_BATCH = 500;

/** Pages of the text index one merge step writes at most, and the steps one reclaim makes at most. */
const FTS_MERGE_PAGES = 64;
const FTS_MERGE_ROUNDS = 64;

/** Rounds of pruning a check makes at most to get under 90 % of the budget. */
const MAX_PRUNE_ROUNDS = 8;

/** Free pages given back a statement (32 MiB of 32 KiB pages), the event loop served between. */
const VACUUM_PAGES = 1024;

/** What the store holds now. */
export interface HistorySize {
  /**
   * Bytes the store uses: SQLite, the file's pages less its free ones (which new rows reuse);
   * PostgreSQL, its three tables with their indexes and TOAST (space of deleted rows included
   * until autovacuum lets new rows reuse it; never given back to the file system).
   */
  readonly bytes: number;
  /** The oldest job's time (`sort_at`: finished, else created, else first seen); null: no job. */
  readonly oldestAt: string | null;
}

const numberOf = (v: unknown): number => Number(v ?? 0);

/** The store's size and its oldest job, measured now (a few cheap statements). */
export async function measureHistory(database: HistoryDatabase): Promise<HistorySize> {
  const { db } = database;
  const bytes = await database.dialect.storeBytes(db);
  const oldest = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.min('sort_at').as('oldest'))
    .executeTakeFirst();
  return { bytes, oldestAt: (oldest?.oldest as string | null | undefined) ?? null };
}

/**
 * Delete the `count` oldest finished jobs (by `sort_at`, then `seq`) with their transitions, in
 * transactions of PRUNE_BATCH; the number deleted. An unfinished job is never deleted here, nor an
 * action's audit row.
 */
async function pruneOldestFinished(database: HistoryDatabase, count: number): Promise<number> {
  let total = 0;
  while (total < count) {
    const rows = await database.db
      .selectFrom('jobs')
      .select(['seq'])
      .where('terminal', '=', 1)
      .orderBy('sort_at', 'asc')
      .orderBy('seq', 'asc')
      .limit(Math.min(PRUNE_BATCH, count - total))
      .execute();
    if (rows.length === 0) break;
    const seqs = rows.map((r) => r.seq);
    await database.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('transitions').where('job_seq', 'in', seqs).execute();
      await tx.deleteFrom('jobs').where('seq', 'in', seqs).execute();
    });
    total += rows.length;
  }
  return total;
}

/**
 * SQLite: the free pages given back to the file system (the file shrinks) when the file is in
 * `auto_vacuum = INCREMENTAL`, a statement of VACUUM_PAGES at a time; then the WAL checkpointed
 * into the file and truncated. A file of an older jobgraph (auto_vacuum off) keeps its free pages for new rows
 * until `jobgraph history prune` switches it (compactHistory). PostgreSQL: nothing (autovacuum).
 */
export async function reclaimSpace(database: HistoryDatabase): Promise<void> {
  if (!database.dialect.prunesForSize) return;
  const { db } = database;
  const first = async (text: string) =>
    numberOf(Object.values((await sql.raw(text).execute(db)).rows[0] ?? {})[0]);
  // The text index (migration 5) keeps a deleted job's trigrams as delete markers in new segments
  // until its segments are merged: merged now, a bounded amount of work at a time, so its pages
  // holding the pruned jobs are freed with the rest.
  for (let i = 0; i < FTS_MERGE_ROUNDS; i++) {
    const before = await first('SELECT total_changes()');
    await sql
      .raw(`INSERT INTO jobs_text (jobs_text, rank) VALUES ('merge', ${FTS_MERGE_PAGES})`)
      .execute(db);
    // A merge that changed nothing has nothing left to merge.
    if ((await first('SELECT total_changes()')) - before <= 1) break;
    await new Promise((r) => setImmediate(r));
  }
  if ((await first('PRAGMA auto_vacuum')) === 2)
    while ((await first('PRAGMA freelist_count')) > 0) {
      await sql.raw(`PRAGMA incremental_vacuum(${VACUUM_PAGES})`).execute(db);
      await new Promise((r) => setImmediate(r));
    }
  await sql.raw('PRAGMA wal_checkpoint(TRUNCATE)').execute(db);
}

/**
 * `jobgraph history prune`'s compaction (offline-safe: the CLI's own connection; a running
 * gateway's writes wait for it): a SQLite file not yet in `auto_vacuum = INCREMENTAL` is switched
 * by one VACUUM (a rewrite of the file, which needs its size free on disk again), then its free
 * pages are given back. Returns the file's bytes (page count × page size) before and after.
 */
export async function compactHistory(
  database: HistoryDatabase,
): Promise<{ before: number; after: number } | null> {
  if (!database.dialect.prunesForSize || database.sqliteExec === null) return null;
  const { db } = database;
  const first = async (text: string) =>
    numberOf(Object.values((await sql.raw(text).execute(db)).rows[0] ?? {})[0]);
  const fileBytes = async () =>
    (await first('PRAGMA page_count')) * (await first('PRAGMA page_size'));
  const before = await fileBytes();
  if ((await first('PRAGMA auto_vacuum')) !== 2) {
    database.sqliteExec('PRAGMA auto_vacuum = INCREMENTAL');
    database.sqliteExec('VACUUM');
  }
  await reclaimSpace(database);
  return { before, after: await fileBytes() };
}

export interface BudgetLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

/** The budget as `/readyz` and the gauges show it. */
export interface BudgetView {
  readonly bytes: number;
  readonly maxBytes: number;
  /** `ok`, `near` (at 90 % or more) or `over` (at the budget or more). */
  readonly budget: 'ok' | 'near' | 'over';
  readonly oldestAt: string | null;
}

/**
 * One store's budget: `check()` measures it, says once (until it is back under 90 %) that it
 * nears the budget, and at the budget prunes the oldest finished jobs (SQLite) down under 90 %,
 * with a line saying how many. PostgreSQL is measured and warned of, never pruned for size: its
 * tables do not shrink when rows are deleted, so its size cannot say what pruning freed.
 */
export class HistoryBudget {
  #last: HistorySize | null = null;
  #warned = false;

  constructor(
    private readonly database: HistoryDatabase,
    private readonly maxBytes: number,
    private readonly logger: BudgetLogger,
  ) {}

  /** The last measure; null before the first. */
  view(): BudgetView | null {
    const last = this.#last;
    if (last === null) return null;
    const budget =
      last.bytes >= this.maxBytes
        ? 'over'
        : last.bytes >= this.maxBytes * BUDGET_WARN_RATIO
          ? 'near'
          : 'ok';
    return { bytes: last.bytes, maxBytes: this.maxBytes, budget, oldestAt: last.oldestAt };
  }

  /** Measure now; warn, or prune down under the budget, as above. */
  async check(): Promise<void> {
    let size = await measureHistory(this.database);
    if (size.bytes >= this.maxBytes && this.database.dialect.prunesForSize) {
      const target = this.maxBytes * BUDGET_WARN_RATIO;
      // Each round aims a little lower than 90 %: a page half emptied is not freed, so pruning by
      // the average a job takes falls short of its aim (most of all where the fixed pages of the
      // tables and indexes are a large share, in a small store).
      const aim = this.maxBytes * (BUDGET_WARN_RATIO - 0.05);
      let pruned = 0;
      let after = size;
      // Jobs to delete: the bytes over 90 % of the budget at the store's average bytes a job,
      // measured again after each round (a page half emptied is not freed), a few rounds at most.
      for (let round = 0; round < MAX_PRUNE_ROUNDS && after.bytes >= target; round++) {
        const { n } = await this.#jobs();
        const perJob = n > 0 ? after.bytes / n : 0;
        const deleted =
          perJob > 0
            ? await pruneOldestFinished(this.database, Math.ceil((after.bytes - aim) / perJob))
            : 0;
        pruned += deleted;
        await reclaimSpace(this.database);
        after = await measureHistory(this.database);
        if (deleted === 0) break;
      }
      this.logger.warn(
        {
          history: this.database.where,
          pruned,
          bytesBefore: size.bytes,
          bytes: after.bytes,
          maxBytes: this.maxBytes,
        },
        pruned > 0
          ? 'history: the store reached JOBGRAPH_HISTORY_MAX_BYTES; its oldest finished jobs were pruned'
          : 'history: the store reached JOBGRAPH_HISTORY_MAX_BYTES and holds no finished job to prune; it keeps growing',
      );
      size = after;
    }
    this.#last = size;
    const near = size.bytes >= this.maxBytes * BUDGET_WARN_RATIO;
    if (near && !this.#warned)
      this.logger.warn(
        { history: this.database.where, bytes: size.bytes, maxBytes: this.maxBytes },
        `history: the store is at 90 % of JOBGRAPH_HISTORY_MAX_BYTES; ${this.database.dialect.atBudget}`,
      );
    this.#warned = near;
  }

  async #jobs(): Promise<{ n: number }> {
    const row = await this.database.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return { n: numberOf(row?.n) };
  }
}
