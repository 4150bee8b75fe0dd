import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPE_READ } from '../../src/auth/identity.ts';
import { mintToken } from '../../src/auth/mintToken.ts';
import { CALLER_RATE_KEY_PREFIX } from '../../src/cache/redisCallerRates.ts';
import type { TestGateway } from '../support/gateway.ts';
import { callerRateKeyOf } from '../support/callerRateProbe.ts';
import { useRatedReplicas } from '../support/ratedReplicas.ts';
import { useRedis } from '../support/useRedis.ts';
import { openOperationSocket } from '../support/wsOperations.ts';
import { redisServerMissing } from '../subscriptions/clusterSupport.ts';

// Two gateways (replicas) sharing one real redis-server count each caller's requests together:
// what a caller spends on one is spent on the other, on every transport, while another caller is
// served. A time written into a caller's key by someone else (further ahead than jobgraph writes)
// is ignored: the caller is served, and no timer is armed for it. 3 requests a minute, 3 at once.

const SECRET = randomBytes(32).toString('base64url');
const missing = redisServerMissing();

describe.skipIf(missing !== null)('The request rate per caller across two replicas', () => {
  const redis = useRedis();
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  beforeAll(() => {
    process.on('warning', onWarning);
  });
  afterAll(() => {
    process.off('warning', onWarning);
  });
  const replicas = useRatedReplicas(redis, {
    jwtSecret: SECRET,
    rate: '3/60s',
    probeToken: (n) => tokenFor(`probe-${n}`),
  });

  const tokenFor = (name: string) =>
    mintToken({
      secret: SECRET,
      scopes: [SCOPE_READ],
      subject: `${name}-${randomBytes(4).toString('hex')}`,
    });
  const post = (gw: TestGateway, token: string, accept = 'application/json') =>
    fetch(gw.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });

  it('counts what a caller spent on one replica on the other, on HTTP, SSE and WebSocket alike', async () => {
    const [token, other] = await Promise.all([tokenFor('spender'), tokenFor('bystander')]);
    expect((await post(replicas.one, token)).status).toBe(200);
    expect((await post(replicas.one, token, 'text/event-stream')).status).toBe(200);
    // Counted in Redis, under a digest of the caller, never the token.
    expect(await redis.client.exists(callerRateKeyOf(token))).toBe(1);
    expect((await redis.client.keys(`${CALLER_RATE_KEY_PREFIX}*`)).join()).not.toContain(token);
    expect((await post(replicas.two, token)).status).toBe(200);
    for (const gw of [replicas.two, replicas.one]) {
      const refused = await post(gw, token);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(
        ((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]
          ?.extensions.code,
      ).toBe('RATE_LIMITED');
    }
    expect((await post(replicas.two, token, 'text/event-stream')).status).toBe(429);
    // A WebSocket operation on either replica is over too; the other caller's is served.
    const socket = await openOperationSocket(replicas.two, token);
    const refused = await socket.operation('1', '{ __typename }');
    socket.close();
    expect(refused.type).toBe('error');
    expect((refused.payload as { extensions: { code: string } }[])[0]?.extensions.code).toBe(
      'RATE_LIMITED',
    );
    const served = await openOperationSocket(replicas.one, other);
    expect((await served.operation('1', '{ __typename }')).type).toBe('next');
    served.close();
    expect((await post(replicas.two, other)).status).toBe(200);
  });

  it('ignores a far-future time written under a caller’s key: served, its key rewritten, no timer warning', async () => {
    const token = await tokenFor('forged');
    await redis.client.set(callerRateKeyOf(token), '9'.repeat(30), { PX: 3_600_000 });
    for (const gw of [replicas.one, replicas.two, replicas.one])
      expect((await post(gw, token)).status).toBe(200);
    expect((await post(replicas.two, token)).status).toBe(429);
    const [seconds] = await redis.client.time();
    expect(Number(await redis.client.get(callerRateKeyOf(token)))).toBeLessThanOrEqual(
      (Number(seconds) + 1) * 1e6 + 60_000_000,
    );
    expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
    // Counted as a value jobgraph did not write, by the replica that found it.
    const counted = await Promise.all(
      [replicas.one, replicas.two].map(async (gw) =>
        (await fetch(new URL('/metrics', gw.server.url))).text(),
      ),
    );
    expect(
      counted.some((text) =>
        text.includes('jobgraph_cache_rejected_total{kind="caller",reason="clamped"} 1'),
      ),
    ).toBe(true);
  });
});
