import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { SCOPE_OPERATE } from '../../src/auth/identity.ts';
import { PRESENCE_KEY_PREFIX, type ClusterState } from '../../src/cache/clusterPeers.ts';
import { kill, metricsOf, replicaEnv, SHARED_SECRET } from '../subscriptions/clusterSupport.ts';
import { TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { stderrText } from '../support/stderrText.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { realPart } from '../support/realParts.ts';
import { useRedisEmulators } from '../support/useRedis.ts';

// Compiled replicas (live mode, bin/jobgraph.mjs) on one real redis-server, the second started
// with another JOBGRAPH_CLUSTER_SECRET than the first: neither believes what the other writes,
// which nothing reported before. Now the second's start-up summary says so, each replica's
// /readyz tells an operator (`cluster`), and /metrics counts the presence that failed its MAC; a
// third replica with the first's secret counts the first as a peer and the second as not. No
// secret appears anywhere.

const redisPart = realPart('redis-server');
const OTHER_SECRET = randomBytes(48).toString('base64');

describe.skipIf(redisPart.skip)('Replicas sharing Redis under different cluster secrets', () => {
  const { redis, emulators } = useRedisEmulators();
  const replicas: LiveProcess[] = [];
  let operator: string;

  beforeAll(async () => {
    operator = await mintToken({ secret: SHARED_SECRET, scopes: [SCOPE_OPERATE] });
    const env = replicaEnv(emulators, redis.url, 500);
    replicas.push(await startLiveProcess(env));
    // The first is in Redis before the second starts: its presence is what the second reads.
    await vi.waitFor(async () => {
      expect(await redis.client.keys(`${PRESENCE_KEY_PREFIX}*`)).toHaveLength(1);
    }, EVENTUALLY);
    replicas.push(await startLiveProcess({ ...env, JOBGRAPH_CLUSTER_SECRET: OTHER_SECRET }));
  });
  afterAll(async () => {
    for (const replica of replicas) await kill(replica.child);
  });

  const clusterOf = async (replica: LiveProcess): Promise<ClusterState> => {
    const res = await fetch(new URL('/readyz', replica.url), {
      headers: { authorization: `Bearer ${operator}` },
    });
    const text = await res.text();
    for (const secret of [TEST_CLUSTER_SECRET, OTHER_SECRET]) expect(text).not.toContain(secret);
    return (JSON.parse(text) as { cluster: ClusterState }).cluster;
  };
  const summaryOf = async (replica: LiveProcess) => {
    await expect.poll(() => stderrText(replica.output.stderr)).toMatch(/^ {2}limits +/m);
    return stderrText(replica.output.stderr);
  };

  it("has the second's start-up summary report the first as a peer with another secret, MAC rejections from peers", async () => {
    const [first, second] = replicas as [LiveProcess, LiveProcess];
    const summary = await summaryOf(second);
    expect(summary).toMatch(
      /^ {2}cluster +this replica \S+ · 0 other replica\(s\) seal under the same JOBGRAPH_CLUSTER_SECRET · [1-9]\d* value\(s\) read from Redis failed their MAC$/m,
    );
    const firstId = (await clusterOf(first)).replica;
    expect(summary).toMatch(
      /^ {2}warning +1 replica\(s\) sharing this Redis seal under ANOTHER JOBGRAPH_CLUSTER_SECRET \(.+\), or their presence was forged: MAC rejections from peers;/m,
    );
    expect(summary).toContain(`(${firstId})`);
    // The log says it once, with the replica's name, never a secret.
    expect(second.output.stdout).toMatch(/seal under another JOBGRAPH_CLUSTER_SECRET/);
    for (const out of [summary, second.output.stdout, first.output.stdout, first.output.stderr])
      for (const secret of [TEST_CLUSTER_SECRET, OTHER_SECRET]) expect(out).not.toContain(secret);
  });

  it("has each replica's /readyz tell an operator of the other's secret, and /metrics count the MAC failure", async () => {
    const [first, second] = replicas as [LiveProcess, LiveProcess];
    const seenBySecond = await clusterOf(second);
    expect(seenBySecond).toMatchObject({
      checked: true,
      peers: 0,
      peersWithAnotherSecret: 1,
      peersWithAnotherSecretIds: [(await clusterOf(first)).replica],
    });
    expect(seenBySecond.macRejections).toBeGreaterThanOrEqual(1);
    // The first sees the second at its next renewal.
    await expect.poll(async () => (await clusterOf(first)).peersWithAnotherSecret).toBe(1);
    expect((await clusterOf(first)).macRejections).toBeGreaterThanOrEqual(1);
    expect(await metricsOf(second.url)).toMatch(
      /^jobgraph_cache_rejected_total\{kind="presence",reason="mac"\} [1-9]/m,
    );
    // Anyone else is told ready, nothing more.
    const anonymous = await (await fetch(new URL('/readyz', second.url))).json();
    expect(anonymous).toEqual({ status: 'ready' });
  });

  it('has a third replica with the first one’s secret count the first as a peer and the second as not', async () => {
    const [first] = replicas as [LiveProcess];
    const third = await startLiveProcess(replicaEnv(emulators, redis.url, 500));
    replicas.push(third);
    expect(await summaryOf(third)).toMatch(
      /^ {2}cluster +this replica \S+ · 1 other replica\(s\) seal under the same JOBGRAPH_CLUSTER_SECRET · [1-9]\d* value\(s\) read from Redis failed their MAC$/m,
    );
    expect(await clusterOf(third)).toMatchObject({ peers: 1, peersWithAnotherSecret: 1 });
    await expect.poll(async () => (await clusterOf(first)).peers).toBe(1);
  });
});
