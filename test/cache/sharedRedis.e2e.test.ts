import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClientType } from '@keyv/redis';
import { mintToken } from '../../src/auth/mintToken.ts';
import { SCOPE_OPERATE } from '../../src/auth/identity.ts';
import { POLL_CHANNEL_PREFIX } from '../../src/cache/redisPollLeases.ts';
import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import {
  kill,
  metricsOf,
  openWatchers,
  replicaEnv,
  sample,
  SHARED_SECRET,
  startRedisServer,
  synthesizeJobs,
  watchedJobs,
  type RedisServer,
  type Watcher,
} from '../subscriptions/clusterSupport.ts';
import { channelSubscribed } from '../support/replicaStores.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { realPart } from '../support/realParts.ts';

// A compiled jobgraph process (live mode, bin/jobgraph.mjs) with every Redis feature on — the job
// cache and its fetch leases, the poll leases, the SSE reservations, the list snapshots, the rate
// budget, the callers' rates, the presence check — opens one command connection and one
// subscriber connection to a real redis-server, as its CLIENT LIST says; killing redis-server
// flips the one signal (/readyz's `redis`, `jobgraph_redis_up`), and bringing it back on the same
// port flips it back, with the same two connections and the watched job's channel followed again.
// (Finished jobs are remembered by the history store, not Redis: docs/history.md.)

const redisPart = realPart('redis-server');

describe.skipIf(redisPart.skip)('One jobgraph process on Redis', () => {
  let redis: RedisServer;
  let emulators: EmulatorSet;
  let client: RedisClientType;
  let replica: LiveProcess;
  let operator: string;
  const watchers: Watcher[] = [];
  const jobs = watchedJobs(41, 2);

  beforeAll(async () => {
    redis = await startRedisServer();
    emulators = await startEmulators();
    synthesizeJobs(emulators);
    operator = await mintToken({ secret: SHARED_SECRET, scopes: [SCOPE_OPERATE] });
    replica = await startLiveProcess({
      ...replicaEnv(emulators, redis.url, 500),
      JOBGRAPH_UPSTREAM_RATE_LIMITS: 'importexport=50,omics=50',
      JOBGRAPH_CALLER_RATE: '1000/60s',
    });
    client = await connected(redis.url);
  });
  afterAll(async () => {
    for (const w of watchers) w.close();
    if (client?.isOpen) client.destroy();
    if (replica) await kill(replica.child);
    if (redis) await kill(redis.child);
    await emulators?.close();
  });

  /** The connections redis-server has besides the test's own: flags, and how many channels each follows. */
  const replicaConnections = async () => {
    const own = await client.clientId();
    const list = await client.sendCommand<string>(['CLIENT', 'LIST']);
    return list
      .trim()
      .split('\n')
      .map((line) => Object.fromEntries(line.split(' ').map((kv) => kv.split('=', 2))))
      .filter((c) => Number(c.id) !== own)
      .map((c) => ({ flags: String(c.flags), channels: Number(c.sub) }));
  };
  const readyz = async () => {
    const res = await fetch(new URL('/readyz', replica.url), {
      headers: { authorization: `Bearer ${operator}` },
    });
    return ((await res.json()) as { redis?: string }).redis;
  };
  const redisUp = async () => sample(await metricsOf(replica.url), 'jobgraph_redis_up');
  const followed = () =>
    Promise.all(jobs.ids.map((id) => channelSubscribed(client, POLL_CHANNEL_PREFIX + id)));

  it('opens one command connection and one subscriber connection, whatever it uses Redis for', async () => {
    watchers.push(...(await openWatchers([replica.url], jobs.ids, 2, 60_000)));
    await followed();
    const res = await fetch(replica.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.status).toBe(200);
    const connections = await replicaConnections();
    expect(connections).toHaveLength(2);
    // The subscriber follows the fetch leases' channel, its SSE channel and both watched jobs'.
    expect(connections.map((c) => c.flags).sort()).toEqual(['N', 'P']);
    expect(connections.find((c) => c.flags === 'P')?.channels).toBe(2 + jobs.ids.length);
    expect(await readyz()).toBe('up');
    expect(await redisUp()).toBe(1);
  });

  it('flips the one signal when redis-server stops and again when it is back, on the same two connections', async () => {
    const { port } = redis;
    client.destroy();
    await kill(redis.child);
    await expect.poll(readyz).toBe('down');
    expect(await redisUp()).toBe(0);
    redis = await startRedisServer(port);
    client = await connected(redis.url);
    await expect.poll(readyz).toBe('up');
    expect(await redisUp()).toBe(1);
    await followed();
    expect(await replicaConnections()).toHaveLength(2);
    // One line a feature each way, from the one signal.
    expect(replica.output.stdout).toMatch(/"level":40.*poll leases: Redis is unavailable/);
    expect(replica.output.stdout).toMatch(/"level":30.*poll leases: Redis is back/);
  });
});

async function connected(url: string): Promise<RedisClientType> {
  const client = createClient({ url }) as RedisClientType;
  await client.connect();
  return client;
}
