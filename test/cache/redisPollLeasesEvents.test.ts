import { describe, expect, it } from 'vitest';
import { createSecretDetector, createSecretStripper } from '../../src/auth/secrets.ts';
import type { PollLeases, SharedPoll } from '../../src/cache/pollLeases.ts';
import { POLL_CHANNEL_PREFIX, redisPollLeases } from '../../src/cache/redisPollLeases.ts';
import { loadConfig } from '../../src/config/index.ts';
import { parseJob } from '../../src/datasources/batch/parse.ts';
import { JobStates } from '../../src/datasources/state/jobStates.ts';
import { parseGlobalId } from '../../src/model/globalId.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { JOB_TYPES } from '../../src/model/jobKeys.ts';
import { buildSchema } from '../../src/schema.ts';
import { EventApplier } from '../../src/subscriptions/eventApplier.ts';
import type { WatchEvent } from '../../src/subscriptions/watchOptions.ts';
import { WatchRegistry } from '../../src/subscriptions/watchRegistry.ts';
import { BATCH_ENV_SECRET, batchDetail } from '../support/batchEvents.ts';
import { testSealer } from '../support/clusterSecret.ts';
import { realPart } from '../support/realParts.ts';
import { channelSubscribed, useReplicaStores } from '../support/replicaStores.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import { useRedis } from '../support/useRedis.ts';

// Job events across replicas: the replica that consumed an event tells the others through the
// poll leases' channel, without the event's secrets.

const { schema, policy } = buildSchema();
const holdsSecret = createSecretDetector(schema, policy.sensitiveFields, JOB_TYPES);
const withoutSecrets = createSecretStripper(schema, policy.sensitiveFields, JOB_TYPES);
const config = loadConfig({ mode: 'live' }, {});
const JOB = String(batchDetail().jobId);
const KEY = parseGlobalId(`batch:us-east-1:${JOB}`);
const ID = `batch:us-east-1:${JOB}`;
const record = (status: string): JobRecord =>
  parseJob(KEY as never, batchDetail({ status, attempts: [], stoppedAt: undefined }), 'detail');

/** A watch registry of one replica on `clock` (polls every second, no jitter), reading through `fetch`. */
const watching = (
  clock: ManualScheduler,
  leases: PollLeases,
  states: JobStates,
  fetch: ConstructorParameters<typeof WatchRegistry>[0]['fetch'],
) =>
  new WatchRegistry({
    fetch,
    pollMs: 1000,
    maxPollMs: 4000,
    breakerPauseMs: 10_000,
    scheduler: clock,
    random: () => 0.5,
    leases,
    states,
  });

/** A watcher's events as they arrive (`arrived` after each push), and a wait for the `count`th. */
function watchEvents() {
  const seen: WatchEvent[] = [];
  let check = () => {};
  return {
    seen,
    arrived: () => check(),
    untilSeen: (count: number) =>
      new Promise<void>((resolve) => {
        check = () => {
          if (seen.length >= count) resolve();
        };
        check();
      }),
  };
}

const redisServer = realPart('redis-server');

describe.skipIf(redisServer.skip)('Job events across replicas (Redis)', () => {
  const redis = useRedis();
  const { store } = useReplicaStores(redis, (options) =>
    redisPollLeases({ ...options, holdsSecret, withoutSecrets, sealer: testSealer() }),
  );

  const subscribed = (id: string) => channelSubscribed(redis.client, POLL_CHANNEL_PREFIX + id);

  it('announces an applied event to the replicas watching the job, without its secret values, and writes no key', async () => {
    const a = await store('host:1:a');
    const b = await store('host:2:b');
    const received = new Promise<SharedPoll>((resolve) => {
      const stop = b.follow(ID, (poll) => {
        stop();
        resolve(poll);
      });
    });
    await subscribed(ID);
    const keysBefore = await redis.client.keys('*');
    expect(await a.announce?.(ID, { record: record('RUNNING'), time: 1234 })).toBe(true);
    const poll = await received;
    expect(poll).toMatchObject({ kind: 'event', from: 'host:1:a', stripped: true, time: 1234 });
    expect(JSON.stringify(poll)).not.toContain(BATCH_ENV_SECRET);
    expect((poll as { record: JobRecord }).record.providerStatus).toBe('RUNNING');
    expect(await redis.client.keys('*')).toEqual(keysBefore);
  });

  it("moves another replica's watched job by the event this one consumed, with no describe call there", async () => {
    const a = await store('host:1:a');
    const b = await store('host:2:b');
    const clock = new ManualScheduler(0);
    const calls: string[] = [];
    const registry = (leases: PollLeases, states: JobStates) =>
      watching(clock, leases, states, (key) => {
        calls.push(`${leases.replicaId} ${key.provider}`);
        return Promise.resolve(record('RUNNABLE'));
      });
    const [statesA, statesB] = [new JobStates(), new JobStates()];
    const onA = registry(a, statesA);
    const onB = registry(b, statesB);
    const consumer = new EventApplier(config, onA, a, statesA);
    new EventApplier(config, onB, b, statesB);
    // B's events arrive over Redis: wait for them by count, however long a busy machine takes
    // (the test's timeout is the bound), never for a fixed number of turns of the event loop.
    const { seen, arrived, untilSeen } = watchEvents();
    onB.watch(
      KEY,
      (e) => {
        seen.push(e);
        arrived();
      },
      false,
    );
    await subscribed(ID);
    await untilSeen(1);
    expect(seen).toHaveLength(1);
    calls.length = 0;
    const outcome = await consumer.apply({
      provider: 'AWS_BATCH',
      place: { account: 'default', region: 'us-east-1' },
      meaning: { kind: 'record', record: record('RUNNING') },
      time: 5000,
    });
    expect(outcome).toBe('applied');
    await untilSeen(2);
    expect(seen.map((e) => (e.kind === 'record' ? e.record.providerStatus : 'error'))).toEqual([
      'RUNNABLE',
      'RUNNING',
    ]);
    expect(JSON.stringify(seen[1])).not.toContain(BATCH_ENV_SECRET);
    expect(calls).toEqual([]);
    onA.close();
    onB.close();
  });

  it("offers another replica's event to the store from the channel, and a watcher there that may read secrets gets that replica's own read of it", async () => {
    const a = await store('host:1:a');
    const b = await store('host:2:b');
    const clock = new ManualScheduler(0);
    let upstream = 'RUNNABLE';
    const calls: string[] = [];
    const registry = (leases: PollLeases, states: JobStates) =>
      watching(clock, leases, states, () => {
        calls.push(leases.replicaId);
        return Promise.resolve(record(upstream));
      });
    const [statesA, statesB] = [new JobStates(), new JobStates()];
    const peerNews: { origin: string; time?: number; stripped?: boolean }[] = [];
    statesB.subscribe((m) => {
      if (m.kind === 'change' && m.observation.origin === 'peer') peerNews.push(m.observation);
    });
    const onA = registry(a, statesA);
    const onB = registry(b, statesB);
    const consumer = new EventApplier(config, onA, a, statesA);
    const { seen, arrived, untilSeen } = watchEvents();
    // This watcher may read the job's secrets (the default).
    onB.watch(KEY, (e) => {
      seen.push(e);
      arrived();
    });
    await subscribed(ID);
    await untilSeen(1);
    calls.length = 0;
    upstream = 'RUNNING';
    await consumer.apply({
      provider: 'AWS_BATCH',
      place: { account: 'default', region: 'us-east-1' },
      meaning: { kind: 'record', record: record('RUNNING') },
      time: 5000,
    });
    await untilSeen(2);
    // B's store took the event once, as a peer's stripped word; its watcher was told B's own
    // read (one describe there), with the values it may read, never the stripped record.
    expect(peerNews).toEqual([
      expect.objectContaining({ origin: 'peer', time: 5000, stripped: true }),
    ]);
    expect(calls).toEqual(['host:2:b']);
    expect(seen).toHaveLength(2);
    expect(JSON.stringify(seen[1])).toContain(BATCH_ENV_SECRET);
    onA.close();
    onB.close();
  });
});
