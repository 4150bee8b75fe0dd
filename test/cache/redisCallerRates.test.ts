import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { gcra, localCallerRates, type CallerRates } from '../../src/cache/callerRates.ts';
import { callerRateKeys } from '../../src/cache/callerRateKey.ts';
import { redisCallerRates } from '../../src/cache/redisCallerRates.ts';
import { TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';
import { capturedLog } from '../support/capturedLog.ts';
import { realPart } from '../support/realParts.ts';
import { useRedis } from '../support/useRedis.ts';
import { closedAfterAll } from '../support/closedAfterAll.ts';

// The callers' request rates: the GCRA step, this process's own rates, and the rates in a real
// redis-server shared by two replicas, read back as untrusted input (a far-future time, a value
// of another type) and with Redis unreachable. 3 requests a minute, 3 at once: the fourth within
// the minute is refused whatever the machine's speed.

const LIMIT = { count: 3, periodMs: 60_000, burst: 3 };
const INTERVAL_MS = 20_000;

describe('The GCRA step', () => {
  it('lets `burst` requests go at once, then one per interval', () => {
    let tat: number | undefined;
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { wait, next } = gcra(tat, 1000, 20, 3);
      waits.push(wait);
      if (wait === 0) tat = next;
    }
    expect(waits).toEqual([0, 0, 0, 20]);
    // Half an interval later the wait is half as long; a whole interval later one goes.
    expect(gcra(tat, 1010, 20, 3).wait).toBe(10);
    expect(gcra(tat, 1020, 20, 3).wait).toBe(0);
  });

  it('takes a stored time beyond the burst window, or not a number, as absent', () => {
    for (const stored of [1000 + 61, 1e300, Infinity, NaN])
      expect(gcra(stored, 1000, 20, 3)).toEqual({ wait: 0, next: 1020 });
  });
});

describe("A process's own caller rates", () => {
  it('counts each key apart and forgets the oldest beyond its bound', () => {
    let now = 0;
    const rates = localCallerRates(LIMIT, () => now, 2);
    for (let i = 0; i < 3; i++) expect(rates.take('a')).toBe(0);
    expect(rates.take('a')).toBe(INTERVAL_MS);
    expect(rates.peek('a')).toBe(INTERVAL_MS);
    expect(rates.take('b')).toBe(0);
    expect(rates.take('c')).toBe(0);
    // `a` was the oldest written: forgotten, its budget starts afresh.
    expect(rates.take('a')).toBe(0);
    now = 5_000;
    expect(rates.peek('b')).toBe(0);
  });

  it('forgets the least recently counted caller past its bound without walking a Map', () => {
    // Past the bound every new caller forgets one; taking a Map's first key would walk every
    // entry deleted before it, so the order is kept apart from the Map.
    const rates = localCallerRates(LIMIT, () => 0, 100);
    const walks = (['keys', 'values', 'entries', 'forEach', Symbol.iterator] as const).map((name) =>
      vi.spyOn(Map.prototype, name),
    );
    try {
      for (let n = 0; n < 1000; n++) expect(rates.take(`ip-${n}`)).toBe(0);
      // 950 counted again: the most recent; the next 99 new callers forget 900–949 and 951–999.
      expect(rates.take('ip-950')).toBe(0);
      for (let n = 1000; n < 1099; n++) expect(rates.take(`ip-${n}`)).toBe(0);
      for (const walk of walks) expect(walk).not.toHaveBeenCalled();
    } finally {
      for (const walk of walks) walk.mockRestore();
    }
    // A kept caller has spent 2 of its 3; a forgotten one has its whole burst again.
    const spent = (n: number) => rates.peek(`ip-${n}`) === 0 && rates.take(`ip-${n}`) === 0;
    expect(spent(950)).toBe(true); // its third
    expect(rates.take('ip-950')).toBe(INTERVAL_MS);
    expect(rates.take('ip-1098')).toBe(0);
    expect(rates.take('ip-1098')).toBe(0);
    expect(rates.take('ip-1098')).toBe(INTERVAL_MS);
    for (const n of [0, 949, 951, 999]) {
      for (let i = 0; i < 3; i++) expect(rates.take(`ip-${n}`)).toBe(0);
    }
  });
});

const redisServer = realPart('redis-server');

describe.skipIf(redisServer.skip)('The callers’ rates in Redis', () => {
  const redis = useRedis();
  const opened = closedAfterAll<CallerRates>();
  /** A replica's rates on `url`; on the test's own redis-server, once they are counted there. */
  let clamped = 0;
  const replica = async (url = redis.url, log = capturedLog()) => {
    let shared = false;
    let up: () => void = () => undefined;
    const counted = new Promise<void>((resolve) => (up = resolve));
    const rates = await redisCallerRates({
      url,
      limit: LIMIT,
      clusterSecret: TEST_CLUSTER_SECRET,
      opTimeoutMs: 2000,
      retryMs: 25,
      logger: log.logger,
      onClamped: () => clamped++,
      onChange: (now) => {
        shared = now;
        if (now) up();
      },
    });
    opened.push(rates);
    if (url === redis.url && !shared) await counted;
    return { rates, log };
  };
  let n = 0;
  const caller = () => `test-caller-${++n}`;
  const keyOf = callerRateKeys(TEST_CLUSTER_SECRET);

  it('names each caller’s key by an HMAC under the cluster secret, never a digest anyone can compute', async () => {
    const { rates } = await replica();
    // An anonymous caller, as src/http/callerRate.ts keys one: a plain digest of its address.
    const address = '203.0.113.7';
    const plain = `a:${createHash('sha256').update(address).digest('base64url')}`;
    expect(await rates.take(plain)).toBe(0);
    const keys = await redis.client.keys('jobgraph:caller-rate:*');
    expect(keys).toContain(keyOf(plain));
    for (const computable of [plain, createHash('sha256').update(address).digest('base64url')])
      for (const version of ['v1', 'v2'])
        expect(keys).not.toContain(`jobgraph:caller-rate:${version}:${computable}`);
    expect(keys.join()).not.toContain(plain.slice(2));
    // Another cluster secret names another key: a replica of another cluster counts apart.
    expect(callerRateKeys(randomBytes(32).toString('base64'))(plain)).not.toBe(keyOf(plain));
  });

  it('is not locked out by a far-ahead time planted under the keys an attacker can compute', async () => {
    const { rates } = await replica();
    const address = '198.51.100.23';
    const digest = createHash('sha256').update(address).digest('base64url');
    const plain = `a:${digest}`;
    for (const version of ['v1', 'v2'])
      for (const computable of [plain, digest])
        await redis.client.set(
          `jobgraph:caller-rate:${version}:${computable}`,
          String(Date.now() * 1000 + 50_000_000),
          {
            PX: 3_600_000,
          },
        );
    for (let i = 0; i < LIMIT.burst; i++) expect(await rates.take(plain)).toBe(0);
    expect(await rates.take(plain)).toBeGreaterThan(0);
  });

  it('shares one budget between replicas, in a key that lapses', async () => {
    const [{ rates: one }, { rates: two }] = await Promise.all([replica(), replica()]);
    const key = caller();
    expect(await one.take(key)).toBe(0);
    expect(await two.take(key)).toBe(0);
    expect(await one.take(key)).toBe(0);
    const wait = await two.take(key);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(INTERVAL_MS);
    expect(await one.peek(key)).toBeGreaterThan(0);
    const ttl = await redis.client.pTTL(keyOf(key));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3 * INTERVAL_MS + 1000);
  });

  it('peeks without spending', async () => {
    const { rates } = await replica();
    const key = caller();
    for (let i = 0; i < 5; i++) expect(await rates.peek(key)).toBe(0);
    expect(await redis.client.exists(keyOf(key))).toBe(0);
  });

  it('takes a far-future time, garbage or a value of another type as absent: served, and overwritten with its own', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const { rates, log } = await replica();
      const forged = { far: caller(), garbage: caller(), hash: caller() };
      await redis.client.set(keyOf(forged.far), '99999999999999999999999');
      await redis.client.set(keyOf(forged.garbage), 'not-a-time');
      await redis.client.hSet(keyOf(forged.hash), 'x', '1');
      const before = clamped;
      for (const key of Object.values(forged)) {
        expect(await rates.take(key), key).toBe(0);
        const [seconds] = await redis.client.time();
        const stored = Number(await redis.client.get(keyOf(key)));
        // What jobgraph writes: at most one interval past Redis's now.
        expect(stored).toBeLessThanOrEqual((Number(seconds) + 1) * 1e6 + INTERVAL_MS * 1000);
      }
      // Each counted as a value jobgraph did not write; the next take of the same key is ordinary.
      expect(clamped - before).toBe(3);
      expect(await rates.take(forged.far)).toBe(0);
      expect(clamped - before).toBe(3);
      // Redis was never counted as down for it: nothing was logged.
      expect(log.lines.filter((l) => l.level >= 40)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
  });

  it('counts in this process while Redis is unreachable, and says so once', async () => {
    const port = await freePort();
    const { rates, log } = await replica(`redis://127.0.0.1:${port}`);
    const key = caller();
    for (let i = 0; i < 3; i++) expect(await rates.take(key)).toBe(0);
    const wait = await rates.take(key);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(INTERVAL_MS);
    const warned = log.lines.filter((l) => l.level === 40);
    expect(warned.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^caller rate: Redis is unavailable/),
    ]);
  });
});

/** A loopback port nothing listens on (taken, then let go). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
