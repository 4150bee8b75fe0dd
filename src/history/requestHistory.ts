import type { HistoryDatabase } from './database.ts';
/**
 * The history store as one request reads it: every query under the caller's grant (in its SQL),
 * a job's transitions batched per request (one query for all the jobs a response shows), and
 * `jobHistory`'s cursors sealed as `listJobs`' are (cache/cursorSeal.ts).
 */
import DataLoader from 'dataloader';
import { CursorSeal } from '../cache/cursorSeal.ts';
import { BadUserInputError, JobgraphError } from '../errors.ts';
import { positionOf } from './reader.ts';
import { HistorySearchTimedOut } from './searchDeadline.ts';
import type { SearchSlots } from './searchSlots.ts';
import type { HistorySummary } from './summary.ts';
import type {
  HistoryCursors,
  HistoryFilter,
  HistoryGrant,
  HistoryPage,
  HistoryPosition,
  HistoryReader,
  HistoryTransition,
} from './reader.ts';

/** What a gateway's requests read the history through. */
export interface HistoryQueries {
  readonly reader: HistoryReader;
  /** The store itself, for reads over many jobs that are no search (a queue's waits and counts). */
  readonly database?: HistoryDatabase;
  /**
   * Resolves once the changes this process recorded so far are written (or after a bounded
   * wait): a read of the history then shows what the same caller was just answered.
   */
  settled?(): Promise<void>;
  /** The searches each caller may have running at once; none: no bound. */
  readonly searchSlots?: SearchSlots;
}

/** One request's view of the history. */
export interface RequestHistory {
  /** The job's transitions (at most 100, newest last) when the caller reads its account, else none. */
  transitionsOf(id: string): Promise<HistoryTransition[]>;
  /** One page of `jobHistory`, newest first. */
  search(filter: HistoryFilter, first: number, after: string | null): Promise<HistoryPage>;
  /** `jobHistorySummary`: the counts of what `search` would page through. */
  summary(filter: HistoryFilter): Promise<HistorySummary>;
}

/** A request's history under `grant` (read when first needed: the account IDs may be learned late). */
export function historyOfRequest(
  queries: HistoryQueries,
  grant: () => HistoryGrant,
  /** Throws the caller's refusal for a filter's account alias it may not read (as `listJobs`). */
  checkAccount: (alias: string) => void = () => undefined,
  /** The caller's key (as the caller rate counts it): its searches at once are bounded by it. */
  caller = '',
): RequestHistory {
  let granted: HistoryGrant | undefined;
  const grantNow = () => (granted ??= grant());
  // A response's jobs were read before their transitions are asked (the fields resolve after the
  // job), so their changes are among those settled: a job seen for the first time shows its
  // first transition in the same answer, not a second later.
  const transitions = new DataLoader<string, HistoryTransition[]>(async (ids) => {
    await queries.settled?.();
    const found = await queries.reader.transitionsOf(ids, grantNow());
    return ids.map((id) => found.get(id) ?? []);
  });
  /** `read` as a search: the filter's accounts checked, a slot of the caller's held, its time limit said. */
  async function asSearch<T>(filter: HistoryFilter, read: () => Promise<T>): Promise<T> {
    for (const alias of filter.accounts ?? []) checkAccount(alias);
    const slots = queries.searchSlots;
    const free = slots ? slots.take(caller) : () => undefined;
    if (free === null) throw tooManySearches(slots!.perCaller, queries.reader.searchTimeoutMs);
    try {
      await queries.settled?.();
      return await read();
    } catch (e) {
      if (e instanceof HistorySearchTimedOut) throw searchTimedOut(e.timeoutMs);
      throw e;
    } finally {
      free();
    }
  }
  return {
    transitionsOf: (id) => transitions.load(id),
    search: (filter, first, after) =>
      asSearch(filter, () => queries.reader.search(filter, first, after, grantNow())),
    summary: (filter) => asSearch(filter, () => queries.reader.summary(filter, grantNow())),
  };
}

/** The refusal of one search more than a caller may have running (SEARCHES_PER_CALLER). */
function tooManySearches(perCaller: number, timeoutMs: number): JobgraphError {
  return new JobgraphError(
    'UPSTREAM_THROTTLED',
    `Too many jobHistory searches at once from this caller: at most ${perCaller} run at a time; ask again once one has answered.`,
    // Each running search answers within its time limit, so a slot is free by then at the latest.
    { searchesPerCaller: perCaller, retryAfterMs: timeoutMs },
  );
}

/** What a caller is told of a search that ran past its time limit: how to narrow it. */
function searchTimedOut(timeoutMs: number): BadUserInputError {
  return new BadUserInputError(
    `The jobHistory search ran past its time limit of ${timeoutMs} ms (JOBGRAPH_HISTORY_SEARCH_TIMEOUT_MS) and was stopped; narrow it and ask again: a longer or rarer \`text\`, a time window (createdAfter, finishedAfter), or fewer accounts, providers or states.`,
    { argument: 'filter', timeoutMs },
  );
}

/**
 * Separates the `jobHistory` cursor key from `listJobs`' and any other use of the same secret. v2:
 * a position is (sort_at, seq) since history migration 4; v3: the store's identity follows it
 * (migration 9). A cursor of an older version does not open under this key, so it is refused as
 * any foreign cursor is, never read as the wrong kind.
 */
const KEY_LABEL = 'jobgraph jobHistory cursor v3';

const refuse = (why: string): never => {
  throw new BadUserInputError(`Argument "after" ${why}; ask again without \`after\`.`, {
    argument: 'after',
  });
};

/**
 * `jobHistory`'s cursors: its keyset position and the identity of the store `store` (storeIdentity.ts),
 * sealed under JOBGRAPH_CURSOR_SECRET like `listJobs`'. A cursor another store handed out (a
 * replica on a history of its own) is refused in words, never answered with an empty page.
 */
export function sealedHistoryCursors(secret: string | null, store: string): HistoryCursors {
  const seal = new CursorSeal(secret, KEY_LABEL, 1024);
  return {
    encode: (sortAt, seq) => seal.seal(Buffer.from(JSON.stringify([sortAt, seq, store]), 'utf8')),
    decode(cursor) {
      const body = seal.open(cursor);
      const parts = body === null ? null : partsOf(body.toString('utf8'));
      if (parts === null) return refuse('is not a cursor of jobHistory');
      if (parts.store !== store)
        return refuse(
          'is a cursor of another history store: replicas that share a cluster must share one (JOBGRAPH_HISTORY_URL)',
        );
      return parts.position;
    },
  };
}

/** A cursor body's position and store, or null when it holds no such pair. */
function partsOf(body: string): { position: HistoryPosition; store: string } | null {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length !== 3 || typeof v[2] !== 'string') return null;
  const position = positionOf(JSON.stringify(v.slice(0, 2)));
  return position === null ? null : { position, store: v[2] };
}
