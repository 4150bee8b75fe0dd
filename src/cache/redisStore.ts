import { KeyvAdapter } from '@apollo/utils.keyvadapter';
import { createKeyv } from '@keyv/redis';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';

/**
 * A Redis-backed KeyValueCache (Apollo's interface over Keyv), so several replicas share
 * finished jobs. Connection and command errors are not thrown at callers: the job cache treats
 * a failing Redis as a miss.
 */
export async function redisStore(url: string): Promise<{ store: KeyValueCache<string>; close: () => Promise<void> }> {
  const keyv = createKeyv(url, { throwOnConnectError: false, throwOnErrors: false, connectionTimeout: 1000 });
  keyv.on('error', () => {
    // Reported through failed reads and writes (logged by the job cache); keep the emitter quiet.
  });
  // Connect at start, so the first jobs do not pay for (or time out on) the connection.
  await (keyv.store as { getClient?: () => Promise<unknown> }).getClient?.().catch(() => undefined);
  return {
    store: new KeyvAdapter<string>(keyv as never),
    close: async () => {
      await keyv.disconnect().catch(() => undefined);
    },
  };
}
