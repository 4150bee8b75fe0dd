import type { Logger } from 'pino';
import type { JobRecord } from '../model/job.ts';
import type { RejectReason, Sealer } from './sealed.ts';

/**
 * Finished jobs kept after their provider forgets them (AWS Batch stops answering DescribeJobs
 * for a finished job after about a day to a week): a terminal record jobgraph saw, without its
 * secrets, kept for JOBGRAPH_RETAIN_FINISHED_SECONDS after it was last seen, and answered —
 * marked `retained: true`, with `lastConfirmedAt` — only when the provider says NOT_FOUND. Live
 * always wins: nothing here is read while the provider still answers.
 *
 * Where a terminal record comes from does not matter: a describe answer (the guarded loader
 * hands it over, src/datasources/guard/sharedCall.ts), or an applied event (the event consumer
 * calls `retainFinished` on the same object, `GuardedSource.retained`).
 */
export interface RetainedJobs {
  /**
   * Keep `record` if it is terminal: its secret fields set to null, dated now
   * (`lastConfirmedAt`), for the retention time from now; a record kept before is replaced (and
   * its time renewed). A record that is not terminal, is already a kept one, or whose secrets
   * cannot be taken out is not kept. Never rejects (a failing store is logged once); resolves
   * with whether it was kept.
   */
  retainFinished(record: JobRecord): Promise<boolean>;
  /**
   * The kept record of `globalId` (`retained: true`, `lastConfirmedAt` set), or undefined: none,
   * expired, or a stored value that fails its checks (not valid, another ID's, another
   * account's) — a counted miss, never served. Never rejects.
   */
  recall(globalId: string): Promise<JobRecord | undefined>;
  close(): Promise<void>;
}

/** Where kept records live: an in-process bounded map, or Redis (shared by the replicas). */
export interface RetainedStore {
  /** The value under `key`, or undefined; Redis says why it sent none of one it refused (`rejected`). */
  get(key: string): Promise<string | undefined | { rejected: RejectReason }>;
  /** Store `value` under `key` for `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  close?(): Promise<void>;
}

export interface RetainedJobsOptions {
  store: RetainedStore;
  /** How long a record is kept after it was last seen, in s (JOBGRAPH_RETAIN_FINISHED_SECONDS). */
  ttlSeconds: number;
  /** The record with every sensitive field null (null when that cannot be made): ShareRules.withoutSecrets. */
  withoutSecrets: (record: JobRecord) => JobRecord | null;
  /** The account alias a global ID names (the job's own account, as authorization reads it). */
  accountOf: (globalId: string) => string;
  /**
   * Seals what the store holds and opens what it gives back (Redis: an HMAC under
   * JOBGRAPH_CLUSTER_SECRET, bound to the key and the job's account; a value that fails is counted
   * in jobgraph_cache_rejected_total{kind="retained"}). Absent in process, where nothing outside
   * the process can write.
   */
  sealer?: Sealer;
  logger: Logger;
  /** The clock of `lastConfirmedAt`; default Date.now. */
  now?: () => number;
  /** Largest record kept, in bytes of its JSON (default 1 MiB); a bigger one is neither kept nor decoded. */
  maxBytes?: number;
}

export const RETAINED_PREFIX = 'jobgraph:retained:v2:';
const MAX_BYTES = 1024 * 1024;

/** What is stored per job: the record as it will be answered, and the account it belongs to. */
interface Kept {
  account: string;
  record: JobRecord;
}

export function createRetainedJobs(options: RetainedJobsOptions): RetainedJobs {
  const { store, sealer, logger, accountOf, withoutSecrets } = options;
  const now = options.now ?? Date.now;
  const maxBytes = options.maxBytes ?? MAX_BYTES;
  const ttlMs = options.ttlSeconds * 1000;
  let failing = false;
  const warn = (err: unknown, message: string) => {
    if (failing) return;
    failing = true;
    logger.warn({ err: { message: (err as Error).message } }, message);
  };
  const answered = () => {
    if (!failing) return;
    failing = false;
    logger.info('retained jobs: the store answers again');
  };
  const rejected = (globalId: string, reason: RejectReason) => {
    // With a sealer, counted and logged (once per reason) as every value Redis gives back that fails.
    if (sealer) sealer.reject('retained', reason);
    // The ID is the key read, not the value: nothing the store returned is quoted.
    else
      logger.warn(
        { jobId: globalId, reason },
        'retained jobs: a kept value failed its checks; not served',
      );
    return undefined;
  };
  /** What a value is bound to: its key and the job's account. */
  const binding = (key: string, account: string) => `${key}\n${account}`;
  return {
    async retainFinished(record) {
      if (!record.terminal || record.retained) return false;
      const stripped = withoutSecrets(record);
      if (!stripped) return false;
      const key = RETAINED_PREFIX + record.id;
      const account = accountOf(record.id);
      const kept: Kept = {
        account,
        record: { ...stripped, retained: true, lastConfirmedAt: new Date(now()).toISOString() },
      };
      const text = JSON.stringify(kept);
      if (Buffer.byteLength(text) > maxBytes) return false;
      try {
        const value = sealer ? sealer.seal('retained', binding(key, account), text) : text;
        await store.set(key, value, ttlMs);
        answered();
        return true;
      } catch (err) {
        warn(
          err,
          'retained jobs: a write failed; finished jobs are not kept until the store answers',
        );
        return false;
      }
    },
    async recall(globalId) {
      const key = RETAINED_PREFIX + globalId;
      let value: Awaited<ReturnType<RetainedStore['get']>>;
      try {
        value = await store.get(key);
        answered();
      } catch (err) {
        warn(err, 'retained jobs: a read failed; a forgotten job answers NOT_FOUND');
        return undefined;
      }
      if (value === undefined) return undefined;
      if (typeof value !== 'string') return rejected(globalId, value.rejected);
      const account = accountOf(globalId);
      // The sealer counts what it refuses itself (too long, not sealed for this key and account).
      const text = sealer
        ? sealer.open('retained', binding(key, account), value, maxBytes)
        : Buffer.byteLength(value) > maxBytes
          ? rejected(globalId, 'oversized')
          : value;
      if (text === undefined) return undefined;
      const kept = parseKept(text);
      if (!kept) return rejected(globalId, 'malformed');
      return checked(globalId, account, kept) ?? rejected(globalId, 'binding');
    },
    close: async () => {
      await store.close?.();
    },
  };
}

/** What `text` holds when it is a kept record as jobgraph writes it; else undefined. */
function parseKept(text: string): Kept | undefined {
  let kept: Partial<Kept> | null;
  try {
    kept = JSON.parse(text) as Partial<Kept> | null;
  } catch {
    return undefined;
  }
  const record = kept?.record;
  if (typeof kept?.account !== 'string' || typeof record !== 'object' || record === null)
    return undefined;
  if (record.retained !== true || record.terminal !== true) return undefined;
  return kept as Kept;
}

/**
 * The kept record when it is this job's, of the account its ID names (authorization decided on
 * the ID, so the record answered must be of that account); else undefined.
 */
function checked(globalId: string, account: string, kept: Kept): JobRecord | undefined {
  return kept.account === account && kept.record.id === globalId ? kept.record : undefined;
}

/** The in-process store: it refuses nothing it holds (only this process writes there). */
export interface InProcessRetainedStore extends RetainedStore {
  get(key: string): Promise<string | undefined>;
}

/**
 * The in-process store: at most `max` records, the one kept longest ago evicted first (a record
 * kept again moves to the end), each for its TTL. A Map keeps insertion order, so the oldest is
 * its first entry.
 */
export function boundedRetainedStore(
  max: number,
  now: () => number = Date.now,
): InProcessRetainedStore {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return Promise.resolve(undefined);
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return Promise.resolve(undefined);
      }
      return Promise.resolve(entry.value);
    },
    set(key, value, ttlMs) {
      // Synchronous, before any await: a read right after a retain sees it.
      entries.delete(key);
      entries.set(key, { value, expiresAt: now() + ttlMs });
      while (entries.size > max) entries.delete(entries.keys().next().value as string);
      return Promise.resolve();
    },
  };
}
