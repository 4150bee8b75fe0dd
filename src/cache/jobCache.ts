import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import {
  ConsecutiveBreaker,
  TimeoutStrategy,
  circuitBreaker,
  handleAll,
  timeout,
  wrap,
} from 'cockatiel';
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { JobRecord } from '../model/job.ts';
import type { PollLeases } from './pollLeases.ts';
import type { BoundedValue } from './redisCall.ts';
import type { Sealer } from './sealed.ts';

/** Decides whether a record holds a value of a sensitive field (derived from the SDL's auth directives). */
export type SecretDetector = (record: JobRecord) => boolean;

/**
 * Cross-request cache of finished jobs. A job in a terminal state never changes, so its
 * normalised record can be shared between requests and replicas. Never cached: a record that
 * is not terminal, or that holds any secret (credentials, signatures, presigned links), even
 * though the cache itself is private — a secret must not outlive the request that fetched it.
 * Cache failures are logged and ignored: the upstream answers instead.
 */
export interface JobCache {
  get(globalId: string): Promise<JobRecord | undefined>;
  /** Store the record if the rules allow; returns whether it was stored. */
  admit(record: JobRecord): Promise<boolean>;
  /**
   * Drop a stored record that newer evidence contradicts (a job's list summary shows it in another
   * state: the emulators' in-place progressing jobs start again after they finish, a provider may
   * reuse an ID). Failures are logged and ignored, as for every store call.
   */
  forget(globalId: string): Promise<void>;
  /**
   * Across processes (a shared store with leases: Redis): on a miss, either wait for another
   * process that is fetching the job (`record` when it stored it) or become the one that fetches
   * it (`done` tells the others, with whether the record was stored). An empty answer means
   * "fetch it yourself": no lease, the other process's record was not cacheable, the wait ran
   * out, or the store failed. Absent for a cache without leases.
   */
  claim?(globalId: string, options: { leaseMs: number; waitMs: number }): Promise<Claim>;
  /**
   * One read schedule per watched job across the replicas that share this store (Redis): leases and
   * each poll's secret-free result (src/cache/redisPollLeases.ts). Absent without Redis.
   */
  pollLeases?: PollLeases;
  close(): Promise<void>;
}

/** The answer of `JobCache.claim`. */
interface Claim {
  /** Another process fetched and stored the job. */
  record?: JobRecord;
  /** This process holds the lease: call once the fetch settled, with whether the record was stored. */
  done?: (stored: boolean) => void;
}

/**
 * Short per-job leases and their outcome messages (Redis: `SET NX PX`, pub/sub), so one process
 * fetches a job that several want at once. Every method may fail or be slow: the job cache bounds
 * each call with its op timeout and treats a failure as "fetch it yourself".
 */
export interface LeaseStore {
  /** Take the lease on `globalId` for `ttlMs` unless another process holds it; true when taken. */
  acquire(globalId: string, token: string, ttlMs: number): Promise<boolean>;
  /** Drop the lease (if still ours) and tell the waiting processes whether the record was stored. */
  release(globalId: string, token: string, stored: boolean): Promise<void>;
  /**
   * Start listening for the outcome of `globalId`'s lease: `outcome` resolves with the holder's
   * word, or with 'gone' when the wait ran out after `ms`, was cancelled, or the store failed.
   */
  listen(
    globalId: string,
    ms: number,
  ): { outcome: Promise<'stored' | 'uncacheable' | 'gone'>; cancel(): void };
}

/** `jobgraph:job:v2:<global ID>`: v2 values are sealed (src/cache/sealed.ts); v1's are never read. */
export const JOB_PREFIX = 'jobgraph:job:v2:';
/**
 * The longest record shared through a sealed store (Redis), in bytes of its JSON: a longer one is
 * not stored, and a longer value read back is a miss before it is parsed.
 */
export const MAX_SHARED_RECORD_BYTES = 1024 * 1024;
/** Records kept parsed (see `GuardedJobCache`'s `#parsed`): the most recently used ones. */
const PARSED_RECORDS_MAX = 512;

/** Where records are kept: an in-process LRU, or Redis (whose reads are bounded: `BoundedValue`). */
export interface RecordStore {
  get(key: string): Promise<BoundedValue>;
  set(key: string, value: string, options?: { ttl?: number | null }): Promise<void>;
  delete(key: string): Promise<boolean | void>;
}

export interface JobCacheOptions {
  store: RecordStore;
  ttlSeconds: number;
  holdsSecret: SecretDetector;
  logger: Logger;
  close?: () => Promise<void>;
  /** Longest a cache read or write may take before it counts as a miss, in ms (default 250); 0 for an in-process store that needs no guard. */
  opTimeoutMs?: number;
  /**
   * How long to stop using a store that failed, in ms (default 10000); 0: never stopped here (the
   * Redis store fails at once while the process's one Redis signal says it is away).
   */
  pauseAfterFailureMs?: number;
  /** Cross-process leases on the same store (Redis), so several processes fetch a job once. */
  leases?: LeaseStore;
  /**
   * Jobs whose fetch needs no lease: this process holds their poll lease (src/cache/pollLeases.ts),
   * so it is the one replica polling them. Without this, a replica that died while fetching one
   * would hold its successor's poll up for half the budget (the fetch lease's wait).
   */
  leaseFree?: (globalId: string) => boolean;
  /**
   * Seals what is written and opens what is read (a store other processes can write to: Redis):
   * a value not sealed for its key, over MAX_SHARED_RECORD_BYTES, not a record, or a record of
   * another job or account than its key's is a miss, counted by the sealer — never a store failure.
   */
  sealer?: Sealer;
}

const FETCH_YOURSELF: Claim = {};

export function createJobCache(options: JobCacheOptions): JobCache {
  const cache = new GuardedJobCache(options);
  // A plain object (callers spread it, and `claim` is absent without leases) over the class.
  return {
    ...(options.leases
      ? { claim: (globalId: string, lease: LeaseTimes) => cache.claim(globalId, lease) }
      : {}),
    get: (globalId) => cache.read(globalId),
    admit: (record) => cache.admit(record),
    forget: (globalId) => cache.forget(globalId),
    close: options.close ?? (async () => {}),
  };
}

/** `JobCache.claim`'s options: how long a lease is held, and how long to wait for another's. */
type LeaseTimes = { leaseMs: number; waitMs: number };

/** What runs each store call: the op timeout and the pause after a failure, or nothing. */
interface StorePolicy {
  execute<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * A slow or broken store must not slow jobs down: each operation is cut off after a short
 * timeout, and after a failure the store is left alone for a while (then tried once again).
 */
function storePolicy(options: JobCacheOptions): StorePolicy {
  if (options.opTimeoutMs === 0) return { execute: <T>(fn: () => Promise<T>) => fn() };
  const cutOff = timeout(options.opTimeoutMs ?? 250, TimeoutStrategy.Aggressive);
  return options.pauseAfterFailureMs === 0
    ? cutOff
    : wrap(
        circuitBreaker(handleAll, {
          halfOpenAfter: options.pauseAfterFailureMs ?? 10_000,
          breaker: new ConsecutiveBreaker(1),
        }),
        cutOff,
      );
}

/** The job cache {@link createJobCache} returns: the store behind its policy, and the records kept parsed. */
class GuardedJobCache {
  readonly #options: JobCacheOptions;
  readonly #policy: StorePolicy;
  /**
   * A store that fails is said once, by the first failure's warn line (each operation has its
   * own), until an operation succeeds again (one info line): while Redis is away every job would
   * otherwise log one line or two, hundreds a second on a busy replica.
   */
  #failing = false;
  /**
   * The stored text of a record read again is parsed once: the record is deeply frozen and shared
   * by the requests that read the same text (a finished job's record never changes; a changed
   * text, e.g. another replica's write to Redis, is parsed anew). Frozen, it is for reading only:
   * each request's loader serves its own shallow copy to the resolvers and libraries, which may
   * write to it (@apollo/subgraph defines `__typename`; see requestCopy in datasources/guard/loader.ts).
   */
  readonly #parsed = new LRUCache<string, { raw: string; record: JobRecord }>({
    max: PARSED_RECORDS_MAX,
  });

  constructor(options: JobCacheOptions) {
    this.#options = options;
    this.#policy = storePolicy(options);
  }

  async read(globalId: string): Promise<JobRecord | undefined> {
    try {
      const raw = await this.#execute(() => this.#options.store.get(JOB_PREFIX + globalId));
      if (raw === undefined) return undefined;
      if (typeof raw === 'string') return this.#parse(globalId, raw);
      this.#options.sealer?.reject('job', raw.rejected);
      return undefined;
    } catch (err) {
      this.#warn(err, 'job cache read failed; asking the provider');
      return undefined;
    }
  }

  async admit(record: JobRecord): Promise<boolean> {
    // A retained record (the provider forgot the job) is no finished job's live answer: never cached.
    if (!record.terminal || record.retained || this.#options.holdsSecret(record)) return false;
    const { sealer } = this.#options;
    let value = JSON.stringify(record);
    if (sealer) {
      // Longer, it would be a miss for every reader.
      if (Buffer.byteLength(value) > MAX_SHARED_RECORD_BYTES) return false;
      value = sealer.seal('job', JOB_PREFIX + record.id, value);
    }
    try {
      await this.#execute(() =>
        this.#options.store.set(JOB_PREFIX + record.id, value, {
          ttl: this.#options.ttlSeconds,
        }),
      );
      return true;
    } catch (err) {
      this.#warn(err, 'job cache write failed');
      return false;
    }
  }

  async forget(globalId: string): Promise<void> {
    try {
      await this.#execute(() => this.#options.store.delete(JOB_PREFIX + globalId));
    } catch (err) {
      this.#warn(err, 'job cache delete failed');
    }
  }

  async claim(globalId: string, { leaseMs, waitMs }: LeaseTimes): Promise<Claim> {
    if (this.#options.leaseFree?.(globalId)) return FETCH_YOURSELF;
    const token = randomUUID();
    const taken = await this.#acquire(globalId, token, leaseMs);
    if (taken === undefined) return FETCH_YOURSELF;
    if (taken) return this.#holder(globalId, token);
    // Another process fetches it. Listen first, then look again: its word may have come between
    // our SET and our listening (stored: the cache has it; not cacheable: the lease is free again).
    const listening = this.#options.leases!.listen(globalId, waitMs);
    const early = await this.read(globalId);
    if (early) {
      listening.cancel();
      return { record: early };
    }
    const again = await this.#acquire(globalId, token, leaseMs);
    if (again !== false) {
      listening.cancel();
      if (!again) return FETCH_YOURSELF;
      // The lease was free again: its holder finished. It may have stored the record after our read.
      const late = await this.read(globalId);
      if (!late) return this.#holder(globalId, token);
      this.#holder(globalId, token).done!(true);
      return { record: late };
    }
    const outcome = await listening.outcome;
    if (outcome !== 'stored') return FETCH_YOURSELF;
    const record = await this.read(globalId);
    return record ? { record } : FETCH_YOURSELF;
  }

  /** The fetch lease, or undefined when the store failed. */
  async #acquire(globalId: string, token: string, ttlMs: number): Promise<boolean | undefined> {
    try {
      return await this.#execute(() => this.#options.leases!.acquire(globalId, token, ttlMs));
    } catch (err) {
      this.#warn(err, 'job cache lease failed; asking the provider');
      return undefined;
    }
  }

  /** The claim of the process that holds the fetch lease. */
  #holder(globalId: string, token: string): Claim {
    return {
      done: (stored) => {
        this.#execute(() => this.#options.leases!.release(globalId, token, stored)).catch(
          (err: unknown) => this.#warn(err, 'job cache lease release failed'),
        );
      },
    };
  }

  /** A store call under the policy. */
  async #execute<T>(fn: () => Promise<T>): Promise<T> {
    const value = await this.#policy.execute(fn);
    if (this.#failing) {
      this.#failing = false;
      this.#options.logger.info('job cache: the store answers again');
    }
    return value;
  }

  #warn(err: unknown, message: string): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#options.logger.warn({ err: { message: (err as Error).message } }, message);
  }

  /** The record a stored value holds (parsed once per value), or undefined when it is not believed. */
  #parse(globalId: string, raw: string): JobRecord | undefined {
    const known = this.#parsed.get(globalId);
    if (known && known.raw === raw) return known.record;
    const record = this.#decode(globalId, raw);
    if (!record) return undefined;
    this.#parsed.set(globalId, { raw, record });
    return record;
  }

  /** A stored value as a frozen record: opened and checked against its key when the store is sealed. */
  #decode(globalId: string, raw: string): JobRecord | undefined {
    const { sealer } = this.#options;
    if (!sealer) return deepFreeze(JSON.parse(raw)) as JobRecord;
    const text = sealer.open('job', JOB_PREFIX + globalId, raw, MAX_SHARED_RECORD_BYTES);
    if (text === undefined) return undefined;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      return void sealer.reject('job', 'malformed');
    }
    if (typeof record !== 'object' || record === null)
      return void sealer.reject('job', 'malformed');
    // The global ID names the account (`panorama@staging:…`): a record of another job or account
    // than the key it was read under is never served (the MAC binds the key, this the content).
    if ((record as JobRecord).id !== globalId) return void sealer.reject('job', 'binding');
    return deepFreeze(record as JobRecord);
  }
}

/** Freeze a parsed JSON value and everything in it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The in-process default: an LRU of at most `maxEntries` records. */
export function inMemoryStore(maxEntries: number): KeyValueCache<string> {
  return new InMemoryLRUCache<string>({ max: maxEntries });
}
