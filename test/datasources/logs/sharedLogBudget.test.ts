import { describe, expect, it } from 'vitest';
import { SCOPE_LOGS, SCOPE_READ } from '../../../src/auth/identity.ts';
import { LOG_BUDGET_KEY_PREFIX } from '../../../src/cache/redisLogBudget.ts';
import { BATCH_JOB_IDS, batchGlobalId } from '@jobgraph/emulators/batch/data';
import { redisServerMissing } from '../../subscriptions/clusterSupport.ts';
import { accountToken } from '../../support/accountTokens.ts';
import { TEST_CLUSTER_SECRET } from '../../support/clusterSecret.ts';
import { gql, startTestGateway, type TestGateway } from '../../support/gateway.ts';
import { useRedis } from '../../support/useRedis.ts';
import { useStarted } from '../../support/useStarted.ts';

/**
 * The log budget shared by the replicas through a real redis-server: two demo gateways on one
 * Redis, at JOBGRAPH_LOG_READS_PER_SECOND=1, asked in turn for a running Batch job's tail (read
 * again on each ask: never kept). Counted at both gateways' emulated CloudWatch Logs, they make at
 * most the budget's calls together, and the asks over it are answered UPSTREAM_THROTTLED with a
 * retry time, at either gateway.
 */
const missing = redisServerMissing();
const RUNNING = batchGlobalId(BATCH_JOB_IDS.running);
const QUERY = `query ($id: ID!) { job(id: $id) { ... on BatchJob { logTail(last: 5) { lines { message } } } } }`;

const logCalls = (gw: TestGateway) =>
  gw.emulators.logs.calls.filter((c) => c.operation.startsWith('GetLogEvents')).length;

describe.skipIf(missing !== null)('The log budget across replicas', () => {
  const redis = useRedis();
  const replicas = useStarted(
    'two replicas on one Redis',
    async () => {
      const env = {
        JOBGRAPH_CACHE_URL: redis.url,
        JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
        JOBGRAPH_CACHE_OP_TIMEOUT_MS: '2000',
        JOBGRAPH_LOG_READS_PER_SECOND: '1',
      };
      return Promise.all([startTestGateway(env), startTestGateway(env)]);
    },
    async (gws) => {
      for (const gw of gws) await gw.close();
    },
  );

  it('lets two gateways make at most the budget’s GetLogEvents calls together, and answers the others UPSTREAM_THROTTLED with a retry time', async () => {
    const gws = replicas;
    const tokens = await Promise.all(
      gws.map((gw) => accountToken(gw, undefined, 'log-reader', [SCOPE_READ, SCOPE_LOGS])),
    );
    const before = gws.map(logCalls);
    const answers: { lines: boolean; code: unknown; retryAfterMs: unknown }[] = [];
    const started = performance.now();
    // One ask at a time, each gateway in turn: a running attempt's tail is read on every ask.
    for (let i = 0; i < 6; i++) {
      const gw = gws[i % 2]!;
      const res = await gql<{ job: { logTail: { lines: unknown[] } | null } }>(gw, QUERY, {
        token: tokens[i % 2],
        variables: { id: RUNNING },
      });
      const error = res.body.errors?.[0];
      answers.push({
        lines: (res.body.data?.job?.logTail?.lines.length ?? 0) > 0,
        code: error?.extensions?.code,
        retryAfterMs: error?.extensions?.retryAfterMs,
      });
      // The budget's key (it lapses a second after the budget is free again) names the account
      // and region: the demo's default account in us-east-1, and nothing secret; its caller's
      // key beside it, a keyed digest of the caller.
      if (i === 0) {
        const keys = (await redis.client.keys(`${LOG_BUDGET_KEY_PREFIX}*`)).sort();
        expect(keys).toHaveLength(2);
        expect(keys[0]).toBe(`${LOG_BUDGET_KEY_PREFIX}default:us-east-1`);
        expect(keys[1]).toMatch(/^jobgraph:log-budget:v1:default:us-east-1:[A-Za-z0-9_-]{43}$/);
      }
    }
    const elapsedMs = performance.now() - started;
    const calls = gws.map((gw, n) => logCalls(gw) - before[n]!);
    const made = calls[0]! + calls[1]!;
    process.stderr.write(
      `[logs] 2 replicas on one Redis at 1 read/s, 6 asks in ${Math.round(elapsedMs)} ms: ${made} GetLogEvents calls (${calls.join(' + ')}), ${6 - made} UPSTREAM_THROTTLED\n`,
    );
    // A token bucket of one call, refilled at one a second, on Redis's clock: whatever the load of
    // the machine, the two together made at most 1 + one a second of the run.
    expect(made).toBeLessThanOrEqual(1 + Math.floor(elapsedMs / 1000));
    expect(made).toBe(answers.filter((a) => a.lines).length);
    const refused = answers.filter((a) => !a.lines);
    expect(refused.length).toBe(6 - made);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.code).toBe('UPSTREAM_THROTTLED');
      expect(answer.retryAfterMs).toBeGreaterThan(0);
      // At most the caller's own interval (its share: half of 1 a second).
      expect(answer.retryAfterMs).toBeLessThanOrEqual(2000);
    }
  });
});
