import type { Kysely } from 'kysely';
import type { HistoryDatabase, HistoryTables } from './database.ts';

/** Most transitions read for one queue's waits. */
const WAIT_ROWS = 20_000;

/** A queue's waits over a window: how long its jobs stayed waiting before they started, in seconds. */
export interface QueueWaits {
  samples: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

/** The states a job waits in before it runs (QUEUED: Batch's SUBMITTED, PENDING, RUNNABLE). */
const WAITING = new Set(['QUEUED']);

const pick = (sorted: number[], q: number) =>
  sorted.length === 0 ? null : sorted[Math.ceil(q * sorted.length) - 1]!;

/**
 * How long jobs of `provider` in the queue `queue` (as the history's `queue` column holds it)
 * stayed in one of `states` before moving on, since `sinceMs`, in ms, shortest first: each stay
 * from a job's transition into one of them to its next transition out, from the history's
 * uncontradicted transitions, at most WAIT_ROWS read. The queue pages' waits and the STUCK rules'
 * p90 (notifications/queueP90.ts) both read it.
 */
export async function queueStays(
  db: Kysely<HistoryTables>,
  provider: string,
  queue: string,
  states: ReadonlySet<string>,
  sinceMs: number,
): Promise<number[]> {
  const rows = await db
    .selectFrom('transitions as t')
    .innerJoin('jobs as j', 'j.seq', 't.job_seq')
    .select(['t.job_seq', 't.at', 't.to_state'])
    .where('j.provider', '=', provider)
    .where('j.queue', '=', queue)
    .where('t.at', '>=', new Date(sinceMs).toISOString())
    .where('t.contradicted_at', 'is', null)
    .orderBy('t.job_seq')
    .orderBy('t.at')
    .limit(WAIT_ROWS)
    .execute();
  const stays: number[] = [];
  for (let i = 0; i + 1 < rows.length; i++) {
    const [a, b] = [rows[i]!, rows[i + 1]!];
    if (a.job_seq === b.job_seq && states.has(a.to_state) && !states.has(b.to_state))
      stays.push(Date.parse(b.at) - Date.parse(a.at));
  }
  return stays.sort((x, y) => x - y);
}

/** A queue's waits before its jobs started since `sinceMs`: their count and percentiles, in seconds. */
export async function queueWaits(
  store: HistoryDatabase,
  provider: string,
  queue: string,
  sinceMs: number,
): Promise<QueueWaits> {
  const stays = (await queueStays(store.db, provider, queue, WAITING, sinceMs)).map(
    (ms) => ms / 1000,
  );
  return {
    samples: stays.length,
    p50: pick(stays, 0.5),
    p90: pick(stays, 0.9),
    p99: pick(stays, 0.99),
  };
}

/** How many jobs of the queue the history holds in each state now (unfinished ones: what waits and runs). */
export async function queueCounts(
  store: HistoryDatabase,
  provider: string,
  queue: string,
): Promise<{ state: string; jobs: number }[]> {
  const rows = await store.db
    .selectFrom('jobs')
    .select(['state', store.db.fn.countAll<number>().as('n')])
    .where('provider', '=', provider)
    .where('queue', '=', queue)
    .groupBy('state')
    .execute();
  return rows
    .map((r) => ({ state: r.state, jobs: Number(r.n) }))
    .sort((a, b) => b.jobs - a.jobs || a.state.localeCompare(b.state));
}
