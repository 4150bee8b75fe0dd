import type { RedisClientType } from '@keyv/redis';
import {
  connectWatched,
  recheckLater,
  withinOpTimeout,
  type OwnRedisOptions,
} from './redisCall.ts';
import { ownRedisConnection } from './redisConnection.ts';

export interface RedisLaneOptions extends OwnRedisOptions {
  /** The one `warn` line when Redis goes away, and the one `info` line when it is back. */
  say: { down: string; back: string };
  /** Told each time the calls move to Redis (true) or to the local way (false). */
  onChange?(shared: boolean): void;
}

/** Calls to Redis while it answers, the local way while it does not (see {@link redisLane}). */
export interface RedisLane {
  /**
   * `call` on Redis while it is up, bounded by the op timeout; `local()` while it is not, and when
   * `call` fails (which counts Redis as down until a PING answers).
   */
  run<T>(call: (client: RedisClientType) => Promise<T>, local: () => T | Promise<T>): Promise<T>;
  /** Resolves once Redis first answered or first failed, or after the op timeout, whichever is first. */
  settled: Promise<void>;
  close(): Promise<void>;
}

/**
 * One connection of its own to Redis, without an offline queue (while Redis is away a call fails
 * at once), for a store that has a local way to do the same: the first failure turns its calls to
 * the local way with one `warn` line, and a check every `retryMs` turns them back once Redis
 * answers a PING (one `info` line).
 */
export function redisLane(options: RedisLaneOptions): RedisLane {
  const { opTimeoutMs, retryMs, logger, say } = options;
  const client = ownRedisConnection(options.url, { retryMs });
  let state: 'starting' | 'up' | 'down' = 'starting';
  let closed = false;
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
    setTimeout(resolve, opTimeoutMs).unref();
  });
  const moveTo = (next: 'up' | 'down', err?: unknown) => {
    const was = state;
    state = next;
    settle();
    options.onChange?.(next === 'up');
    if (next === 'down')
      logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, say.down);
    else if (was === 'down') logger.info(say.back);
  };
  const recheck = recheckLater(retryMs, () => check());
  const failed = (err: unknown) => {
    if (closed) return;
    if (state !== 'down') moveTo('down', err);
    recheck.schedule();
  };
  const check = async () => {
    if (closed || state === 'up') return;
    if (!client.isReady) return recheck.schedule();
    try {
      await withinOpTimeout(client.ping(), opTimeoutMs);
    } catch {
      return recheck.schedule();
    }
    if (!closed && (state as string) !== 'up') moveTo('up');
  };
  // A Redis that is not there holds the start up for at most `settled`.
  connectWatched([client], { failed, ready: () => void check(), endIsFailure: true });
  return {
    settled,
    async run(call, local) {
      if (state !== 'up' || !client.isReady) return local();
      try {
        return await withinOpTimeout(call(client), opTimeoutMs);
      } catch (err) {
        failed(err);
        return local();
      }
    },
    close() {
      closed = true;
      recheck.stop();
      // Nothing is left to say to Redis: its keys lapse on their own.
      if (client.isOpen) client.destroy();
      return Promise.resolve();
    },
  };
}
