import { createClient, type RedisClientType } from '@keyv/redis';
import { describe, expect, it } from 'vitest';
import { createSecretDetector, createSecretStripper } from '../../src/auth/secrets.ts';
import type { PollLeases, SharedPoll } from '../../src/cache/pollLeases.ts';
import {
  POLL_CHANNEL_PREFIX,
  POLL_LAST_PREFIX,
  POLL_LEASE_PREFIX,
  redisPollLeases,
} from '../../src/cache/redisPollLeases.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { JOB_TYPES } from '../../src/model/jobKeys.ts';
import { buildSchema } from '../../src/schema.ts';
import { kill } from '../subscriptions/clusterSupport.ts';
import { realPart } from '../support/realParts.ts';
import { capturedLog } from '../support/capturedLog.ts';
import { channelSubscribed, useReplicaStores } from '../support/replicaStores.ts';
import { useRedis } from '../support/useRedis.ts';
import { countingSealer, leaseHolderOf, payloadOf, testSealer } from '../support/clusterSecret.ts';

// The poll leases over a real redis-server: the scripts (take or renew, share, compare-and-delete),
// the channels, what is written to Redis, and Redis going away and coming back.

const { schema, policy } = buildSchema();
const holdsSecret = createSecretDetector(schema, policy.sensitiveFields, JOB_TYPES);
const withoutSecrets = createSecretStripper(schema, policy.sensitiveFields, JOB_TYPES);

const SIGNATURE = 'DEMO-SIGNATURE-LEASE1-do-not-share';
const MANIFEST = 'manifestVersion:2.0\naccessKeyId: DEMO-MANIFEST-LEASE1';
const PRESIGNED = 'https://example.com/sig?X-Amz-Signature=DEMOSIGLEASE1';
const ID = 'importexport:LEASE1';
const withSecrets = {
  id: ID,
  provider: 'AWS_IMPORT_EXPORT',
  nativeId: 'LEASE1',
  region: null,
  state: 'IN_PROGRESS',
  providerStatus: 'InProgress',
  statusMessage: 'on its way',
  terminal: false,
  createdAt: null,
  updatedAt: null,
  completedAt: null,
  jobId: 'LEASE1',
  locationCode: 'AtAWS',
  errorCount: 0,
  signature: SIGNATURE,
  signatureFileContents: `JOBID LEASE1\nSIGNATURE ${SIGNATURE}`,
  currentManifest: MANIFEST,
  artifactList: [
    { description: 'signature', url: PRESIGNED },
    { description: 'label', url: null },
  ],
} as unknown as JobRecord;

const redisServer = realPart('redis-server');

describe.skipIf(redisServer.skip)('Poll leases in Redis', () => {
  const redis = useRedis();
  const { store } = useReplicaStores(redis, (options) =>
    redisPollLeases({ ...options, holdsSecret, withoutSecrets, sealer: testSealer() }),
  );

  /** The next poll shared on `id`'s channel, as `leases` receives it. */
  const next = (leases: PollLeases, id: string) =>
    new Promise<SharedPoll>((resolve) => {
      const stop = leases.follow(id, (poll) => {
        stop();
        resolve(poll);
      });
    });

  /** Resolves once `count` clients (a store, by default) listen on `id`'s channel. */
  const subscribed = (id: string, count = 1, on: RedisClientType = redis.client) =>
    channelSubscribed(on, POLL_CHANNEL_PREFIX + id, count);

  it('lets one replica take a lease (with a TTL) and renew it, and tells another who holds it for how long', async () => {
    const a = await store('host:1:a');
    const b = await store('host:2:b');
    const id = 'importexport:TAKE1';
    expect(await a.claim(id, 5000)).toEqual({ kind: 'held' });
    expect(leaseHolderOf(await redis.client.get(POLL_LEASE_PREFIX + id))).toBe('host:1:a');
    const other = await b.claim(id, 5000);
    expect(other.kind).toBe('other');
    expect((other as { retryInMs: number }).retryInMs).toBeGreaterThan(0);
    expect((other as { retryInMs: number }).retryInMs).toBeLessThanOrEqual(5000);
    // Renewed by its holder (compare-and-renew): a longer TTL.
    expect(await a.claim(id, 60_000)).toEqual({ kind: 'held' });
    expect(await redis.client.pTTL(POLL_LEASE_PREFIX + id)).toBeGreaterThan(5000);
    expect([a.holds(id), b.holds(id)]).toEqual([true, false]);
    // Lapsed (here: gone), the other replica takes it.
    await redis.client.del(POLL_LEASE_PREFIX + id);
    expect(await b.claim(id, 5000)).toEqual({ kind: 'held' });
    expect(await a.claim(id, 5000)).toMatchObject({ kind: 'other' });
    expect([a.holds(id), b.holds(id)]).toEqual([false, true]);
    b.release(id);
    expect(b.holds(id)).toBe(false);
  });

  it('sends the claims made together in one call a hundred, each answered for its own job', async () => {
    const a = await store('host:1:batch');
    const b = await store('host:2:batch');
    const ids = Array.from({ length: 250 }, (_, i) => `importexport:BATCH${i}`);
    /** The scripts redis-server has run so far (INFO commandstats). */
    const evals = async () =>
      Number(/cmdstat_eval:calls=(\d+)/.exec(await redis.client.info('commandstats'))?.[1] ?? 0);
    const before = await evals();
    const taken = await Promise.all(ids.map((id) => a.claim(id, 60_000)));
    expect(await evals()).toBe(before + 3);
    expect(taken.every((c) => c.kind === 'held')).toBe(true);
    expect(ids.every((id) => a.holds(id))).toBe(true);
    const holders = await Promise.all(ids.map((id) => redis.client.get(POLL_LEASE_PREFIX + id)));
    expect(new Set(holders.map(leaseHolderOf))).toEqual(new Set(['host:1:batch']));
    // The other replica's claims (three calls), and a renewal of one by its holder in the same
    // turn (a call of its own: each replica sends its own claims).
    const mixed = await Promise.all([
      ...ids.map((id) => b.claim(id, 5000)),
      a.claim(ids[0]!, 5000),
    ]);
    expect(await evals()).toBe(before + 7);
    expect(mixed.slice(0, -1).every((c) => c.kind === 'other')).toBe(true);
    expect(mixed.at(-1)).toEqual({ kind: 'held' });
    expect(ids.some((id) => b.holds(id))).toBe(false);
  });

  it('publishes each poll to the followers and keeps it as the last poll, without any secret: a record with secrets is shared without them, flagged', async () => {
    const a = await store('host:1:a');
    const b = await store('host:2:b');
    expect(await a.claim(ID, 5000)).toEqual({ kind: 'held' });
    const received = next(b, ID);
    await subscribed(ID);
    expect(
      await a.share(ID, 5000, { kind: 'record', record: withSecrets, interval: 100, wait: 95 }),
    ).toBe('held');
    const poll = await received;
    expect(poll).toMatchObject({
      kind: 'record',
      from: 'host:1:a',
      stripped: true,
      interval: 100,
      wait: 95,
    });
    const view = (poll as unknown as { record: Record<string, unknown> }).record;
    expect(view).toMatchObject({ id: ID, state: 'IN_PROGRESS', locationCode: 'AtAWS' });
    expect(view.signature).toBeNull();
    expect(view.signatureFileContents).toBeNull();
    expect(view.currentManifest).toBeNull();
    expect(view.artifactList).toEqual([
      { description: 'signature', url: null },
      { description: 'label', url: null },
    ]);
    // What Redis holds, lease and last poll, holds none of the secret values.
    const last = (await redis.client.get(POLL_LAST_PREFIX + ID)) as string;
    for (const secret of [SIGNATURE, MANIFEST, PRESIGNED, 'DEMOSIGLEASE1'])
      expect(last).not.toContain(secret);
    // Sealed with its expiry: the lease's TTL from the share.
    const { exp, ...kept } = JSON.parse(payloadOf(last)) as { exp: number };
    expect(exp).toBeGreaterThan(Date.now());
    expect(exp).toBeLessThanOrEqual(Date.now() + 5000);
    expect(kept).toEqual(poll);
    // A new watcher gets it with the lease's answer.
    const claim = await b.claim(ID, 5000, true);
    expect(claim).toMatchObject({ kind: 'other', last: poll });

    // A record without secrets goes as it is.
    const plain = {
      ...withSecrets,
      signature: null,
      signatureFileContents: null,
      currentManifest: null,
      artifactList: [],
    } as unknown as JobRecord;
    const again = next(b, ID);
    await subscribed(ID);
    await a.share(ID, 5000, { kind: 'record', record: plain, interval: 100, wait: 100 });
    expect(await again).toMatchObject({ kind: 'record', stripped: false, record: plain });
  });

  it('refuses to share for a replica that does not hold the lease, and gives a lease back only to its holder, telling the followers', async () => {
    const a = await store('host:1:a');
    const b = await store('host:2:b');
    const id = 'importexport:GIVE1';
    expect(await a.claim(id, 5000)).toEqual({ kind: 'held' });
    expect(await b.share(id, 5000, { kind: 'wait', interval: 100, wait: 100 })).toBe('lost');
    expect(leaseHolderOf(await redis.client.get(POLL_LEASE_PREFIX + id))).toBe('host:1:a');
    // Not its lease: nothing happens.
    b.release(id);
    await b.claim('importexport:SYNC1', 10); // the release went first on the same connection
    expect(leaseHolderOf(await redis.client.get(POLL_LEASE_PREFIX + id))).toBe('host:1:a');
    const told = next(b, id);
    await subscribed(id);
    a.release(id);
    expect(await told).toEqual({ kind: 'released', from: 'host:1:a' });
    expect(leaseHolderOf(await redis.client.get(POLL_LEASE_PREFIX + id))).toBeNull();
  });

  it("keeps a deployment on another database of the server out of this one's channels", async () => {
    const id = 'importexport:DBS1';
    const a = await store('host:1:a', `${redis.url}/1`);
    const b = await store('host:2:b', `${redis.url}/1`);
    const c = await store('host:3:c', `${redis.url}/2`);
    const received = next(b, id);
    const elsewhere: SharedPoll[] = [];
    c.follow(id, (p) => elsewhere.push(p));
    const numsub = async (channel: string) =>
      Number((await redis.client.sendCommand<unknown[]>(['PUBSUB', 'NUMSUB', channel]))[1]);
    await subscribed(`2:${id}`);
    await subscribed(`1:${id}`);
    expect(await numsub(`${POLL_CHANNEL_PREFIX}${id}`)).toBe(0);
    expect(await a.claim(id, 5000)).toEqual({ kind: 'held' });
    expect(await c.claim(id, 5000)).toEqual({ kind: 'held' }); // its own lease, in its own database
    await a.share(id, 5000, { kind: 'wait', interval: 100, wait: 100 });
    expect(await received).toMatchObject({ kind: 'wait', from: 'host:1:a' });
    expect(elsewhere).toEqual([]);
  });

  it('says once that Redis is gone and once that it is back, answers unavailable meanwhile, and follows its channels again once back', async () => {
    const own = await redis.start();
    const log = capturedLog();
    const a = await store('host:1:a', own.url, log);
    const b = await store('host:2:b', own.url);
    const id = 'importexport:BACK1';
    const states: boolean[] = [];
    a.onAvailability((up) => states.push(up));
    const polls: SharedPoll[] = [];
    a.follow(id, (p) => polls.push(p));
    const down = new Promise<void>((resolve) => a.onAvailability((up) => void (up || resolve())));
    await kill(own.child);
    await down;
    expect(a.available()).toBe(false);
    expect(await a.claim(id, 5000)).toEqual({ kind: 'unavailable' });
    expect(await a.share(id, 5000, { kind: 'fetch' })).toBe('unavailable');

    const up = new Promise<void>((resolve) => a.onAvailability((u) => void (u && resolve())));
    const bUp = new Promise<void>((resolve) => b.onAvailability((u) => void (u && resolve())));
    const back = await redis.start(own.port);
    await Promise.all([up, bUp]);
    expect(states).toEqual([false, true]);
    expect(log.lines.map((l) => [l.level, l.msg])).toEqual([
      [
        40,
        'poll leases: Redis is unavailable; each replica polls the jobs it watches itself until it is back',
      ],
      [30, 'poll leases: Redis is back; each watched job is polled by one replica again'],
    ]);
    // Its channel is followed again: b's poll reaches it.
    expect(await b.claim(id, 5000)).toEqual({ kind: 'held' });
    const probe = createClient({ url: back.url });
    await probe.connect();
    try {
      await subscribed(id, 1, probe);
    } finally {
      probe.destroy();
    }
    const reached = new Promise<void>((resolve) => a.follow(id, () => resolve()));
    await b.share(id, 5000, { kind: 'wait', interval: 100, wait: 100 });
    await reached;
    expect(polls).toEqual([{ kind: 'wait', from: 'host:2:b', interval: 100, wait: 100 }]);
  });
});

describe.skipIf(redisServer.skip)(
  'Poll leases in Redis while the cluster secret is rotated',
  () => {
    const redis = useRedis();
    const OLD = 'the-cluster-secret-before-the-rotation-7f3a9c1e';
    const NEW = 'the-cluster-secret-after-the-rotation-0b5d2e84';
    const sealers = new Map<string, ReturnType<typeof countingSealer>>();
    // host:…:accepting has the next secret as JOBGRAPH_CLUSTER_SECRET_PREVIOUS (the rotation's first
    // step); host:…:sealing seals with it, the old one its previous (the second step).
    const { store } = useReplicaStores(redis, (options) => {
      const sealer = options.replicaId.endsWith('accepting')
        ? countingSealer(OLD, NEW)
        : countingSealer(NEW, OLD);
      sealers.set(options.replicaId, sealer);
      return redisPollLeases({ ...options, holdsSecret, withoutSecrets, sealer });
    });

    it("keeps every replica serving from Redis: each follows the other's polls and reads its lease, with nothing rejected", async () => {
      const accepting = await store('host:1:accepting');
      const sealing = await store('host:2:sealing');
      for (const [holder, follower, id] of [
        [accepting, sealing, 'importexport:ROTATE1'],
        [sealing, accepting, 'importexport:ROTATE2'],
      ] as const) {
        expect(await holder.claim(id, 5000)).toEqual({ kind: 'held' });
        const heard = new Promise<SharedPoll>((resolve) => {
          const stop = follower.follow(id, (poll) => {
            stop();
            resolve(poll);
          });
        });
        await channelSubscribed(redis.client, POLL_CHANNEL_PREFIX + id);
        await holder.share(id, 5000, { kind: 'wait', interval: 100, wait: 100 });
        expect(await heard).toMatchObject({ kind: 'wait', interval: 100 });
        // The lease is read as the holder's (not taken over as a forgery), with its last poll.
        expect(await follower.claim(id, 5000, true)).toMatchObject({ kind: 'other' });
      }
      for (const sealer of sealers.values()) expect(sealer.rejected).toEqual([]);
    });
  },
);
