import type { Logger } from 'pino';
import { afterAll } from 'vitest';
import { capturedLog } from './capturedLog.ts';
import type { UsedRedis } from './useRedis.ts';

/** A replica's store over Redis (poll leases, SSE reservations), as far as these helpers use it. */
export interface AvailabilityStore {
  available(): boolean;
  onAvailability(listener: (available: boolean) => void): () => void;
  close(): unknown;
}

/** Resolves once `store` reports it is available (`up`) or unavailable (not `up`). */
export const untilAvailability = (store: AvailabilityStore, up: boolean) =>
  new Promise<void>((resolve) => {
    const off = store.onAvailability((now) => {
      if (now !== up) return;
      off();
      resolve();
    });
  });

/**
 * Replicas' stores over `redis`, made by `make` with a 2 s operation timeout and 25 ms between
 * reconnections: `store(replicaId, url?, log?)` resolves with one once it is available. Every
 * store in `stores` is closed after the block.
 */
export function useReplicaStores<S extends AvailabilityStore>(
  redis: UsedRedis,
  make: (options: {
    url: string;
    opTimeoutMs: number;
    retryMs: number;
    logger: Logger;
    replicaId: string;
  }) => S,
) {
  const stores: S[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });
  const store = async (replicaId: string, url = redis.url, log = capturedLog()) => {
    const s = make({ url, opTimeoutMs: 2000, retryMs: 25, logger: log.logger, replicaId });
    stores.push(s);
    if (!s.available()) await untilAvailability(s, true);
    return s;
  };
  return { stores, store };
}

/**
 * Resolves once at least `count` clients listen on `channel` (Redis's PUBSUB NUMSUB). It asks
 * until they do: at once at first, then every 5 ms, and gives up after 20 s, far past any
 * subscription's round trip however busy the machine (a count of asks was not: a loaded machine
 * can take longer than 200 quick asks to finish another connection's SUBSCRIBE).
 */
export async function channelSubscribed(
  client: { sendCommand<T>(args: string[]): Promise<T> },
  channel: string,
  count = 1,
): Promise<void> {
  const giveUp = Date.now() + 20_000;
  for (let ask = 0; Date.now() < giveUp; ask++) {
    const counts = await client.sendCommand<unknown[]>(['PUBSUB', 'NUMSUB', channel]);
    if (Number(counts[1]) >= count) return;
    await new Promise((resolve) => (ask < 50 ? setImmediate(resolve) : setTimeout(resolve, 5)));
  }
  throw new Error(`nobody listens on ${channel}`);
}
