import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { createClient, type RedisClientType } from '@keyv/redis';
import type { Logger } from 'pino';
import { withinOpTimeout } from './redisCall.ts';

/** `jobgraph:list:v1:<snapshot key>` (`panorama:us-east-1`, `cos:ap-guangzhou:…?jobStatuses=Failed`). */
export const LIST_SNAPSHOT_PREFIX = 'jobgraph:list:v1:';

/**
 * The largest snapshot shared through Redis, compressed (base64 of gzip): 8 MiB, about 180,000
 * Panorama or 120,000 COS Batch jobs at the 46 and 71 bytes a job they take there; a bigger one
 * stays in its process.
 */
export const MAX_SHARED_SNAPSHOT_BYTES = 8 * 1024 * 1024;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface RedisListSnapshotsOptions {
  url: string;
  /** Longest a Redis call may take before it counts as a miss, in ms (JOBGRAPH_CACHE_OP_TIMEOUT_MS). */
  opTimeoutMs: number;
  logger: Logger;
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
 * (summaries only: `Snapshot.toWire`) gzipped and in base64, with a TTL of what is left of
 * JOBGRAPH_LIST_SNAPSHOT_SECONDS, so Redis holds at most the snapshots of the last TTL, each at
 * most MAX_SHARED_SNAPSHOT_BYTES. Every call is bounded by the op timeout; a failure is a miss
 * (one warn line when Redis goes away, one info line when it answers again), never an error.
 */
export function redisListSnapshots(options: RedisListSnapshotsOptions): RedisListSnapshots {
  const { opTimeoutMs, logger } = options;
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: {
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), 2000),
    },
  }) as unknown as RedisClientType;
  let down = false;
  let closed = false;
  const failed = (err: unknown) => {
    if (closed || down) return;
    down = true;
    logger.warn(
      { err: { message: err instanceof Error ? err.message : String(err) } },
      'list snapshots: Redis is unavailable; each replica reads the lists it needs itself until it is back',
    );
  };
  const answered = () => {
    if (!down || closed) return;
    down = false;
    logger.info('list snapshots: Redis is back; the replicas share list snapshots again');
  };
  client.on('error', failed);
  client.on('ready', answered);
  // Connected in the background: a Redis that is not there must not hold up the start.
  client.connect().catch(() => undefined);

  const bounded = <T>(call: () => Promise<T>): Promise<T> =>
    client.isReady
      ? withinOpTimeout(call(), opTimeoutMs)
      : Promise.reject(new Error('Redis is not connected'));

  return {
    async get(keys) {
      if (keys.length === 0) return [];
      let values: (string | null)[];
      try {
        values = await bounded<(string | null)[]>(() =>
          client.mGet(keys.map((k) => LIST_SNAPSHOT_PREFIX + k)),
        );
      } catch (err) {
        failed(err);
        return keys.map(() => undefined);
      }
      answered();
      return Promise.all(
        values.map(async (v) => {
          if (typeof v !== 'string') return undefined;
          try {
            return (await gunzipAsync(Buffer.from(v, 'base64'))).toString('utf8');
          } catch {
            return undefined;
          }
        }),
      );
    },
    set(key, text, ttlMs) {
      void (async () => {
        const value = (await gzipAsync(Buffer.from(text, 'utf8'), { level: 1 })).toString('base64');
        if (value.length > MAX_SHARED_SNAPSHOT_BYTES) return;
        await bounded(() =>
          client.set(LIST_SNAPSHOT_PREFIX + key, value, {
            expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) },
          }),
        );
        answered();
      })().catch(failed);
    },
    async close() {
      closed = true;
      if (client.isOpen) client.destroy();
    },
  };
}
