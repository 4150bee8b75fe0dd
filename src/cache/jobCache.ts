import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import { ConsecutiveBreaker, TimeoutStrategy, circuitBreaker, handleAll, timeout, wrap } from 'cockatiel';
import type { Logger } from 'pino';
import type { JobRecord } from '../model.ts';

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
  offer(record: JobRecord): Promise<boolean>;
  close(): Promise<void>;
}

const PREFIX = 'jobgraph:job:v1:';
/** Records kept parsed (see `createJobCache`'s `get`): the most recently parsed ones. */
export const PARSED_RECORDS_MAX = 512;

export interface JobCacheOptions {
  store: KeyValueCache<string>;
  ttlSeconds: number;
  holdsSecret: SecretDetector;
  logger: Logger;
  close?: () => Promise<void>;
  /** Longest a cache read or write may take before it counts as a miss, in ms (default 250); 0 for an in-process store that needs no guard. */
  opTimeoutMs?: number;
  /** How long to stop using a store that failed, in ms (default 10000). */
  pauseAfterFailureMs?: number;
}

export function createJobCache(options: JobCacheOptions): JobCache {
  const { store, ttlSeconds, holdsSecret, logger } = options;
  // A slow or broken store must not slow jobs down: each operation is cut off after a short
  // timeout, and after a failure the store is left alone for a while (then tried once again).
  const guard =
    options.opTimeoutMs === 0
      ? { execute: <T>(fn: () => Promise<T>) => fn() }
      : wrap(
          circuitBreaker(handleAll, { halfOpenAfter: options.pauseAfterFailureMs ?? 10_000, breaker: new ConsecutiveBreaker(1) }),
          timeout(options.opTimeoutMs ?? 250, TimeoutStrategy.Aggressive),
        );
  // The stored text of a record read again is parsed once: the record is deeply frozen and shared
  // by the requests that read the same text (a finished job's record never changes; a changed
  // text, e.g. another replica's write to Redis, is parsed anew).
  const parsed = new Map<string, { raw: string; record: JobRecord }>();
  const parse = (globalId: string, raw: string): JobRecord => {
    const known = parsed.get(globalId);
    if (known && known.raw === raw) return known.record;
    const record = deepFreeze(JSON.parse(raw)) as JobRecord;
    if (known) parsed.delete(globalId);
    else if (parsed.size >= PARSED_RECORDS_MAX) parsed.delete(parsed.keys().next().value as string);
    parsed.set(globalId, { raw, record });
    return record;
  };
  return {
    async get(globalId) {
      try {
        const raw = await guard.execute(() => store.get(PREFIX + globalId));
        return raw === undefined ? undefined : parse(globalId, raw);
      } catch (err) {
        logger.warn({ err: { message: (err as Error).message } }, 'job cache read failed; asking the provider');
        return undefined;
      }
    },
    async offer(record) {
      if (!record.terminal || holdsSecret(record)) return false;
      try {
        await guard.execute(() => store.set(PREFIX + record.id, JSON.stringify(record), { ttl: ttlSeconds }));
        return true;
      } catch (err) {
        logger.warn({ err: { message: (err as Error).message } }, 'job cache write failed');
        return false;
      }
    },
    close: options.close ?? (async () => {}),
  };
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
