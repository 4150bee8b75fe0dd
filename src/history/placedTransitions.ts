/**
 * How a writer batch meets the stored jobs: its write transaction, each transition placed against
 * the job as the store holds it, and the marks of event transitions a read contradicted
 * (writer.ts).
 */
import type { CompiledQuery, Kysely } from 'kysely';
import type { HistoryDatabase, HistoryTables, TransitionRow } from './database.ts';
import type { Dialect } from './dialect.ts';

/**
 * Run `fn` in one write transaction. SQLite: `BEGIN IMMEDIATE`, the file's write lock taken first
 * (waiting out another process's batch), so what `placed` reads of the stored jobs is what this
 * transaction writes over; a deferred transaction that read before another process committed
 * could not write at all. PostgreSQL: a transaction, `placed` locking the jobs' rows.
 */
export async function writeTransaction(
  db: HistoryDatabase,
  fn: (tx: Kysely<HistoryTables>) => Promise<void>,
): Promise<void> {
  return db.dialect.writeTransaction(db.db, fn);
}

/**
 * The transitions `observed` as the store has their jobs now: one a job's stored state already
 * is (`to` and provider status) is not written — a process's first sight of a job the store has in
 * that state (after a restart every job is new to the process, not to the history: it would be a
 * second `→ SUCCEEDED` at each restart), or a change another replica sharing the store wrote first
 * — and the others are written from the stored state, each numbered by its place among its job's
 * transitions (`ordinal`, unique per job: two replicas writing the same change at once write one
 * row). PostgreSQL locks the jobs' rows first (in ID order), so a replica's batch reads what the
 * other committed; a job new to both has no row to lock, and its first transition's place decides.
 * One read a batch.
 */
export async function placed(
  tx: Kysely<HistoryTables>,
  dialect: Dialect,
  observed: readonly TransitionRow[],
  /** The read of the stored jobs (`storedStates`), compiled: BatchStatements keeps it compiled. */
  read: (ids: readonly string[]) => CompiledQuery<StoredState>,
): Promise<TransitionRow[]> {
  const ids = [...new Set(observed.map((t) => t.job_id))];
  const stored = new Map<
    string,
    { state: string; provider_status: string | null; count: number }
  >();
  if (ids.length > 0) {
    await dialect.lockJobs(tx, ids);
    for (const row of (await tx.executeQuery(read(ids))).rows)
      stored.set(row.id, {
        state: row.state,
        provider_status: row.provider_status,
        // PostgreSQL answers a count as text.
        count: Number(row.count ?? 0),
      });
  }
  const out: TransitionRow[] = [];
  for (const t of observed) {
    const known = stored.get(t.job_id);
    if (known === undefined) {
      out.push({ ...t, ordinal: 1 });
      stored.set(t.job_id, { state: t.to_state, provider_status: t.provider_status, count: 1 });
    } else if (known.state !== t.to_state || known.provider_status !== t.provider_status) {
      out.push({ ...t, from_state: known.state, ordinal: known.count + 1 });
      // A later change of the batch from the same job follows this one, not the stored state.
      stored.set(t.job_id, {
        state: t.to_state,
        provider_status: t.provider_status,
        count: known.count + 1,
      });
    }
  }
  return out;
}

/** A stored job's state as `placed` reads it. */
export interface StoredState {
  id: string;
  state: string;
  provider_status: string | null;
  count: number | string | null;
}

/** The stored state of the jobs `ids` (those the store has): one statement. */
export function storedStates(db: Kysely<HistoryTables>, ids: readonly string[]) {
  return db
    .selectFrom('jobs')
    .select((eb) => [
      'id',
      'state',
      'provider_status',
      eb
        .selectFrom('transitions')
        .select((t) => t.fn.countAll<number>().as('n'))
        .whereRef('transitions.job_seq', '=', 'jobs.seq')
        .as('count'),
    ])
    .where('id', 'in', ids);
}

/**
 * Mark the event transitions of job `id` seen after its last read (or list) transition before
 * `at`, and before `at`, as contradicted at `at`: what a provider read at `at` showed otherwise.
 */
export async function markContradicted(
  tx: Kysely<HistoryTables>,
  id: string,
  at: string,
): Promise<void> {
  await tx
    .updateTable('transitions as t')
    .set({ contradicted_at: at })
    .where((eb) =>
      eb.and([
        eb('t.job_seq', '=', eb.selectFrom('jobs').select('jobs.seq').where('jobs.id', '=', id)),
        eb('t.source', '=', 'EVENT'),
        eb('t.contradicted_at', 'is', null),
        eb('t.at', '<', at),
        eb(
          't.at',
          '>',
          eb.fn.coalesce(
            eb
              .selectFrom('transitions as r')
              .select((r) => r.fn.max('r.at').as('last'))
              .whereRef('r.job_seq', '=', 't.job_seq')
              .where('r.source', '<>', 'EVENT')
              .where('r.at', '<', at),
            eb.val(''),
          ),
        ),
      ]),
    )
    .execute();
}
