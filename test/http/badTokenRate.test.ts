import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SCOPE_READ } from '../../src/auth/identity.ts';
import { mintToken } from '../../src/auth/mintToken.ts';
import { CALLER_RATE_KEY_PREFIX } from '../../src/cache/redisCallerRates.ts';
import { startTestGateway } from '../support/gateway.ts';
import { useRatedReplicas } from '../support/ratedReplicas.ts';
import { useRedis } from '../support/useRedis.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { redisServerMissing } from '../subscriptions/clusterSupport.ts';

// A request whose bearer token is present but invalid (forged, garbage) spends one request of
// the rate of the address it came from, as an anonymous request does: once that is spent, bad
// tokens are answered 429 with Retry-After instead of 401, on one replica or across replicas
// sharing Redis. The counts asserted hold whatever the machine's speed: with the default rate the
// first 600 (its burst) are 401 at least, and with 20 an hour no request is given back during a
// test.

const SECRET = randomBytes(32).toString('base64url');
const BAD_TOKENS = 2000;

/** A token signed with another key, or not a JWT at all, by turns. */
const forgedToken = mintToken({
  secret: randomBytes(32).toString('base64url'),
  scopes: [SCOPE_READ],
});
const badToken = async (i: number) => (i % 2 === 0 ? await forgedToken : `not-a-jwt-${i}`);

const post = (url: string, token?: string) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query: '{ __typename }' }),
  });

/** `BAD_TOKENS` bad-token requests to `urls` by turns, 20 at a time: each status counted; every 429 carries Retry-After and RATE_LIMITED. */
async function sendBadTokens(urls: readonly string[]): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  for (let start = 0; start < BAD_TOKENS; start += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, BAD_TOKENS - start) }, async (_, j) => {
        const i = start + j;
        const res = await post(urls[i % urls.length]!, await badToken(i));
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
        if (res.status === 429) {
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          expect(body.errors[0]?.extensions.code).toBe('RATE_LIMITED');
        } else expect(body.errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
      }),
    );
  }
  return statuses;
}

describe('Bad tokens and the default request rate (600 a minute, 600 at once), without Redis', () => {
  const gw = useTestGateway({ JOBGRAPH_JWT_SECRET: SECRET });

  it('answers 401 up to the rate of the address, then 429 with Retry-After', async () => {
    const statuses = await sendBadTokens([gw.server.url]);
    expect(Object.keys(statuses).sort()).toEqual(['401', '429']);
    expect(statuses[401]! + statuses[429]!).toBe(BAD_TOKENS);
    expect(statuses[401]).toBeGreaterThanOrEqual(600);
    expect(statuses[429]).toBeGreaterThan(0);
    // A valid token is its own caller: served.
    const token = await mintToken({ secret: SECRET, scopes: [SCOPE_READ], subject: 'valid' });
    expect((await post(gw.server.url, token)).status).toBe(200);
  });
});

describe('Bad tokens and a rate of 20 an hour, without Redis', () => {
  const gw = useTestGateway({ JOBGRAPH_JWT_SECRET: SECRET, JOBGRAPH_CALLER_RATE: '20/1h' });

  it('answers exactly the rate 401, the rest 429; anonymous requests from that address are over too, a valid token is not', async () => {
    const statuses = await sendBadTokens([gw.server.url]);
    expect(statuses).toEqual({ 401: 20, 429: BAD_TOKENS - 20 });
    expect((await post(gw.server.url)).status).toBe(429);
    const token = await mintToken({ secret: SECRET, scopes: [SCOPE_READ], subject: 'valid' });
    expect((await post(gw.server.url, token)).status).toBe(200);
    // Counted as refusals, logged as none: only the 401s left a line.
    const rejected = gw.logs.lines.filter((l) => l.includes('rejected bearer token'));
    expect(rejected).toHaveLength(20);
  });

  it('spends the address’s rate for a bad token at WebSocket connection_init too, and says so in the 4401 once it is over', async () => {
    const started = await startTestGateway({
      JOBGRAPH_JWT_SECRET: SECRET,
      JOBGRAPH_CALLER_RATE: '5/1h',
    });
    try {
      const closes: string[] = [];
      for (let i = 0; i < 8; i++) {
        const socket = new WebSocket(
          started.server.url.replace(/^http/, 'ws'),
          'graphql-transport-ws',
        );
        const closed = new Promise<{ code: number; reason: string }>((resolve) =>
          socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
        );
        await new Promise((resolve) => socket.once('open', resolve));
        socket.send(
          JSON.stringify({
            type: 'connection_init',
            payload: { Authorization: `Bearer ${await badToken(i)}` },
          }),
        );
        const { code, reason } = await closed;
        expect(code).toBe(4401);
        closes.push(reason.includes('over the request rate') ? 'over' : 'bad token');
      }
      expect(closes).toEqual([...Array(5).fill('bad token'), ...Array(3).fill('over')]);
      // The same address over HTTP is over its rate now as well.
      expect((await post(started.server.url)).status).toBe(429);
    } finally {
      await started.close();
    }
  });

  it('answers a bad token on /readyz from an address over its rate 429 too, and a probe without a token as ever', async () => {
    const readyz = (token?: string) =>
      fetch(new URL('/readyz', gw.server.url), {
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      });
    const refused = await readyz(await badToken(0));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await readyz()).status).toBe(200);
  });
});

const missing = redisServerMissing();

describe.skipIf(missing !== null)(
  'Bad tokens across two replicas sharing Redis (20 an hour)',
  () => {
    const redis = useRedis();
    const replicas = useRatedReplicas(redis, {
      jwtSecret: SECRET,
      rate: '20/1h',
      probeToken: (n) =>
        mintToken({
          secret: SECRET,
          scopes: [SCOPE_READ],
          subject: `probe-${n}-${randomBytes(4).toString('hex')}`,
        }),
    });

    it('keys the address under the cluster secret: a time planted under the keys anyone can compute locks nobody out', async () => {
      const digest = createHash('sha256').update('127.0.0.1').digest('base64url');
      const computable = [`a:${digest}`, digest].flatMap((name) =>
        ['v1', 'v2'].map((version) => `jobgraph:caller-rate:${version}:${name}`),
      );
      const before = new Set(await redis.client.keys(`${CALLER_RATE_KEY_PREFIX}*`));
      const [seconds] = await redis.client.time();
      // Within the burst window (20 × 3 minutes): the key jobgraph reads would believe it.
      const planted = String((Number(seconds) + 3000) * 1e6);
      for (const key of computable) await redis.client.set(key, planted, { PX: 3_600_000 });
      expect((await post(replicas.one.server.url)).status).toBe(200);
      expect((await post(replicas.two.server.url)).status).toBe(200);
      // The address is counted under one new key, none of those and naming no digest of it; the
      // planted ones were never read nor written.
      const added = (await redis.client.keys(`${CALLER_RATE_KEY_PREFIX}*`)).filter(
        (key) => !before.has(key) && !computable.includes(key),
      );
      expect(added).toHaveLength(1);
      expect(added[0]).not.toContain(digest);
      for (const key of computable) expect(await redis.client.get(key)).toBe(planted);
    });

    it('counts bad tokens on both replicas against the one address: 18 more 401s, then 429 on either', async () => {
      const statuses = await sendBadTokens([replicas.one.server.url, replicas.two.server.url]);
      expect(statuses).toEqual({ 401: 18, 429: BAD_TOKENS - 18 });
      for (const gw of [replicas.one, replicas.two])
        expect((await post(gw.server.url)).status).toBe(429);
    });
  },
);
