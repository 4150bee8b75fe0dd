import { createClient, type RedisClientType } from '@keyv/redis';
import { LIST_SNAPSHOT_PREFIX } from '../../src/cache/redisListSnapshots.ts';

/**
 * Resolves once the Redis at `url` holds the list snapshot `key` (its writers connect in the
 * background and do not say when a write is done), calling `write` before each look. It waits on
 * that key, not on a number of looks: on a busy machine a write may take any time. `failure`
 * says why the write can no longer come (a store's warn line: it gave the write up), and the
 * wait throws with it at once; else the test's own timeout is the backstop.
 */
export async function listSnapshotWritten(
  url: string,
  key: string,
  write?: () => void,
  failure?: () => string | undefined,
): Promise<void> {
  const c = createClient({ url }) as unknown as RedisClientType;
  await c.connect();
  try {
    for (;;) {
      write?.();
      if ((await c.exists(LIST_SNAPSHOT_PREFIX + key)) === 1) return;
      const why = failure?.();
      if (why !== undefined) throw new Error(`${key} was not written: ${why}`);
      // The pace of the looks (each a round trip to Redis), not a deadline.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    c.destroy();
  }
}
