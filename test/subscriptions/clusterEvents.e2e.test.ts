import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import type { EmulatorSet } from '@jobgraph/emulators';
import { batchEvent } from '../support/batchEvents.ts';
import type { LiveProcess } from '../support/liveProcess.ts';
import { subscribe, type Event, type Subscription } from '../support/subscriptions.ts';
import {
  kill,
  metricsOf,
  replicaEnv,
  sample,
  startReplicas,
  untilLogged,
  watcherToken,
  type RedisServer,
} from './clusterSupport.ts';
import { closeCluster, startEventCluster } from './clusterEventSupport.ts';
import { messagesIn } from '../support/sqsQueues.ts';
import { describeOnRedis } from '../support/describeOnRedis.ts';

// Two real jobgraph processes sharing one real redis-server and one SQS queue of the SQS
// emulator, each event consumed by whichever replica receives it. With Redis stopped an event
// consumed by one replica cannot be announced to the other: its message stays in the queue (not
// deleted unannounced) and the other replica, whose coverage by events stops while the cluster
// channel is away, reads the job at its poll interval rather than the reconcile interval.

const POLL_MS = 200;
const LONG = 60_000;
const UNAVAILABLE_LINE = /"level":40.*poll leases: Redis is unavailable/;
const JOB = BATCH_JOB_IDS.runnable;
const ID = `batch:us-east-1:${JOB}`;
const WATCH = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id providerStatus } }';
const status = (e: Event | null) =>
  (e?.data?.jobUpdates as { providerStatus?: string } | undefined)?.providerStatus;

describeOnRedis('Replicas sharing an event queue while Redis is stopped', () => {
  let redis: RedisServer | undefined;
  let emulators: EmulatorSet | undefined;
  let client: SQSClient | undefined;
  let queueUrl = '';
  let replicas: LiveProcess[] = [];
  const subs: Subscription[] = [];

  beforeAll(async () => {
    ({ redis, emulators, client, queueUrl } = await startEventCluster('shared-events'));
    replicas = await startReplicas(2, {
      ...replicaEnv(emulators, redis.url, POLL_MS),
      JOBGRAPH_EVENT_QUEUES: queueUrl,
    });
  });

  afterAll(() => closeCluster({ subs, replicas, redis, client, emulators }));

  /** What a replica counted: its Batch events by outcome, its polls made alone. */
  const counts = async (p: LiveProcess) => {
    const text = await metricsOf(p.url);
    const events = (o: string) =>
      sample(text, `jobgraph_events_total{provider="AWS_BATCH",outcome="${o}"}`);
    return {
      applied: events('applied'),
      consumed: events('applied') + events('duplicate') + events('stale'),
      polls: sample(text, 'jobgraph_watch_polls_total{role="alone"}'),
    };
  };

  const messagesLeft = () => messagesIn(client!, queueUrl);

  it('tells every subscriber every change: the replica that did not get the event reads the job at its poll interval, and the message stays unannounced', async () => {
    await expect
      .poll(
        async () =>
          (await Promise.all(replicas.map((p) => metricsOf(p.url)))).every(
            (t) =>
              sample(t, 'jobgraph_event_queue_up{queue="default:us-east-1:shared-events"}') === 1,
          ),
        { timeout: LONG },
      )
      .toBe(true);
    // A subscriber on each replica, one through graphql-sse, one through graphql-ws.
    for (const [i, p] of replicas.entries()) {
      subs.push(
        subscribe(p.url, i === 0 ? 'sse' : 'ws', WATCH, {
          token: await watcherToken(`watcher-${i}`),
          variables: { ids: [ID] },
        }),
      );
    }
    for (const s of subs) expect(status(await s.next())).toBe('RUNNABLE');

    await kill(redis!.child);
    await Promise.all(replicas.map((p) => untilLogged(p, UNAVAILABLE_LINE, LONG)));

    let kept = 0;
    const consumers = new Set<number>();
    for (const state of ['STARTING', 'RUNNING']) {
      const before = await Promise.all(replicas.map(counts));
      const detail = emulators!.batch.jobs?.changeState(JOB, state);
      await client!.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: batchEvent(detail as unknown as Record<string, unknown>),
        }),
      );
      // Every subscriber sees the change.
      for (const s of subs) expect(status(await s.next())).toBe(state);
      // Exactly one replica consumed the event (no redelivery while the test runs).
      let after = await Promise.all(replicas.map(counts));
      await expect
        .poll(
          async () => {
            after = await Promise.all(replicas.map(counts));
            return after.reduce((n, c, i) => n + c.consumed - before[i]!.consumed, 0);
          },
          { timeout: LONG },
        )
        .toBe(1);
      const consumer = after.findIndex((c, i) => c.consumed > before[i]!.consumed);
      consumers.add(consumer);
      const other = 1 - consumer;
      // The other replica's subscriber got the change from its own read (its poll alone, at the
      // poll interval: events no longer cover the job while the cluster channel is away).
      expect(after[other]!.polls).toBeGreaterThan(before[other]!.polls);
      expect(after[other]!.consumed).toBe(before[other]!.consumed);
      // An event applied but not announced is not deleted: it stays for whoever gets it next.
      if (after[consumer]!.applied > before[consumer]!.applied) kept += 1;
      expect(await messagesLeft()).toBe(kept);
    }
    process.stderr.write(
      `[cluster events] Redis stopped: consumed by replica(s) ${[...consumers].join(', ')}; ${kept} of 2 events applied unannounced and kept in the queue\n`,
    );

    // The finish: every subscriber sees it, then (one confirming read) its stream completes.
    const finished = emulators!.batch.jobs?.changeState(JOB, 'SUCCEEDED');
    await client!.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: batchEvent(finished as unknown as Record<string, unknown>),
      }),
    );
    for (const s of subs) {
      expect(status(await s.next())).toBe('SUCCEEDED');
      expect(await s.next()).toBeNull();
    }
  });
});
