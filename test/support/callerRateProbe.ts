import { decodeJwt } from 'jose';
import type { RedisClientType } from '@keyv/redis';
import { callerKeyOf } from '../../src/auth/verifyToken.ts';
import { callerRateKeys } from '../../src/cache/callerRateKey.ts';
import { TEST_CLUSTER_SECRET } from './clusterSecret.ts';

/** The Redis key a token's caller is counted under by the tests' replicas (a keyed digest, never the token). */
export const callerRateKeyOf = (token: string): string =>
  callerRateKeys(TEST_CLUSTER_SECRET)(callerKeyOf(decodeJwt(token), token));

/**
 * Resolves once the replica at `url` counts callers in Redis: a request by a caller of its own
 * (a fresh token from `probeToken`) shows up as that caller's key. A replica starts counting there
 * once its connection answered a PING (this process's own count until then), which a busy machine
 * may delay past the start; each try is one request, up to 200 of them.
 */
export async function untilCountedInRedis(
  url: string,
  redis: RedisClientType,
  probeToken: (n: number) => Promise<string>,
): Promise<void> {
  for (let n = 0; n < 200; n++) {
    const token = await probeToken(n);
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    if ((await redis.exists(callerRateKeyOf(token))) === 1) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} never counted a caller in Redis`);
}
