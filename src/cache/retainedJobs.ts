import type { Logger } from 'pino';
import type { JobRecord } from '../model/job.ts';
import { approxBytes, type StoreFill } from './approxBytes.ts';
import { RecencyList, type Linked } from './recencyList.ts';
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
   * with whether it was kept. `account` is the alias of the account the record's global ID
   * names, when the caller holds its key already (the guarded loader); otherwise the ID is
   * parsed for it (`accountOf`).
   */
  retainFinished(record: JobRecord, account?: string): Promise<boolean>;
  /**
   * The kept record of `globalId` (`retained: true`, `lastConfirmedAt` set), or undefined: none,
   * expired, or a stored value that fails its checks (not valid, another ID's, another
   * account's) — a counted miss, never served. Never rejects.
   */
  recall(globalId: string): Promise<JobRecord | undefined>;
  /** How full the in-process store is (`jobgraph_store_*{store="retained"}`); absent with Redis. */
  readonly fill?: () => StoreFill;
  close(): Promise<void>;
}

/**
 * Where kept records live in Redis (shared by the replicas): text, sealed on the way in and
 * opened, bounded and checked on the way back; Redis says why it sent none of a value it refused
 * (`rejected`).
 */
export interface RetainedStore {
  /** The value under `key`, or undefined, or why Redis refused the one there. */
  get(key: string): Promise<string | undefined | { rejected: RejectReason }>;
  /** Store `value` under `key` for `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Where kept records live in one process: the kept objects themselves. Only this process writes
 * there, so nothing is encoded on the way in nor decoded and bounded on the way back — every
 * finished job a describe answers is kept, and a JSON text of each would be most of what keeping
 * costs (docs/retention.md, The bound).
 */
export interface InProcessRetainedStore {
  readonly holds: 'records';
  get(key: string): Promise<Kept | undefined>;
  /** Resolves with whether it was kept (not: larger than the store's whole byte budget). */
  set(key: string, kept: Kept, ttlMs: number): Promise<boolean>;
  fill(): StoreFill;
  close?(): Promise<void>;
}

export interface RetainedJobsOptions {
  store: RetainedStore | InProcessRetainedStore;
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
  /**
   * Largest record kept in Redis, in bytes of its JSON (default 1 MiB); a bigger one is neither
   * kept nor decoded. (In process a record is bounded by the answer it came in,
   * JOBGRAPH_UPSTREAM_MAX_BODY_BYTES or the event it came in, and the store by
   * JOBGRAPH_RETAIN_FINISHED_MAX and JOBGRAPH_RETAIN_FINISHED_MAX_BYTES.)
   */
  maxBytes?: number;
}

export const RETAINED_PREFIX = 'jobgraph:retained:v2:';
const MAX_BYTES = 1024 * 1024;

/** What is stored per job: the record as it will be answered, and the account it belongs to. */
export interface Kept {
  account: string;
  record: JobRecord;
}

export function createRetainedJobs(options: RetainedJobsOptions): RetainedJobs {
  const { logger, accountOf, withoutSecrets } = options;
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlSeconds * 1000;
  let failing = false;
  const warn = (err: unknown, message: string) => {
    if (failing) return;
    failing = true;
    logger.warn({ err: { message: (err as Error).message } }, message);
  };
  // Every finished job answered is dated: the date text is made once a second (Date's
  // toISOString), each record's millisecond written after it.
  let second = NaN;
  let upToSecond = ''; // `2026-11-25T12:00:00.`
  const isoNow = () => {
    const ms = Math.trunc(now()); // as a Date holds it
    const at = Math.floor(ms / 1000);
    if (at !== second) upToSecond = new Date((second = at) * 1000).toISOString().slice(0, -4);
    return `${upToSecond}${String(ms - at * 1000).padStart(3, '0')}Z`;
  };
  const answered = () => {
    if (!failing) return;
    failing = false;
    logger.info('retained jobs: the store answers again');
  };
  const inProcess = isInProcess(options.store) ? options.store : undefined;
  const store = inProcess ?? textKept(options.store as RetainedStore, options);
  return {
    ...(inProcess ? { fill: () => inProcess.fill() } : {}),
    async retainFinished(record, account) {
      if (!record.terminal || record.retained) return false;
      const stripped = withoutSecrets(record);
      if (!stripped) return false;
      const kept: Kept = {
        account: account ?? accountOf(record.id),
        record: { ...stripped, retained: true, lastConfirmedAt: isoNow() },
      };
      try {
        const stored = await store.set(RETAINED_PREFIX + record.id, kept, ttlMs);
        answered();
        return stored !== false;
      } catch (err) {
        warn(
          err,
          'retained jobs: a write failed; finished jobs are not kept until the store answers',
        );
        return false;
      }
    },
    async recall(globalId) {
      const account = accountOf(globalId);
      let kept: Kept | undefined;
      try {
        kept = await store.get(RETAINED_PREFIX + globalId, account);
        answered();
      } catch (err) {
        warn(err, 'retained jobs: a read failed; a forgotten job answers NOT_FOUND');
        return undefined;
      }
      // In process the record is the one kept under this ID; text was checked where it was read.
      return kept?.record;
    },
    close: async () => {
      await options.store.close?.();
    },
  };
}

/**
 * A text store (Redis) seen as kept records: each written as JSON (none over `maxBytes`), sealed
 * for its key and account when there is a sealer; each read back opened, bounded, parsed and
 * checked to be this job's, of this account — a value that fails any of it is a counted (or
 * logged) miss that quotes nothing the store returned.
 */
function textKept(
  store: RetainedStore,
  options: RetainedJobsOptions,
): {
  get(key: string, account: string): Promise<Kept | undefined>;
  set(key: string, kept: Kept, ttlMs: number): Promise<boolean>;
} {
  const { sealer, logger } = options;
  const maxBytes = options.maxBytes ?? MAX_BYTES;
  /** What a value is bound to: its key and the job's account. */
  const binding = (key: string, account: string) => `${key}\n${account}`;
  const rejected = (key: string, reason: RejectReason) => {
    // With a sealer, counted and logged (once per reason) as every value Redis gives back that fails.
    if (sealer) sealer.reject('retained', reason);
    // The ID is the key read, not the value: nothing the store returned is quoted.
    else
      logger.warn(
        { jobId: key.slice(RETAINED_PREFIX.length), reason },
        'retained jobs: a kept value failed its checks; not served',
      );
    return undefined;
  };
  return {
    async set(key, kept, ttlMs) {
      const text = JSON.stringify(kept);
      if (Buffer.byteLength(text) > maxBytes) return false;
      await store.set(
        key,
        sealer ? sealer.seal('retained', binding(key, kept.account), text) : text,
        ttlMs,
      );
      return true;
    },
    async get(key, account) {
      const value = await store.get(key);
      if (value === undefined) return undefined;
      if (typeof value !== 'string') return rejected(key, value.rejected);
      // The sealer counts what it refuses itself (too long, not sealed for this key and account).
      const text = sealer
        ? sealer.open('retained', binding(key, account), value, maxBytes)
        : Buffer.byteLength(value) > maxBytes
          ? rejected(key, 'oversized')
          : value;
      if (text === undefined) return undefined;
      const kept = parseKept(text);
      if (!kept) return rejected(key, 'malformed');
      return checked(key.slice(RETAINED_PREFIX.length), account, kept)
        ? kept
        : rejected(key, 'binding');
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

function isInProcess(
  store: RetainedStore | InProcessRetainedStore,
): store is InProcessRetainedStore {
  return 'holds' in store && store.holds === 'records';
}

/** A kept record of the in-process store, linked in the order it was kept (oldest first). */
interface KeptEntry extends Linked<KeptEntry> {
  readonly key: string;
  readonly value: Kept;
  readonly expiresAt: number;
  /** approxBytes of its key and record, and of its own links and map slot. */
  readonly bytes: number;
}

/**
 * The most bytes of records the in-process store keeps by default (approxBytes,
 * JOBGRAPH_RETAIN_FINISHED_MAX_BYTES): a finished job an event carries may be as large as the
 * event, so a count alone would let a queue of large ones take the heap.
 */
export const RETAINED_STORE_MAX_BYTES = 64 * 1024 * 1024;

/** A map slot, a list node and its fields: what a kept entry costs beyond its key and record. */
const ENTRY_BYTES = 96;

/**
 * The in-process store: at most `max` records and `maxBytes` of them (approxBytes), the one kept
 * longest ago evicted first (a record kept again moves to the end), each for its TTL. A record
 * larger than the whole budget is not kept. The order is a RecencyList, not the Map's
 * insertion order: a full store deletes its oldest entry on every record it keeps, and taking a
 * Map's first key walks every entry deleted before it.
 */
export function boundedRetainedStore(
  max: number,
  now: () => number = Date.now,
  maxBytes = RETAINED_STORE_MAX_BYTES,
): InProcessRetainedStore {
  const entries = new Map<string, KeptEntry>();
  const order = new RecencyList<KeptEntry>();
  let bytes = 0;
  const remove = (entry: KeptEntry) => {
    entries.delete(entry.key);
    order.unlink(entry);
    bytes -= entry.bytes;
  };
  return {
    holds: 'records',
    fill: () => ({ store: 'retained', entries: entries.size, bytes, maxEntries: max, maxBytes }),
    get(key) {
      const entry = entries.get(key);
      if (!entry) return Promise.resolve(undefined);
      if (entry.expiresAt <= now()) {
        remove(entry);
        return Promise.resolve(undefined);
      }
      return Promise.resolve(entry.value);
    },
    set(key, value, ttlMs) {
      // Synchronous, before any await: a read right after a retain sees it.
      const was = entries.get(key);
      if (was) remove(was);
      const size = ENTRY_BYTES + approxBytes(key) + approxBytes(value.record);
      if (size > maxBytes) return Promise.resolve(false);
      const entry: KeptEntry = {
        key,
        value,
        expiresAt: now() + ttlMs,
        bytes: size,
        older: undefined,
        newer: undefined,
      };
      order.append(entry);
      entries.set(key, entry);
      bytes += size;
      while (entries.size > max || bytes > maxBytes) remove(order.oldest!);
      return Promise.resolve(true);
    },
  };
}
