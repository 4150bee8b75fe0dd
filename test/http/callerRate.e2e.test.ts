import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerRateKeyOf, untilCountedInRedis } from '../support/callerRateProbe.ts';
import type { LiveProcess } from '../support/liveProcess.ts';
import { realPart } from '../support/realParts.ts';
import { useRedisEmulators } from '../support/useRedis.ts';
import { kill, replicaEnv, startReplicas, watcherToken } from '../subscriptions/clusterSupport.ts';

// Two jobgraph processes (bin/jobgraph.mjs, live mode) sharing one redis-server: a caller's
// requests spent on one are spent on the other, and a far-future time written under a caller's
// key is ignored without a timer warning in either process's output. 3 requests a minute.

const redisServer = realPart('redis-server');

describe.skipIf(redisServer.skip)('The request rate per caller across two processes', () => {
  const { redis, emulators } = useRedisEmulators();
  const processes: LiveProcess[] = [];

  beforeAll(async () => {
    processes.push(
      ...(await startReplicas(2, {
        ...replicaEnv(emulators, redis.url, 2000),
        JOBGRAPH_CALLER_RATE: '3/60s',
      })),
    );
    for (const proc of processes)
      await untilCountedInRedis(proc.url, redis.client, (n) =>
        watcherToken(`e2e-probe-${proc.port}-${n}`),
      );
  });
  afterAll(async () => {
    for (const p of processes) await kill(p.child);
  });

  const post = (proc: LiveProcess, token: string) =>
    fetch(proc.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });

  it('refuses on the second process what the caller spent on the first, while another caller is served', async () => {
    const [one, two] = processes as [LiveProcess, LiveProcess];
    const [token, other] = await Promise.all([
      watcherToken('e2e-spender'),
      watcherToken('e2e-bystander'),
    ]);
    for (const proc of [one, one, two]) expect((await post(proc, token)).status).toBe(200);
    for (const proc of [two, one]) {
      const refused = await post(proc, token);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect((await post(two, other)).status).toBe(200);
  });

  it('ignores a far-future time under a caller’s key: served, no TimeoutOverflowWarning', async () => {
    const token = await watcherToken('e2e-forged');
    const key = callerRateKeyOf(token);
    await redis.client.set(key, '9'.repeat(30), { PX: 3_600_000 });
    for (const proc of processes) expect((await post(proc, token)).status).toBe(200);
    for (const proc of processes) {
      expect(proc.output.stderr).not.toContain('TimeoutOverflowWarning');
      expect(proc.output.stdout).not.toMatch(/caller rate: Redis is unavailable/);
    }
  });
});
