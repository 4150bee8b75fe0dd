import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Logger } from 'pino';
import { boundedGet, type BoundedValue } from './redisCall.ts';
import { SEALED_HEADER_LENGTH, type Sealer } from './sealed.ts';
import { SharedRedis, sayTurns } from './sharedRedis.ts';

/**
 * `jobgraph:list:v2:<snapshot key>` (`panorama:us-east-1`, `cos:ap-guangzhou:…?jobStatuses=Failed`),
 * its value sealed for its key (src/cache/sealed.ts); v1's unsealed values are never read.
 */
export const LIST_SNAPSHOT_PREFIX = 'jobgraph:list:v2:';

/**
 * The largest snapshot shared through Redis, compressed (base64 of gzip): 8 MiB, about 180,000
 * Panorama or 120,000 COS Batch jobs at the 46 and 71 bytes a job they take there; a bigger one
 * stays in its process.
 */
export const MAX_SHARED_SNAPSHOT_BYTES = 8 * 1024 * 1024;

/**
 * The longest snapshot text read back, decompressed: 64 MiB, what one process keeps of all its
 * snapshots (LIST_SNAPSHOT_MAX_BYTES in src/datasources/listing/snapshots.ts); a longer one is
 * neither written nor inflated past it (a miss).
 */
export const MAX_SHARED_SNAPSHOT_TEXT_BYTES = 64 * 1024 * 1024;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface RedisListSnapshotsOptions {
  /** The process's shared connections; absent: a connection of the store's own to `url`, closed with it. */
  redis?: SharedRedis;
  url: string;
  /** Longest a Redis call may take before it counts as a miss, in ms (JOBGRAPH_CACHE_OP_TIMEOUT_MS). */
  opTimeoutMs: number;
  logger: Logger;
  /** Seals each snapshot for its key and opens what is read back (JOBGRAPH_CLUSTER_SECRET). */
  sealer: Sealer;
  /** The longest text inflated, in bytes (default MAX_SHARED_SNAPSHOT_TEXT_BYTES). */
  maxTextBytes?: number;
}

/** What src/datasources/listing/snapshots.ts's `SharedSnapshotStore` asks of a store. */
export interface RedisListSnapshots {
  get(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, text: string, ttlMs: number): void;
  close(): Promise<void>;
}

/**
 * The replicas' list snapshots in Redis, over a connection of their own without an offline queue:
 * one key a snapshot, `jobgraph:list:v1:<source[?provider filter]>`, its value the snapshot's text
 * (summaries only: `Snapshot.toWire`) gzipped, in base64 and sealed for its key, with a TTL of
 * what is left of JOBGRAPH_LIST_SNAPSHOT_SECONDS, so Redis holds at most the snapshots of the last
 * TTL, each at most MAX_SHARED_SNAPSHOT_BYTES. A value read back is believed only when Redis says
 * it is within that bound (it is not even sent otherwise), its seal is this cluster's for its key,
 * and it inflates to at most `maxTextBytes`: else it is a miss, counted by the sealer. Every call
 * is bounded by the op timeout; a failure is a miss (one warn line when Redis goes away, one info
 * line when it answers again), never an error.
 */
export function redisListSnapshots(options: RedisListSnapshotsOptions): RedisListSnapshots {
  const { opTimeoutMs, logger, sealer } = options;
  const maxTextBytes = options.maxTextBytes ?? MAX_SHARED_SNAPSHOT_TEXT_BYTES;
  const owned = options.redis === undefined;
  const redis =
    options.redis ?? new SharedRedis({ url: options.url, opTimeoutMs, retryMs: 2000, logger });
  const client = redis.commands;
  let closed = false;
  const off = sayTurns(redis, logger, {
    down: 'list snapshots: Redis is unavailable; each replica reads the lists it needs itself until it is back',
    back: 'list snapshots: Redis is back; the replicas share list snapshots again',
  });
  const failed = (err: unknown) => {
    if (!closed) redis.failed(err);
  };
  /** A call bounded by the op timeout (sent only while the one signal says Redis is there). */
  const bounded = <T>(call: () => Promise<T>): Promise<T> => redis.bounded(call());

  /** A value read back as the snapshot's text, or undefined (counted) when it is not believed. */
  const open = async (key: string, value: BoundedValue): Promise<string | undefined> => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return void sealer.reject('list', value.rejected);
    const sealed = sealer.open('list', key, value, MAX_SHARED_SNAPSHOT_BYTES);
    if (sealed === undefined) return undefined;
    try {
      return (
        await gunzipAsync(Buffer.from(sealed, 'base64'), { maxOutputLength: maxTextBytes })
      ).toString('utf8');
    } catch (err) {
      // Inflating past the bound stops there (ERR_BUFFER_TOO_LARGE); anything else is damage.
      const code = (err as { code?: unknown }).code;
      return void sealer.reject(
        'list',
        code === 'ERR_BUFFER_TOO_LARGE' ? 'oversized' : 'malformed',
      );
    }
  };

  return {
    async get(keys) {
      if (keys.length === 0) return [];
      // Redis away: a miss at once, nothing sent.
      if (closed || !redis.available()) return keys.map(() => undefined);
      const prefixed = keys.map((k) => LIST_SNAPSHOT_PREFIX + k);
      let values: BoundedValue[];
      try {
        values = await bounded(() =>
          boundedGet(client, prefixed, MAX_SHARED_SNAPSHOT_BYTES + SEALED_HEADER_LENGTH),
        );
      } catch (err) {
        failed(err);
        return keys.map(() => undefined);
      }
      return Promise.all(values.map((v, i) => open(prefixed[i]!, v)));
    },
    set(key, text, ttlMs) {
      if (closed || !redis.available()) return;
      void (async () => {
        const raw = Buffer.from(text, 'utf8');
        if (raw.length > maxTextBytes) return;
        const value = (await gzipAsync(raw, { level: 1 })).toString('base64');
        if (value.length > MAX_SHARED_SNAPSHOT_BYTES) return;
        await bounded(() =>
          client.set(
            LIST_SNAPSHOT_PREFIX + key,
            sealer.seal('list', LIST_SNAPSHOT_PREFIX + key, value),
            {
              expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) },
            },
          ),
        );
      })().catch(failed);
    },
    async close() {
      closed = true;
      off();
      if (owned) await redis.close();
    },
  };
}
