import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  LIST_SNAPSHOT_PREFIX,
  redisListSnapshots,
  type RedisListSnapshots,
} from '../../src/cache/redisListSnapshots.ts';
import { ListSnapshots } from '../../src/datasources/listing/snapshots.ts';
import { Snapshot } from '../../src/datasources/listing/snapshot.ts';
import { kill } from '../subscriptions/clusterSupport.ts';
import { realPart } from '../support/realParts.ts';
import { listedPanoramaJobs } from '../support/listedPanorama.ts';
import { capturedLog } from '../support/capturedLog.ts';
import { listSnapshotWritten } from '../support/listSnapshotWritten.ts';
import { useRedis } from '../support/useRedis.ts';
import { payloadOf, testSealer } from '../support/clusterSecret.ts';
import { closedAfterAll } from '../support/closedAfterAll.ts';

// The replicas' list snapshots over a real redis-server: what is written (key, TTL, gzip of the
// snapshot's text), read back by another replica, and Redis going away (a miss) and coming back.

const redisServer = realPart('redis-server');

const anchor = Date.UTC(2026, 10, 1);
const jobs = listedPanoramaJobs(300, anchor);

describe.skipIf(redisServer.skip)('List snapshots in Redis', () => {
  const redis = useRedis();
  const stores = closedAfterAll<RedisListSnapshots>();

  /** Resolves once the Redis at `url` holds `key` (a write is not awaited by its caller). */
  const written = (key: string, url = redis.url, write?: () => void) =>
    listSnapshotWritten(url, key, write);

  /**
   * A store of its own connection, once it writes (it connects in the background). Its op timeout
   * is a backstop these tests never reach: they check what is written and read back, and Redis
   * going away (a connection refused at once), not the bound on a slow answer — on a busy machine
   * (load 20 on 2 cores) a write's answer came after 2 s and the store gave it up, as it should.
   */
  const store = async (url = redis.url, log = capturedLog()) => {
    const s = redisListSnapshots({
      url,
      opTimeoutMs: 120_000,
      logger: log.logger,
      sealer: testSealer(),
    });
    stores.push(s);
    await written('ready', url, () => s.set('ready', 'x', 30_000));
    return s;
  };

  it('keeps a snapshot under jobgraph:list:v2:<key>, gzipped and sealed, with what is left of its TTL, and another replica reads it back', async () => {
    const log = capturedLog();
    const a = new ListSnapshots({
      ttlMs: 30_000,
      shared: await store(redis.url, log),
      now: () => anchor,
    });
    const b = new ListSnapshots({
      ttlMs: 30_000,
      shared: await store(),
      now: () => anchor + 5_000,
    });
    const snapshot = Snapshot.of(jobs, anchor, 12);
    a.keep('panorama:us-east-1', snapshot);
    // Written, or given up (the store's warn line says why, and the wait ends there).
    await listSnapshotWritten(
      redis.url,
      'panorama:us-east-1',
      undefined,
      () => log.lines.find((l) => l.level >= 40)?.msg,
    );
    const ttl = await redis.client.pTTL(LIST_SNAPSHOT_PREFIX + 'panorama:us-east-1');
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    const raw = (await redis.client.get(LIST_SNAPSHOT_PREFIX + 'panorama:us-east-1')) as string;
    expect(gunzipSync(Buffer.from(payloadOf(raw), 'base64')).toString('utf8')).toBe(
      snapshot.toWire(),
    );
    // Compact: a few dozen bytes a job in Redis.
    expect(raw.length / jobs.length).toBeLessThan(60);
    const fromA = await b.existing(['panorama:us-east-1'], 30_000);
    expect(fromA?.size).toBe(300);
    expect(fromA?.item(7)).toEqual(snapshot.item(7));
    // Kept by b now: no second read of Redis.
    expect(b.held('panorama:us-east-1', 30_000)).toBe(fromA);
  });

  it('answers a miss while Redis is away (one warn line), and shares again once it is back (one info line)', async () => {
    const own = await redis.start();
    const log = capturedLog();
    const shared = await store(own.url, log);
    const snapshots = new ListSnapshots({ ttlMs: 30_000, shared, now: () => anchor });
    await kill(own.child);
    expect(await shared.get(['panorama:us-east-1', 'x'])).toEqual([undefined, undefined]);
    expect(await shared.get(['panorama:us-east-1'])).toEqual([undefined]);
    expect(await snapshots.existing(['panorama:us-east-1'], 30_000)).toBeUndefined();
    const warns = log.lines.filter((l) => l.level === 40);
    expect(warns.map((l) => l.msg)).toEqual([
      'list snapshots: Redis is unavailable; each replica reads the lists it needs itself until it is back',
    ]);
    const again = await redis.start(own.port);
    // Written once the store has reconnected (its retries back off to at most 2 s).
    await written('probe', again.url, () => shared.set('probe', 'x', 30_000));
    expect(log.lines.filter((l) => l.level === 30).map((l) => l.msg)).toContain(
      'list snapshots: Redis is back; the replicas share list snapshots again',
    );
  });
});
