import { createClient, type RedisClientType } from '@keyv/redis';
import { LIST_SNAPSHOT_PREFIX } from '../../src/cache/redisListSnapshots.ts';

/**
 * Resolves once the Redis at `url` holds the list snapshot `key` (its writers connect in the
 * background), calling `write` before each look; throws when it never appears.
 */
export async function listSnapshotWritten(
  url: string,
  key: string,
  write?: () => void,
): Promise<void> {
  const c = createClient({ url }) as unknown as RedisClientType;
  await c.connect();
  try {
    for (let i = 0; i < 2000; i++) {
      write?.();
      if ((await c.exists(LIST_SNAPSHOT_PREFIX + key)) === 1) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`${key} was never written`);
  } finally {
    c.destroy();
  }
}
