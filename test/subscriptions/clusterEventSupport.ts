/**
 * The event side of the cluster and coverage tests: the emulators' event queues, the coverage tests'
 * jobs and the calls naming them, a routing event, and what a replica tells of the events it applied.
 */
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { DEMO_DATA, startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { OMICS_DEMO_JOB_IDS } from '@jobgraph/emulators/omics/data';
import { readyz } from '../support/accountTokens.ts';
import { batchDetail, batchEvent } from '../support/batchEvents.ts';
import type { LiveProcess } from '../support/liveProcess.ts';

import {
  kill,
  metricsOf,
  sample,
  startRedisServer,
  watcherToken,
  type RedisServer,
} from './clusterSupport.ts';

/** The event queues of `emulators`' SQS: one client on the demo keys, and `create`, which makes a queue and answers its URL. */
export function eventQueues(emulators: EmulatorSet) {
  const client = new SQSClient({
    region: 'us-east-1',
    endpoint: emulators.sqs.url,
    credentials: { ...DEMO_AWS_CREDENTIALS },
    maxAttempts: 1,
  });
  const create = async (name: string, attributes?: Record<string, string>) =>
    (
      await client.send(
        new CreateQueueCommand({
          QueueName: name,
          ...(attributes ? { Attributes: attributes } : {}),
        }),
      )
    ).QueueUrl!;
  return { client, create };
}

/**
 * A cluster test's redis-server and emulator set, and queue `name` of their SQS with a visibility
 * timeout longer than the test: a message not deleted is not handed out again while it runs, so
 * each event is consumed by exactly one replica. What started is closed again if a later part fails.
 */
export async function startEventCluster(name: string): Promise<{
  redis: RedisServer;
  emulators: EmulatorSet;
  client: SQSClient;
  queueUrl: string;
}> {
  const redis = await startRedisServer();
  let emulators: EmulatorSet | undefined;
  let client: SQSClient | undefined;
  try {
    emulators = await startEmulators();
    const sqs = eventQueues(emulators);
    client = sqs.client;
    const queueUrl = await sqs.create(name, { VisibilityTimeout: '600' });
    return { redis, emulators, client, queueUrl };
  } catch (e) {
    await closeCluster({ subs: [], replicas: [], redis, client, emulators });
    throw e;
  }
}

/**
 * The coverage tests' jobs (coverage*.e2e.test.ts): a demo Batch job events cover, and beside it a
 * HealthOmics job (no HealthOmics event ever) polled every interval, the control the Batch job's
 * reads are counted against; `watch`, a subscription of their IDs and statuses.
 */
export const COVERED = {
  /** The replicas' poll interval, ms. */
  pollMs: 200,
  /** Polls of the control job a test measures over: its poll intervals. */
  intervals: 10,
  batchJob: BATCH_JOB_IDS.runnable,
  batchId: `batch:us-east-1:${BATCH_JOB_IDS.runnable}`,
  omicsJob: OMICS_DEMO_JOB_IDS.inProgress,
  omicsId: DEMO_DATA.omics.EXAMPLE_GLOBAL_ID.replace(/[^:]+$/, OMICS_DEMO_JOB_IDS.inProgress),
  watch: 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id providerStatus } }',
} as const;

/** DescribeJobs calls naming COVERED's Batch job, and HealthOmics calls naming its control job, counted as they arrive. */
export function coveredCalls(emulators: EmulatorSet): { batch: number; omics: number } {
  const calls = { batch: 0, omics: 0 };
  emulators.batch.events.on('request', (req: { path: string; body: string }) => {
    if (req.path === '/v1/describejobs' && req.body.includes(COVERED.batchJob)) calls.batch += 1;
  });
  emulators.omics.events.on('request', (req: { path: string; body: string }) => {
    if (req.path.includes(COVERED.omicsJob) || req.body.includes(COVERED.omicsJob))
      calls.omics += 1;
  });
  return calls;
}

/**
 * An event of a Batch job nobody watches (its ID ends in `prefix` and `n`: each test file its own
 * prefix): it proves the route and moves no watcher.
 */
export const routeEvent = (prefix: string, n: number) =>
  batchEvent(
    batchDetail({
      jobId: `00000000-0000-4000-8000-00000000${prefix}${String(n).padStart(2, '0')}`,
    }),
    { time: new Date().toISOString() },
  );

/** One place's coverage as /readyz tells it. */
type Place = {
  provider: string;
  account: string;
  region: string;
  live: boolean;
  reason: string;
};

/** AWS Batch of the default account in us-east-1, as `replica`'s /readyz tells it to `operator`. */
export async function batchPlace(replica: LiveProcess, operator: string) {
  const { body } = await readyz(replica.url, operator);
  return (body.eventCoverage as Place[] | undefined)?.find(
    (p) => p.provider === 'AWS_BATCH' && p.account === 'default' && p.region === 'us-east-1',
  );
}

/** `replica`'s AWS Batch events applied (`jobgraph_events_total`). */
export async function batchApplied(replica: LiveProcess): Promise<number> {
  return sample(
    await metricsOf(replica.url),
    'jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}',
  );
}

/** COVERED's Batch job's status, read through `replica` by a query (a provider read). */
export async function coveredStatus(replica: LiveProcess): Promise<string> {
  const res = await fetch(replica.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await watcherToken('reader')}`,
    },
    body: JSON.stringify({ query: `{ job(id: "${COVERED.batchId}") { providerStatus } }` }),
  });
  return ((await res.json()) as { data: { job: { providerStatus: string } } }).data.job
    .providerStatus;
}

/**
 * What a cluster test opened, closed in this order: its subscriptions, its replicas, its
 * redis-server, its SQS client, its emulators (what it did not open is passed over).
 */
export async function closeCluster(opened: {
  subs: { close(): Promise<void> }[];
  replicas: LiveProcess[];
  redis: RedisServer | undefined;
  client: SQSClient | undefined;
  emulators: EmulatorSet | undefined;
}): Promise<void> {
  for (const s of opened.subs) await s.close();
  for (const r of opened.replicas) await kill(r.child);
  if (opened.redis) await kill(opened.redis.child);
  opened.client?.destroy();
  await opened.emulators?.close();
}
