import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_DATA } from '@jobgraph/emulators';
import { OMICS_DEMO_JOB_IDS, OMICS_DEMO_JOBS } from '@jobgraph/emulators/omics/data';
import { omicsStatusChangeEvent } from '@jobgraph/emulators/omics/jobEvents';
import { operatorToken, readyz } from '../support/accountTokens.ts';
import { batchDetail, batchEvent } from '../support/batchEvents.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { gql, type TestGateway } from '../support/gateway.ts';
import { subscribe } from '../support/subscriptions.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { useSqsEmulator } from '../support/sqsQueues.ts';

/**
 * Coverage measured (docs/events.md, "Coverage"), through the real SQS emulator and a real
 * gateway: a provider's jobs are live by events once an event of theirs is applied, not because a
 * queue of their account is readable; off again on a missed change or a queue that goes down; and
 * a watch that selects what the events do not carry is polled as without them.
 */

const sqs = useSqsEmulator();
const sqsEmulator = sqs.emulator;
let client: SQSClient;
beforeAll(() => {
  client = sqs.client;
});

const queue = (name: string): Promise<string> => sqs.queue(name, { VisibilityTimeout: '1' });

const send = (url: string, body: string) =>
  client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));

/** Wait for `check` to hold (the gateway works on the real clock). */
const until = (check: () => boolean | Promise<boolean>, timeout: number = EVENTUALLY.timeout) =>
  vi.waitFor(async () => expect(await check()).toBe(true), { ...EVENTUALLY, timeout });

/** SQS's longest long poll, which a queue denied meanwhile ends before it reads as DOWN. */
const LONG_POLL_MS = 20_000;

const omicsId = (id: string) => DEMO_DATA.omics.EXAMPLE_GLOBAL_ID.replace(/[^:]+$/, id);
const batchId = (id: string) => `batch:us-east-1:${id}`;
const PIPELINE_ID = DEMO_DATA.codepipeline.EXAMPLE_GLOBAL_ID;

/** A HealthOmics status change of the demo job `id`, as EventBridge puts it on the queue. */
function omicsEvent(id: string): string {
  const job = OMICS_DEMO_JOBS.find((j) => j.id === id)!;
  return JSON.stringify(omicsStatusChangeEvent(job, '123456789012', 'us-east-1', Date.now()));
}

/** A Batch event of a job nobody watches: it proves the route, and moves no watcher. */
const otherBatchEvent = (n: number) =>
  batchEvent(
    batchDetail({ jobId: `00000000-0000-4000-8000-00000000c0${String(n).padStart(2, '0')}` }),
  );

async function liveBy(gw: TestGateway, id: string): Promise<string> {
  const res = await gql(gw, `{ job(id: "${id}") { liveBy } }`, { token: gw.tokens.read });
  return (res.body.data?.job as { liveBy: string }).liveBy;
}

interface Coverage {
  provider: string;
  account: string;
  region: string;
  live: boolean;
  reason: string | null;
}

/** A provider of the default account's us-east-1 that is polled, and why. */
const polled = (provider: string, reason: string): Coverage => ({
  provider,
  account: 'default',
  region: 'us-east-1',
  live: false,
  reason,
});

/** What an operator's /readyz says of each provider's coverage. */
async function coverage(gw: TestGateway): Promise<Coverage[]> {
  const { body } = await readyz(gw.server.url, await operatorToken(gw));
  return body.eventCoverage as Coverage[];
}

const reasonOf = async (gw: TestGateway, provider: string) =>
  (await coverage(gw)).find((c) => c.provider === provider)?.reason;

/** The GetReferenceImportJob calls the HealthOmics emulator answered for the job `nativeId`. */
const omicsReads = (gw: TestGateway, nativeId: string) =>
  gw.emulators.omics.calls.filter(
    (c) => c.operation.startsWith('GetReferenceImportJob') && c.job?.endsWith(nativeId),
  ).length;

/**
 * Watches the HealthOmics job `native` over SSE, selecting `fields`, until its first update has
 * come; `reads()` counts the emulator's reads of it since just before the watch began.
 */
async function watchOmics(gw: TestGateway, native: string, fields: string) {
  const before = omicsReads(gw, native);
  const sub = subscribe(
    gw.server.url,
    'sse',
    `subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { ${fields} } }`,
    { token: gw.tokens.read, variables: { ids: [omicsId(native)] } },
  );
  try {
    expect(await sub.next()).not.toBeNull();
  } catch (err) {
    await sub.close();
    throw err;
  }
  return { reads: () => omicsReads(gw, native) - before, close: () => sub.close() };
}

async function metrics(gw: TestGateway): Promise<string> {
  return (await fetch(gw.server.url.replace(/\/graphql$/, '/metrics'))).text();
}

/**
 * A describe block's gateway on a queue of its own, `name` (made before the gateway starts),
 * watches polled every 100 ms, `env` beside; `url()` is the queue's.
 */
function onOwnQueue(name: string, env: Record<string, string> = {}) {
  let url = '';
  beforeAll(async () => {
    url = await queue(name);
  });
  const gw = useTestGateway(() => ({
    JOBGRAPH_EVENT_QUEUES: url,
    AWS_ENDPOINT_URL_SQS: sqs.url,
    JOBGRAPH_WATCH_POLL_MS: '100',
    JOBGRAPH_WATCH_MAX_POLL_MS: '100',
    ...env,
  }));
  return { gw, url: () => url };
}

describe('A rule that routes only Batch (reconciliation every 300 s)', () => {
  const { gw, url } = onOwnQueue('batch-only');

  it('leaves HealthOmics and CodePipeline jobs liveBy POLLING, and says so per provider in /readyz and /metrics', async () => {
    await until(async () => (await coverage(gw)).length === 5);
    // Readable, no event yet: every provider's every kind with events polled until its first event.
    expect(await coverage(gw)).toEqual([
      polled('AWS_OMICS', 'NO_EVENT'),
      { ...polled('AWS_OMICS', 'NO_EVENT'), kind: 'run' },
      polled('AWS_CODEPIPELINE', 'NO_EVENT'),
      polled('AWS_BATCH', 'NO_EVENT'),
      { ...polled('AWS_BATCH', 'NO_EVENT'), kind: 'serviceJob' },
    ]);
    expect(await liveBy(gw, batchId(BATCH_JOB_IDS.pending))).toBe('POLLING');
    await send(url(), otherBatchEvent(1));
    await until(async () => (await liveBy(gw, batchId(BATCH_JOB_IDS.pending))) === 'EVENTS');
    expect(await liveBy(gw, omicsId(OMICS_DEMO_JOB_IDS.inProgress))).toBe('POLLING');
    expect(await liveBy(gw, PIPELINE_ID)).toBe('POLLING');
    // Its jobs' events say nothing of whether the rule routes its service jobs': they stay polled.
    expect(await coverage(gw)).toEqual([
      polled('AWS_OMICS', 'NO_EVENT'),
      { ...polled('AWS_OMICS', 'NO_EVENT'), kind: 'run' },
      polled('AWS_CODEPIPELINE', 'NO_EVENT'),
      { provider: 'AWS_BATCH', account: 'default', region: 'us-east-1', live: true, reason: null },
      { ...polled('AWS_BATCH', 'NO_EVENT'), kind: 'serviceJob' },
    ]);
    const text = await metrics(gw);
    expect(text).toMatch(
      /^jobgraph_events_last_applied_age_seconds\{queue="default:us-east-1:batch-only",provider="AWS_BATCH"\} \d/m,
    );
    expect(text).not.toMatch(/jobgraph_events_last_applied_age_seconds\{[^}]*provider="AWS_OMICS"/);
  });

  it('polls a watched HealthOmics job at the poll interval while no HealthOmics event has come', async () => {
    const watch = await watchOmics(gw, OMICS_DEMO_JOB_IDS.submitted, 'id state');
    try {
      await until(() => watch.reads() >= 4);
    } finally {
      await watch.close();
    }
  });

  it('reads a HealthOmics job whose watcher selects its sources at the poll interval, while events cover HealthOmics', async () => {
    // One HealthOmics event (of a job nobody watches) makes HealthOmics live by events.
    await send(url(), omicsEvent(OMICS_DEMO_JOB_IDS.completed));
    await until(
      async () => (await liveBy(gw, omicsId(OMICS_DEMO_JOB_IDS.inProgress))) === 'EVENTS',
    );
    const bySources = await watchOmics(
      gw,
      OMICS_DEMO_JOB_IDS.inProgress,
      'id state ... on OmicsReferenceImportJob { sources { status } }',
    );
    try {
      const byState = await watchOmics(
        gw,
        OMICS_DEMO_JOB_IDS.cancelling,
        'id state providerStatus',
      );
      try {
        // The sources' progress comes with no event: read again and again, as without events…
        await until(() => bySources.reads() >= 5);
        // …while the job whose watcher selects only what events carry was read once, its reconciliation
        // 300 s away.
        expect(byState.reads()).toBe(1);
      } finally {
        await byState.close();
      }
    } finally {
      await bySources.close();
    }
  });
  it('reads a watched Batch job whose first read failed again at the poll back-off, not at the reconciliation, while Batch is live by events', async () => {
    await send(url(), otherBatchEvent(6));
    const watched = BATCH_JOB_IDS.starting;
    await until(async () => (await liveBy(gw, batchId(watched))) === 'EVENTS');
    // Its DescribeJobs from now on (liveBy's query read it once already).
    const from = gw.emulators.batch.calls.length;
    const reads = () =>
      gw.emulators.batch.calls
        .slice(from)
        .filter((c) => c.operation.startsWith('DescribeJobs') && c.job?.includes(watched));
    // Its first read fails whole: each of its three attempts a 5xx (UPSTREAM_UNAVAILABLE).
    gw.emulators.batch.setFaults({
      jobPrefix: `us-east-1/${watched}`,
      script: ['5xx', '5xx', '5xx'],
    });
    const sub = subscribe(
      gw.server.url,
      'sse',
      'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id providerStatus } }',
      { token: gw.tokens.read, variables: { ids: [batchId(watched)] } },
    );
    try {
      // Read again at the poll interval's back-off (100 ms here), not 300 s later.
      await until(() => reads().some((c) => c.status === 200));
      const first = await sub.next();
      expect((first?.data?.jobUpdates as { providerStatus: string }).providerStatus).toBe(
        'STARTING',
      );
      expect(reads().map((c) => c.status)).toEqual([500, 500, 500, 200]);
    } finally {
      gw.emulators.batch.resetFaults();
      await sub.close();
    }
  });
});

describe('Coverage that stops (reconciliation every second, a second of grace)', () => {
  const { gw, url } = onOwnQueue('coverage-stops', {
    JOBGRAPH_EVENT_RECONCILE_SECONDS: '1',
    JOBGRAPH_EVENT_MISS_GRACE_SECONDS: '1',
  });

  it('turns Batch to POLLING when a reconciliation finds a change no event announced, and back at its next event', async () => {
    await send(url(), otherBatchEvent(2));
    const watched = BATCH_JOB_IDS.pending;
    await until(async () => (await liveBy(gw, batchId(watched))) === 'EVENTS');
    const sub = subscribe(
      gw.server.url,
      'sse',
      'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id providerStatus } }',
      {
        token: gw.tokens.read,
        variables: { ids: [batchId(watched)] },
      },
    );
    try {
      expect(await sub.next()).not.toBeNull();
      // The job moves at the provider, and no event says so (the rule lost it).
      expect(gw.emulators.batch.jobs?.changeState(watched, 'RUNNABLE')).not.toBeNull();
      const moved = await sub.next();
      expect((moved?.data?.jobUpdates as { providerStatus: string }).providerStatus).toBe(
        'RUNNABLE',
      );
      await until(async () => (await reasonOf(gw, 'AWS_BATCH')) === 'MISSED');
      expect(await liveBy(gw, batchId(watched))).toBe('POLLING');
      // An event applied again: live again.
      await send(url(), otherBatchEvent(3));
      await until(async () => (await liveBy(gw, batchId(watched))) === 'EVENTS');
    } finally {
      await sub.close();
    }
  });

  it(
    'turns coverage off while the queue is DOWN, and on again only by a later applied event',
    {
      timeout: LONG_POLL_MS + 3 * EVENTUALLY.timeout,
    },
    async () => {
      await send(url(), otherBatchEvent(4));
      await until(async () => (await reasonOf(gw, 'AWS_BATCH')) === null);
      sqsEmulator.deny(url(), true);
      try {
        await until(
          async () => (await reasonOf(gw, 'AWS_BATCH')) === 'QUEUE_DOWN',
          LONG_POLL_MS + EVENTUALLY.timeout,
        );
        expect(await liveBy(gw, batchId(BATCH_JOB_IDS.pending))).toBe('POLLING');
      } finally {
        sqsEmulator.deny(url(), false);
      }
      await until(async () => {
        const r = await readyz(gw.server.url, await operatorToken(gw));
        return (r.body.eventQueues as { state: string }[])[0]?.state === 'UP';
      });
      // Readable again, but what went down is not believed until an event comes through it.
      expect(await reasonOf(gw, 'AWS_BATCH')).toBe('QUEUE_DOWN');
      await send(url(), otherBatchEvent(5));
      await until(async () => (await reasonOf(gw, 'AWS_BATCH')) === null);
    },
  );
});
