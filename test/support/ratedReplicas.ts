import { startTestGateway, type TestGateway } from './gateway.ts';
import { untilCountedInRedis } from './callerRateProbe.ts';
import { TEST_CLUSTER_SECRET } from './clusterSecret.ts';
import type { UsedRedis } from './useRedis.ts';
import { useStarted } from './useStarted.ts';

/**
 * Two demo gateways (replicas) of a test file or `describe` block sharing `redis` for their cache
 * and their callers' rates, at `rate` per caller and verifying tokens signed with `jwtSecret`:
 * started side by side before the first test, each seen counting a caller of its own
 * (`probeToken(n)`) in Redis before the first test runs, closed after the last.
 */
export function useRatedReplicas(
  redis: UsedRedis,
  options: { jwtSecret: string; rate: string; probeToken: (n: number) => Promise<string> },
): { one: TestGateway; two: TestGateway } {
  return useStarted(
    'the two replicas',
    async () => {
      const env = {
        JOBGRAPH_JWT_SECRET: options.jwtSecret,
        JOBGRAPH_CACHE_URL: redis.url,
        JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
        JOBGRAPH_CACHE_OP_TIMEOUT_MS: '2000',
        JOBGRAPH_CALLER_RATE: options.rate,
      };
      const [one, two] = await Promise.all([startTestGateway(env), startTestGateway(env)]);
      try {
        for (const gw of [one, two])
          await untilCountedInRedis(gw.server.url, redis.client, options.probeToken);
      } catch (err) {
        await Promise.all([one.close(), two.close()]);
        throw err;
      }
      return { one, two };
    },
    async ({ one, two }) => {
      await one.close();
      await two.close();
    },
  );
}
