import { describe, expect, it, vi } from 'vitest';
import { redisRetainedStore } from '../../src/cache/redisRetained.ts';
import { createRetainedJobs, RETAINED_PREFIX } from '../../src/cache/retainedJobs.ts';
import { capturedLog } from '../support/capturedLog.ts';
import { realPart } from '../support/realParts.ts';
import { useRedis } from '../support/useRedis.ts';
import { batchRecord, SECRET_VALUE, withoutSecrets } from '../support/retainedRecords.ts';

const MAX_BYTES = 64 * 1024;

const redisServer = realPart('redis-server');

describe.skipIf(redisServer.skip)('Kept finished jobs in Redis (a real redis-server)', () => {
  const redis = useRedis();

  /** One replica's kept jobs over the shared Redis. */
  function replica(onRejected?: () => void) {
    const store = redisRetainedStore({ url: redis.url, opTimeoutMs: 2000, maxBytes: MAX_BYTES });
    return createRetainedJobs({
      store,
      ttlSeconds: 600,
      withoutSecrets,
      accountOf: () => 'default',
      logger: capturedLog().logger,
      maxBytes: MAX_BYTES,
      ...(onRejected ? { onRejected } : {}),
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

  it('reads no more than its bound of a value planted in Redis, and serves none of it', async () => {
    let rejected = 0;
    const b = replica(() => (rejected += 1));
    try {
      const id = 'batch:us-east-1:redis-planted';
      await redis.client.set(RETAINED_PREFIX + id, 'x'.repeat(MAX_BYTES * 4));
      await vi.waitFor(
        async () => {
          expect(await b.recall(id)).toBeUndefined();
          expect(rejected).toBe(1);
        },
        { timeout: 10_000, interval: 20 },
      );
    } finally {
      await b.close();
    }
  });
});
