import { describe, expect, it, vi } from 'vitest';
import { redisRetainedStore } from '../../src/cache/redisRetained.ts';
import { createRetainedJobs, RETAINED_PREFIX } from '../../src/cache/retainedJobs.ts';
import { createSealer, SEALED_HEADER_LENGTH, type Sealer } from '../../src/cache/sealed.ts';
import { capturedLog } from '../support/capturedLog.ts';
import { countingSealer, payloadOf, testSealer } from '../support/clusterSecret.ts';
import { realPart } from '../support/realParts.ts';
import { useRedis } from '../support/useRedis.ts';
import { batchRecord, SECRET_VALUE, withoutSecrets } from '../support/retainedRecords.ts';

const MAX_BYTES = 64 * 1024;

const redisServer = realPart('redis-server');

describe.skipIf(redisServer.skip)('Kept finished jobs in Redis (a real redis-server)', () => {
  const redis = useRedis();

  /** One replica's kept jobs over the shared Redis. */
  function replica(sealer: Sealer = testSealer()) {
    const store = redisRetainedStore({
      url: redis.url,
      opTimeoutMs: 2000,
      maxBytes: MAX_BYTES + SEALED_HEADER_LENGTH,
    });
    return createRetainedJobs({
      store,
      ttlSeconds: 600,
      withoutSecrets,
      accountOf: () => 'default',
      logger: capturedLog().logger,
      maxBytes: MAX_BYTES,
      sealer,
    });
  }

  it("answers one replica's kept job on another; Redis holds no secret value and keeps it for the retention time", async () => {
    const a = replica();
    const b = replica();
    try {
      const record = batchRecord('redis-job-1');
      // The connection is made in the background: the first writes fail until it is up.
      await vi.waitFor(async () => expect(await a.retainFinished(record)).toBe(true), {
        timeout: 10_000,
        interval: 20,
      });
      const raw = await redis.client.get(RETAINED_PREFIX + record.id);
      expect(raw).toContain(record.id);
      expect(raw).not.toContain(SECRET_VALUE);
      const ttl = await redis.client.pTTL(RETAINED_PREFIX + record.id);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600_000);
      await vi.waitFor(
        async () =>
          expect(await b.recall(record.id)).toMatchObject({ id: record.id, retained: true }),
        { timeout: 10_000, interval: 20 },
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('serves no value planted in Redis: forged, unsealed, sealed under another secret, beyond its size bound (not even sent), or of another type', async () => {
    const sealer = countingSealer();
    const a = replica();
    const b = replica(sealer);
    try {
      const record = batchRecord('redis-job-2');
      await vi.waitFor(async () => expect(await a.retainFinished(record)).toBe(true), {
        timeout: 10_000,
        interval: 20,
      });
      const key = RETAINED_PREFIX + record.id;
      const genuine = (await redis.client.get(key))!;
      const payload = payloadOf(genuine);
      const otherSecret = createSealer('another-cluster-secret-of-at-least-32-chars-xyz');
      const planted = [
        payload, // unsealed
        genuine.slice(0, 2) + 'A'.repeat(43) + genuine.slice(45), // a made-up MAC
        otherSecret.seal('retained', `${key}\ndefault`, payload), // another cluster's secret
        '2.' + 'x'.repeat(MAX_BYTES * 4), // huge
      ];
      for (const value of planted) {
        await redis.client.set(key, value);
        await vi.waitFor(async () => expect(await b.recall(record.id)).toBeUndefined(), {
          timeout: 10_000,
          interval: 20,
        });
      }
      // A key of another type (a list) is a rejected value too, not a failing call.
      await redis.client.del(key);
      await redis.client.rPush(key, genuine);
      expect(await b.recall(record.id)).toBeUndefined();
      await redis.client.del(key);
      expect(sealer.rejected).toEqual([
        'retained malformed',
        'retained mac',
        'retained mac',
        'retained oversized',
        'retained malformed',
      ]);
      await redis.client.set(key, genuine);
      expect(await b.recall(record.id)).toMatchObject({ id: record.id, retained: true });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
