import { createClient, type RedisClientType } from '@keyv/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { RATE_KEY_PREFIX, redisRateBucket } from '../../src/cache/redisRateBucket.ts';
import { localRateBucket, RateBudget } from '../../src/datasources/guard/rateBudget.ts';
import { kill } from '../subscriptions/clusterSupport.ts';
import { realPart } from '../support/realParts.ts';
import { capturedLog } from '../support/capturedLog.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { useRedis } from '../support/useRedis.ts';

// The rate budget's turns in a real redis-server: the GCRA script on Redis's clock, the keys and
// their TTLs, two replicas (two buckets, two budgets) sharing one rate, and Redis going away and
// coming back. Waits are for events (a state change, a turn given), each bounded.

const redisServer = realPart('redis-server');

/** Resolves with the first value `on` is called with that `accept` takes; rejects after `ms` (a hang's bound). */
function when<T>(
  what: string,
  ms: number,
  on: (listener: (value: T) => void) => void,
  accept: (value: T) => boolean,
) {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    on((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe.skipIf(redisServer.skip)('The rate budget in Redis', () => {
  const redis = useRedis();
  const closers: (() => Promise<void>)[] = [];

  afterAll(async () => {
    for (const close of closers) await close();
  });

  /** A replica's bucket on `url`, once its turns are counted in Redis. */
  const bucket = async (url = redis.url, log = capturedLog()) => {
    const changes = new Set<(shared: boolean) => void>();
    const made = redisRateBucket({
      url,
      opTimeoutMs: 2000,
      retryMs: 25,
      fallback: localRateBucket(),
      logger: log.logger,
      onChange: (shared) => {
        for (const listener of [...changes]) listener(shared);
      },
    });
    closers.push(() => made.close());
    const onChange = (listener: (shared: boolean) => void) => changes.add(listener);
    await when('Redis', EVENTUALLY.timeout, onChange, (shared) => shared);
    return { bucket: made, onChange, log };
  };

  it("counts one call per interval for every replica, on Redis's clock, in a key that lapses", async () => {
    const a = await bucket();
    const b = await bucket();
    const key = 'AWS_OMICS:us-east-1';
    // What is left of the interval is the interval less the time between the two takes, however
    // long a busy machine makes that (measured around them; +1 ms for rounding).
    const t0 = performance.now();
    expect(await a.bucket.take(key, 500)).toBe(0);
    const wait = await b.bucket.take(key, 500);
    expect(wait).toBeGreaterThanOrEqual(500 - (performance.now() - t0) - 1);
    expect(wait).toBeLessThanOrEqual(500);
    // The next call's time, in µs of Redis's clock (TIME), half a second after the first take.
    const [seconds, micros] = (await redis.client.sendCommand<string[]>(['TIME'])).map(Number) as [
      number,
      number,
    ];
    const next = Number(await redis.client.get(RATE_KEY_PREFIX + key));
    const ahead = next - (seconds * 1e6 + micros);
    expect(ahead).toBeGreaterThanOrEqual((500 - (performance.now() - t0) - 1) * 1000);
    expect(ahead).toBeLessThanOrEqual(500_000);
    const ttl = await redis.client.pTTL(RATE_KEY_PREFIX + key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1_500);
    // Another provider or region has its own turns.
    expect(await b.bucket.take('AWS_OMICS:eu-west-1', 500)).toBe(0);
  });

  it('keeps two replicas, each flooded by three callers, to the rate together, and shares it between them', async () => {
    const perSecond = 10;
    const replicas = await Promise.all([bucket(), bucket()]);
    const grants: { replica: number; at: number }[] = [];
    let refused = 0;
    const started = performance.now();
    const RUN_MS = 2_500;
    const caller = async (replica: number, budget: RateBudget, name: string) => {
      for (let i = 0; i < 100 && performance.now() - started < RUN_MS; i++) {
        try {
          await budget.acquire('AWS_CODEPIPELINE', 'us-east-1', name, 400);
          grants.push({ replica, at: performance.now() });
        } catch {
          refused += 1;
        }
      }
    };
    await Promise.all(
      replicas.flatMap(({ bucket: shared }, replica) => {
        const budget = new RateBudget({
          perSecond: { AWS_CODEPIPELINE: perSecond },
          bucket: shared,
        });
        return ['a', 'b', 'c'].map((name) => caller(replica, budget, name));
      }),
    );
    const ended = performance.now();
    const times = grants.map((g) => g.at).sort((x, y) => x - y);
    let most = 0;
    for (let i = 0; i < times.length; i++) {
      let n = 0;
      while (i + n < times.length && times[i + n]! < times[i]! + 1000) n++;
      most = Math.max(most, n);
    }
    process.stderr.write(
      `[rate] 2 replicas x 3 callers at ${perSecond}/s for ${RUN_MS} ms: ${times.length} calls went, ${refused} refused, most in one second ${most}\n`,
    );
    // The most in one second is a figure (printed): a busy machine delays the callbacks that see
    // the grants and bunches them. What holds whatever the load: Redis spaced the turns on its own
    // clock, so the grants over the run are at most one a 1/perSecond interval of it (+1 for the
    // edge); some calls were refused; both replicas got turns.
    expect(times.length).toBeLessThanOrEqual(
      Math.floor((perSecond * (ended - started)) / 1000) + 1,
    );
    expect(refused).toBeGreaterThan(0);
    for (const replica of [0, 1])
      expect(grants.filter((g) => g.replica === replica).length).toBeGreaterThan(0);
  });

  it("falls back to this process's own bucket while Redis is away, says so once, and shares again once it is back", async () => {
    const own = await redis.start();
    const log = capturedLog();
    const { bucket: shared, onChange } = await bucket(own.url, log);
    const key = 'AWS_PANORAMA:us-east-1';
    const down = when('Redis gone', EVENTUALLY.timeout, onChange, (s) => !s);
    await kill(own.child);
    await down;
    // Its own bucket, of the same rate: the calls are still spaced.
    const t0 = performance.now();
    expect(await shared.take(key, 1_000)).toBe(0);
    const wait = await shared.take(key, 1_000);
    expect(wait).toBeGreaterThanOrEqual(1_000 - (performance.now() - t0) - 1);

    const up = when('Redis back', EVENTUALLY.timeout, onChange, (s) => s);
    const back = await redis.start(own.port);
    await up;
    expect(log.lines.map((l) => [l.level, l.msg])).toEqual([
      [
        40,
        'rate budget: Redis is unavailable; each replica keeps JOBGRAPH_UPSTREAM_RATE_LIMITS on its own until it is back (N replicas may make up to N times the rate)',
      ],
      [30, 'rate budget: Redis is back; the replicas share JOBGRAPH_UPSTREAM_RATE_LIMITS again'],
    ]);
    // Counted in Redis again: its key is there (a minute's interval, so the key outlives a slow
    // probe connect on a busy machine; it goes a second after its interval).
    expect(await shared.take('AWS_PANORAMA:eu-west-1', 60_000)).toBe(0);
    const probe = createClient({ url: back.url }) as unknown as RedisClientType;
    await probe.connect();
    try {
      expect(await probe.exists(`${RATE_KEY_PREFIX}AWS_PANORAMA:eu-west-1`)).toBe(1);
    } finally {
      probe.destroy();
    }
  });
});
