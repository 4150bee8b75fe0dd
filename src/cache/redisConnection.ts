import { createClient, type RedisClientType } from '@keyv/redis';
import { reconnectAfter } from './redisCall.ts';

// The one module that loads the Redis client at run time; only the Redis stores import it, and they
// are loaded when JOBGRAPH_CACHE_URL is set. Not for the client's size alone: @redis/client defines
// `class VerbatimString extends String`, which leaves V8 holding String.prototype's properties in
// dictionary mode, and every string method call in the process (fast-xml-parser's parse is most of
// them) then runs longer (measured in docs/performance.md, "the XML parse in place").

/** How a connection of a store's own (`ownRedisConnection`) comes back and connects. */
export interface OwnConnectionOptions {
  /**
   * Longest wait between two reconnections, in ms, jittered (`reconnectAfter`): for the stores
   * that turn back to Redis as soon as it answers. Absent: doubling from 50 ms up to 2 s.
   */
  retryMs?: number;
  /** Longest wait for one connection attempt, in ms; absent: node-redis's default. */
  connectTimeoutMs?: number;
}

/**
 * A connection of a store's own to `url` without an offline queue (while Redis is away a call
 * fails at once instead of waiting), reconnecting for ever; not yet connected (`connectWatched`).
 */
export function ownRedisConnection(
  url: string,
  options: OwnConnectionOptions = {},
): RedisClientType {
  const { retryMs, connectTimeoutMs } = options;
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      ...(connectTimeoutMs === undefined ? {} : { connectTimeout: connectTimeoutMs }),
      reconnectStrategy:
        retryMs === undefined
          ? (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), 2000)
          : reconnectAfter(retryMs),
    },
  });
}
