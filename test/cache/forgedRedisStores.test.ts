import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createSecretDetector, createSecretStripper } from '../../src/auth/secrets.ts';
import type { PollLeases, SharedPoll } from '../../src/cache/pollLeases.ts';
import {
  LIST_SNAPSHOT_PREFIX,
  redisListSnapshots,
  type RedisListSnapshots,
} from '../../src/cache/redisListSnapshots.ts';
import {
  POLL_CHANNEL_PREFIX,
  POLL_LAST_PREFIX,
  POLL_LEASE_PREFIX,
  redisPollLeases,
} from '../../src/cache/redisPollLeases.ts';
import { createSealer } from '../../src/cache/sealed.ts';
import { Snapshot } from '../../src/datasources/listing/snapshot.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { JOB_TYPES } from '../../src/model/jobKeys.ts';
import { buildSchema } from '../../src/schema.ts';
import { capturedLog } from '../support/capturedLog.ts';
import { countingSealer, leaseHolderOf, testSealer } from '../support/clusterSecret.ts';
import { listSnapshotWritten } from '../support/listSnapshotWritten.ts';
import { realPart } from '../support/realParts.ts';
import { listedPanoramaJobs } from '../support/listedPanorama.ts';
import { channelSubscribed, useReplicaStores } from '../support/replicaStores.ts';
import { useRedis } from '../support/useRedis.ts';
import { queuedImportExportRecord } from '../support/records.ts';
import { closedAfterAll } from '../support/closedAfterAll.ts';

// The replicas' other stores in Redis (list snapshots, poll leases and the watch channels) against
// an attacker who writes to the same real redis-server (issue #58): a forged value is never served,
// it is counted, and a value over its bound is neither sent by Redis nor inflated past its bound.

const redisServer = realPart('redis-server');
const attacker = createSealer('an-attacker-does-not-know-the-cluster-secret');

const anchor = Date.UTC(2026, 10, 1);
const jobs = listedPanoramaJobs(50, anchor);

describe.skipIf(redisServer.skip)('List snapshots an attacker wrote to Redis', () => {
  const redis = useRedis();
  const stores = closedAfterAll<RedisListSnapshots>();

  /** A replica's store, once it writes, with the sealer that counts what it rejects. */
  const store = async (maxTextBytes?: number) => {
    const sealer = countingSealer();
    const s = redisListSnapshots({
      url: redis.url,
      opTimeoutMs: 5000,
      logger: capturedLog().logger,
      sealer,
      ...(maxTextBytes ? { maxTextBytes } : {}),
    });
    stores.push(s);
    await listSnapshotWritten(redis.url, 'ready', () => s.set('ready', 'x', 30_000));
    return { s, sealer };
  };

  it('lists no forged snapshot (as written, or sealed under a guessed secret), and reads a genuine one next', async () => {
    const { s, sealer } = await store();
    const key = 'panorama:us-east-1';
    const text = Snapshot.of(jobs, anchor, 1).toWire();
    const gz = gzipSync(text).toString('base64');
    await redis.client.set(LIST_SNAPSHOT_PREFIX + key, gz);
    expect(await s.get([key])).toEqual([undefined]);
    await redis.client.set(
      LIST_SNAPSHOT_PREFIX + key,
      attacker.seal('list', LIST_SNAPSHOT_PREFIX + key, gz),
    );
    expect(await s.get([key])).toEqual([undefined]);
    // A genuine snapshot of another key, moved under this one.
    s.set('panorama:eu-west-1', text, 30_000);
    await listSnapshotWritten(redis.url, 'panorama:eu-west-1');
    const moved = await redis.client.get(LIST_SNAPSHOT_PREFIX + 'panorama:eu-west-1');
    await redis.client.set(LIST_SNAPSHOT_PREFIX + key, moved!);
    expect(await s.get([key, 'panorama:eu-west-1'])).toEqual([undefined, text]);
    expect(sealer.rejected).toEqual(['list malformed', 'list mac', 'list mac']);
  });

  it('refuses a 20+ MB compressed bomb before Redis sends it, and never inflates a sealed one past its bound', async () => {
    const { s, sealer } = await store(1024 * 1024);
    // One gzip member inflating to 64 MiB, repeated: 21 MB of base64 that would inflate to ~21 GB.
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(
      Array.from({ length: Math.ceil((16 * 1024 * 1024) / member.length) }, () => member),
    );
    const value = bomb.toString('base64');
    expect(value.length).toBeGreaterThan(20 * 1024 * 1024);
    await redis.client.set(LIST_SNAPSHOT_PREFIX + 'bomb:big', value);
    // Small enough to be sent and sealed with the cluster's own secret (a replica's bug, say):
    // inflating it stops at the bound.
    const small = member.toString('base64');
    const key = LIST_SNAPSHOT_PREFIX + 'bomb:sealed';
    await redis.client.set(key, testSealer().seal('list', key, small));
    expect(await s.get(['bomb:big', 'bomb:sealed'])).toEqual([undefined, undefined]);
    expect(sealer.rejected).toEqual(['list oversized', 'list oversized']);
  });
});

const { schema, policy } = buildSchema();
const holdsSecret = createSecretDetector(schema, policy.sensitiveFields, JOB_TYPES);
const withoutSecrets = createSecretStripper(schema, policy.sensitiveFields, JOB_TYPES);

/** Job `id` (`importexport:<native ID>`) in `state`, as a poll shares it. */
const record = (id: string, state: string) =>
  queuedImportExportRecord(id.split(':')[1]!, { state: state as JobRecord['state'] });

/** The holder's poll of `id`, shared: its record in `state`. */
const shareRecord = (leases: PollLeases, id: string, state: string) =>
  leases.share(id, 5000, { kind: 'record', record: record(id, state), interval: 100, wait: 100 });

describe.skipIf(redisServer.skip)(
  'Poll leases and watch messages an attacker wrote to Redis',
  () => {
    const redis = useRedis();
    const sealers = new Map<string, ReturnType<typeof countingSealer>>();
    /** How far ahead of the real clock each replica's clock is, in ms (none: 0). */
    const ahead = new Map<string, number>();
    const { store } = useReplicaStores(redis, (options) => {
      const sealer = countingSealer();
      sealers.set(options.replicaId, sealer);
      return redisPollLeases({
        ...options,
        holdsSecret,
        withoutSecrets,
        sealer,
        now: () => Date.now() + (ahead.get(options.replicaId) ?? 0),
      });
    });

    /** Resolves once a client listens on `id`'s channel. */
    const subscribed = (id: string) => channelSubscribed(redis.client, POLL_CHANNEL_PREFIX + id);

    it("never hands a watcher a forged message, nor another job's record sent on its channel", async () => {
      const a = await store('host:1:a');
      const b = await store('host:2:b');
      const id = 'importexport:FORGE1';
      const received: SharedPoll[] = [];
      b.follow(id, (poll) => received.push(poll));
      await subscribed(id);
      const channel = POLL_CHANNEL_PREFIX + id;
      const forged = JSON.stringify({
        kind: 'record',
        from: 'host:1:a',
        interval: 100,
        wait: 100,
        stripped: false,
        record: record(id, 'FAILED'),
      });
      await redis.client.publish(channel, forged);
      await redis.client.publish(channel, attacker.seal('watch', channel, forged));
      // A genuine message of another job, sent on this one's channel.
      const other = 'importexport:OTHER1';
      expect(await a.claim(other, 5000)).toEqual({ kind: 'held' });
      await shareRecord(a, other, 'FAILED');
      const replayed = await redis.client.get(POLL_LAST_PREFIX + other);
      await redis.client.publish(channel, replayed!);
      // Then the holder's genuine poll: the first (and only) message the watcher gets.
      expect(await a.claim(id, 5000)).toEqual({ kind: 'held' });
      await shareRecord(a, id, 'SUCCEEDED');
      await expect.poll(() => received.length).toBe(1);
      expect(received[0]).toMatchObject({ kind: 'record', record: { state: 'SUCCEEDED' } });
      expect(sealers.get('host:2:b')!.rejected).toEqual([
        'watch malformed',
        'watch mac',
        'watch mac',
      ]);
    });

    it('refuses a genuine watch message replayed after its sealed expiry, on the channel and as the last poll kept', async () => {
      const a = await store('host:17:a');
      const id = 'importexport:REPLAY1';
      expect(await a.claim(id, 5000)).toEqual({ kind: 'held' });
      await shareRecord(a, id, 'IN_PROGRESS');
      const genuine = (await redis.client.get(POLL_LAST_PREFIX + id))!;
      expect(genuine).toContain('"kind":"record"');
      // A week later (every clock moved on): last week's genuine message replayed on the channel.
      const week = 7 * 24 * 3_600_000;
      for (const replica of ['host:17:a', 'host:18:b']) ahead.set(replica, week);
      const late = await store('host:18:b');
      const received: SharedPoll[] = [];
      late.follow(id, (poll) => received.push(poll));
      await subscribed(id);
      await redis.client.publish(POLL_CHANNEL_PREFIX + id, genuine);
      // And put back as the last poll kept beside the holder's live lease: no first record either.
      expect(await a.claim(id, 5000)).toEqual({ kind: 'held' });
      await redis.client.set(POLL_LAST_PREFIX + id, genuine, {
        expiration: { type: 'PX', value: 60_000 },
      });
      const claim = await late.claim(id, 5000, true);
      expect(claim).toMatchObject({ kind: 'other' });
      expect((claim as { last?: SharedPoll }).last).toBeUndefined();
      const rejected = sealers.get('host:18:b')!.rejected;
      await expect.poll(() => rejected.filter((r) => r === 'watch expired').length).toBe(2);
      expect(received).toEqual([]);
      // The same message within its time is believed: a replica on the holder's first clock gets it.
      const onTime = await store('host:19:b');
      const heard: SharedPoll[] = [];
      onTime.follow(id, (poll) => heard.push(poll));
      await channelSubscribed(redis.client, POLL_CHANNEL_PREFIX + id, 2);
      await redis.client.publish(POLL_CHANNEL_PREFIX + id, genuine);
      await expect.poll(() => heard.length).toBe(1);
      expect(heard[0]).toMatchObject({ kind: 'record', record: { state: 'IN_PROGRESS' } });
    });

    it('takes over a forged lease, however long it claims to last, and polls the job itself', async () => {
      const b = await store('host:3:b');
      const rejected = sealers.get('host:3:b')!.rejected;
      for (const [id, forged] of [
        ['importexport:LEASEF1', 'host:9:evil'],
        [
          'importexport:LEASEF2',
          attacker.seal(
            'poll',
            `${POLL_LEASE_PREFIX}importexport:LEASEF2`,
            `host:9:evil|${Date.now() + 1e12}`,
          ),
        ],
      ] as const) {
        await redis.client.set(POLL_LEASE_PREFIX + id, forged, {
          expiration: { type: 'PX', value: 1e12 },
        });
        expect(await b.claim(id, 5000)).toEqual({ kind: 'held' });
        expect(leaseHolderOf(await redis.client.get(POLL_LEASE_PREFIX + id))).toBe('host:3:b');
        expect(await redis.client.pTTL(POLL_LEASE_PREFIX + id)).toBeLessThanOrEqual(5000);
      }
      // A key of another type is no lease either.
      await redis.client.rPush(POLL_LEASE_PREFIX + 'importexport:LEASEF3', 'x');
      expect(await b.claim('importexport:LEASEF3', 5000)).toEqual({ kind: 'held' });
      expect(rejected).toEqual(['poll malformed', 'poll mac', 'poll malformed']);
    });

    it("waits no longer than a lease's own TTL for a genuine lease made to last forever, and takes a replayed stale one over", async () => {
      const a = await store('host:4:a');
      const b = await store('host:5:b');
      const id = 'importexport:LEASEF4';
      expect(await a.claim(id, 5000)).toEqual({ kind: 'held' });
      const key = POLL_LEASE_PREFIX + id;
      await redis.client.pExpire(key, 1e12);
      const claim = await b.claim(id, 5000);
      expect(claim.kind).toBe('other');
      expect((claim as { retryInMs: number }).retryInMs).toBeLessThanOrEqual(5000);
      // The same genuine value read an hour after it lapsed (as when written back then): taken over.
      ahead.set('host:6:b', 3_600_000);
      const late = await store('host:6:b');
      expect(await late.claim(id, 5000)).toEqual({ kind: 'held' });
      expect(sealers.get('host:5:b')!.rejected).toEqual(['poll clamped']);
      expect(sealers.get('host:6:b')!.rejected).toEqual(['poll clamped']);
    });

    it('keeps answering from Redis after every rejection: the next share reaches the watcher', async () => {
      const a = await store('host:7:a');
      const b = await store('host:8:b');
      const id = 'importexport:AFTER1';
      expect(await a.claim(id, 5000)).toEqual({ kind: 'held' });
      const next = new Promise<SharedPoll>((resolve) => {
        const stop = b.follow(id, (poll) => {
          stop();
          resolve(poll);
        });
      });
      await subscribed(id);
      await redis.client.publish(POLL_CHANNEL_PREFIX + id, 'garbage');
      await a.share(id, 5000, { kind: 'wait', interval: 100, wait: 100 });
      expect(await next).toMatchObject({ kind: 'wait', from: 'host:7:a' });
      expect(a.available() && b.available()).toBe(true);
    });
  },
);
