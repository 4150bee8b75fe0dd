import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENTUALLY } from '../support/eventually.ts';
import { mintToken } from '../../src/auth/mintToken.ts';
import { JOB_PREFIX } from '../../src/cache/jobCache.ts';
import { RATE_KEY_PREFIX } from '../../src/cache/redisRateBucket.ts';
import { DEMO_DATA } from '@jobgraph/emulators';
import { kill, metricsOf, replicaEnv, SHARED_SECRET } from '../subscriptions/clusterSupport.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { realPart } from '../support/realParts.ts';
import { useRedisEmulators } from '../support/useRedis.ts';

// The compiled replica (live mode, bin/jobgraph.mjs) against what an attacker wrote to its real
// redis-server (issue #58): a forged CodePipeline record with artifact credentials, a rate-budget
// key a century ahead, a value of the wrong type. Each is a miss answered by the provider and
// counted in /metrics; the process prints no TimeoutOverflowWarning and keeps using Redis.

const redisPart = realPart('redis-server');

describe.skipIf(redisPart.skip)('A compiled replica whose Redis an attacker writes to', () => {
  const { redis, emulators } = useRedisEmulators();
  let replica: LiveProcess;
  let token: string;

  beforeAll(async () => {
    replica = await startLiveProcess({
      ...replicaEnv(emulators, redis.url, 500),
      JOBGRAPH_UPSTREAM_RATE_LIMITS: 'codepipeline=50,importexport=50',
    });
    token = await mintToken({
      secret: SHARED_SECRET,
      scopes: ['jobs:read', 'jobs:secrets:read'],
      accounts: ['*'],
    });
  });
  afterAll(async () => {
    if (replica) await kill(replica.child);
  });

  const ask = async (id: string, fields: string) => {
    const res = await fetch(replica.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: `query($id: ID!) { job(id: $id) { id ${fields} } }`,
        variables: { id },
      }),
    });
    const body = (await res.json()) as {
      data?: { job?: Record<string, unknown> };
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    return body.data!.job!;
  };

  it('answers from the providers, counts every rejection, arms no overlong timer, and serves the next job from Redis', async () => {
    const [first, second, third] = DEMO_DATA.codepipeline.DEMO_GLOBAL_IDS as [
      string,
      string,
      string,
    ];
    // A forged record, credentials included, under a job's key.
    await redis.client.set(
      JOB_PREFIX + first,
      JSON.stringify({
        id: first,
        provider: 'AWS_CODEPIPELINE',
        terminal: true,
        state: 'SUCCEEDED',
        artifactCredentials: {
          accessKeyId: 'FORGEDKEYIDFORGEDKEY',
          secretAccessKey: 'x',
          sessionToken: 'y',
        },
      }),
    );
    const answered = await ask(
      first,
      '... on CodePipelineJob { artifactCredentials { accessKeyId } }',
    );
    expect(JSON.stringify(answered)).not.toContain('FORGED');
    // The rate-budget key a century ahead, then a job asked under that budget.
    const keys = await redis.client.keys(`${RATE_KEY_PREFIX}AWS_CODEPIPELINE:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) await redis.client.set(key, '4102444800000000000');
    expect((await ask(second, 'state')).id).toBe(second);
    // A value of the wrong type under a job's key.
    await redis.client.rPush(JOB_PREFIX + third, 'not a record');
    expect((await ask(third, 'state')).id).toBe(third);

    const metrics = await metricsOf(replica.url);
    const count = (kind: string, reason: string) => {
      const line = metrics
        .split('\n')
        .find(
          (l) =>
            l.startsWith('jobgraph_cache_rejected_total{') &&
            l.includes(`kind="${kind}"`) &&
            l.includes(`reason="${reason}"`),
        );
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    expect(count('job', 'malformed')).toBe(2);
    expect(count('rate', 'clamped')).toBeGreaterThanOrEqual(1);
    // Logged once per kind and reason, quoting no value; never a pause of the cache.
    // (The replica's stdout reaches this process through a pipe: its lines may trail the metric.)
    const rejections = () =>
      replica.output.stdout.split('\n').filter((l) => l.includes('was not believed'));
    await vi.waitFor(() => expect(rejections().length).toBe(2), EVENTUALLY);
    expect(rejections().join('\n')).not.toContain('FORGEDKEY');
    expect(replica.output.stdout).not.toMatch(/job cache read failed/);
    expect(replica.output.stderr).not.toMatch(/TimeoutOverflowWarning/);

    // The cache is in use: a finished job without secrets (the first of these the replica
    // stored) is served from Redis without a call.
    const candidates = DEMO_DATA.panorama.DEMO_GLOBAL_IDS.slice(0, 6);
    for (const id of candidates) await ask(id, 'state');
    const stored = [];
    for (const id of candidates)
      if ((await redis.client.exists(JOB_PREFIX + id)) === 1) stored.push(id);
    expect(stored.length).toBeGreaterThan(0);
    const before = emulators.panorama.calls.length;
    await ask(stored[0]!, 'state');
    expect(emulators.panorama.calls.length).toBe(before);
  });
});
