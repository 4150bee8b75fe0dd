import type { RedisClientType } from '@keyv/redis';
import type { OwnRedisOptions } from './redisCall.ts';
import { SharedRedis, sayTurns } from './sharedRedis.ts';

export interface RedisLaneOptions extends OwnRedisOptions {
  /** The process's shared connections; absent: a connection of the lane's own to `url`, closed with it. */
  redis?: SharedRedis;
  /** The one `warn` line when Redis goes away, and the one `info` line when it is back. */
  say: { down: string; back: string };
  /** Told each time the calls move to Redis (true) or to the local way (false). */
  onChange?(shared: boolean): void;
}

/**
 * The `say` of a budget every replica shares through Redis under `variable` (`name`: its words in
 * the lines, `what`: what N replicas may make N times of while each keeps it on its own).
 */
export function sharedBudgetSay(
  name: string,
  variable: string,
  what: string,
): RedisLaneOptions['say'] {
  return {
    down: `${name}: Redis is unavailable; each replica keeps ${variable} on its own until it is back (N replicas may make up to N times the ${what})`,
    back: `${name}: Redis is back; the replicas share ${variable} again`,
  };
}

/** Calls to Redis while it answers, the local way while it does not (see {@link redisLane}). */
export interface RedisLane {
  /**
   * `call` on Redis while it is up, bounded by the op timeout; `local()` while it is not, and when
   * `call` fails (which counts Redis as away until a PING answers).
   */
  run<T>(call: (client: RedisClientType) => Promise<T>, local: () => T | Promise<T>): Promise<T>;
  /** Resolves once Redis first answered or first failed, or after the op timeout, whichever is first. */
  settled: Promise<void>;
  close(): Promise<void>;
}

/**
 * Calls on the shared Redis client for a store that has a local way to do the same: while the
 * shared signal says Redis is away its calls go the local way (one `warn` line when it turns away,
 * one `info` line when it is back); a failed call goes the local way too, and is told to the signal.
 */
export function redisLane(options: RedisLaneOptions): RedisLane {
  const { logger, say } = options;
  const owned = options.redis === undefined;
  const redis = options.redis ?? new SharedRedis(options);
  let closed = false;
  const off = sayTurns(redis, logger, say, (available) => {
    if (!closed) options.onChange?.(available);
  });
  if (redis.available()) options.onChange?.(true);
  return {
    settled: redis.settled,
    async run(call, local) {
      if (closed || !redis.available()) return local();
      try {
        return await redis.bounded(call(redis.commands));
      } catch (err) {
        redis.failed(err);
        return local();
      }
    },
    async close() {
      closed = true;
      off();
      // Nothing is left to say to Redis: its keys lapse on their own.
      if (owned) await redis.close();
    },
  };
}
