import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENTUALLY } from '../support/eventually.ts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { batchDetail, batchEvent } from '../support/batchEvents.ts';
import { startDemo } from '../../src/app.ts';
import { DEMO_DATA } from '@jobgraph/emulators';
import { operatorToken, readyz } from '../support/accountTokens.ts';
import { callsOf, clearCalls, gql, LogCapture } from '../support/gateway.ts';
import { subscribe, type Event } from '../support/subscriptions.ts';
import { useStarted } from '../support/useStarted.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { useSqsEmulator } from '../support/sqsQueues.ts';
import { metricValue } from '../support/metrics.ts';

const sqs = useSqsEmulator();
const sqsEmulator = sqs.emulator;
let client: SQSClient;
let queueUrl = '';
beforeAll(async () => {
  client = sqs.client;
  queueUrl = await sqs.queue('jobgraph-events', { VisibilityTimeout: '1' });
});

const gw = useTestGateway(() => ({
  JOBGRAPH_EVENT_QUEUES: queueUrl,
  AWS_ENDPOINT_URL_SQS: sqs.url,
  JOBGRAPH_WATCH_POLL_MS: '100',
  JOBGRAPH_WATCH_MAX_POLL_MS: '100',
  // The list snapshot read before the events is still the one listed after them.
  JOBGRAPH_LIST_SNAPSHOT_SECONDS: '600',
}));

const JOB = BATCH_JOB_IDS.runnable;
const ID = `batch:us-east-1:${JOB}`;
/** Distinctive bytes of an event's secret environment value: never in a log or an unauthorised answer. */
const EVENT_SECRET = 'event-secret-7d1c0ffee';
const WATCH = `subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state providerStatus createdAt
  ... on BatchJob { attempts { statusReason } container { environment { name value } } } } }`;

/** The demo's runnable job as a Batch event would carry it, in `status` with `attempts` attempts. */
/** The job's creation (epoch ms) as its first event gave it: an event carries the job's own. */
let created = 0;
const createdOf = (e: Event | null) =>
  Date.parse((e?.data?.jobUpdates as { createdAt: string }).createdAt);

function detail(status: string, attempts = 0, job = JOB, createdAt = created) {
  const base = batchDetail();
  const attempt = (base.attempts as unknown[])[0];
  return batchDetail({
    jobId: job,
    jobArn: `arn:aws:batch:us-east-1:123456789012:job/${job}`,
    createdAt,
    status,
    attempts: Array.from({ length: attempts }, () => attempt),
    stoppedAt: status === 'SUCCEEDED' ? base.stoppedAt : undefined,
    container: {
      ...(base.container as object),
      environment: [{ name: 'DB_PASSWORD', value: EVENT_SECRET }],
    },
  });
}

const send = (body: string, QueueUrl = queueUrl) =>
  client.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));

/** The gateway's /metrics text. */
async function metrics(gateway = gw): Promise<string> {
  return (await fetch(gateway.server.url.replace(/\/graphql$/, '/metrics'))).text();
}

/** The value of one sample of /metrics (0 when absent). */
const sample = (line: string, gateway = gw) => metricValue(gateway, line);

/** Wait for `check` to hold, looking again on each turn of the real clock (the gateway works on it). */
async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  await vi.waitFor(async () => {
    if (!(await check())) throw new Error(`never: ${what}`);
  }, EVENTUALLY);
}

async function queueEmpty(): Promise<boolean> {
  const out = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    out.Attributes?.ApproximateNumberOfMessages === '0' &&
    out.Attributes?.ApproximateNumberOfMessagesNotVisible === '0'
  );
}

/** The job's row of a listJobs page of Batch jobs (`fields`: what of it). */
async function listedRow(
  id = ID,
  gateway = gw,
  fields = 'id state providerStatus',
): Promise<Record<string, unknown> | undefined> {
  const res = await gql(
    gateway,
    `{ listJobs(filter: { providers: [AWS_BATCH] }, first: 100) { nodes { ${fields} } } }`,
    { token: gateway.tokens.read },
  );
  return (res.body.data?.listJobs.nodes as Record<string, unknown>[]).find((n) => n.id === id);
}

const status = (e: Event | null) =>
  (e?.data?.jobUpdates as { providerStatus?: string } | undefined)?.providerStatus;

describe('Job events through the SQS emulator', () => {
  it('moves a watched Batch job by its events, with no DescribeJobs call but the one that confirms the finish, and deletes the message', async () => {
    await until(
      'the queue is read',
      async () =>
        (await sample('jobgraph_event_queue_up{queue="default:us-east-1:jobgraph-events"}')) === 1,
    );
    // Live by events once an event of Batch is applied (another job's): until then, polled.
    await send(batchEvent(batchDetail({ jobId: '00000000-0000-4000-8000-00000000c0f1' })));
    await until(
      'the first event is applied',
      async () =>
        (await sample('jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}')) === 1,
    );
    const sub = subscribe(gw.server.url, 'sse', WATCH, {
      token: gw.tokens.secrets,
      variables: { ids: [ID] },
    });
    try {
      const first = await sub.next();
      expect(status(first)).toBe('RUNNABLE');
      created = createdOf(first);
      // A list read before the events: its snapshot, kept, is what the next test's listJobs reads.
      await listedRow();
      clearCalls(gw);
      const confirms = await sample('jobgraph_watch_reads_total{reason="confirm"}');
      await send(batchEvent(detail('RUNNING')));
      const moved = await sub.next();
      expect(status(moved)).toBe('RUNNING');
      // The event's record, secret included for a jobs:secrets:read holder.
      expect(JSON.stringify(moved?.data)).toContain(EVENT_SECRET);
      expect(callsOf(gw).batch).toBe(0);
      expect(await sample('jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}')).toBe(2);
      await until('the message is deleted', queueEmpty);
      // Duplicates and older events change nothing; the next news is the finish.
      await send(batchEvent(detail('RUNNING')));
      await send(batchEvent(detail('STARTING')));
      await send(batchEvent(detail('RUNNABLE', 0), { time: '2026-11-25T11:00:00Z' }));
      await until(
        'the duplicate and the stale events are counted',
        async () =>
          (await sample('jobgraph_events_total{provider="AWS_BATCH",outcome="duplicate"}')) === 1 &&
          (await sample('jobgraph_events_total{provider="AWS_BATCH",outcome="stale"}')) === 2,
      );
      // The job finishes at Batch, and its event says so.
      const finished = gw.emulators.batch.jobs?.changeState(JOB, 'SUCCEEDED');
      await send(batchEvent(finished as unknown as Record<string, unknown>));
      expect(status(await sub.next())).toBe('SUCCEEDED');
      // Complete once one DescribeJobs confirms the finish an event told (docs/events.md).
      expect(await sub.next()).toBeNull();
      expect(callsOf(gw).batch).toBe(1);
      // That call is the watch's read for that reason (jobgraph_watch_reads_total{reason}).
      expect(await sample('jobgraph_watch_reads_total{reason="confirm"}')).toBe(confirms + 1);
    } finally {
      await sub.close();
    }
    expect(gw.logs.text()).not.toContain(EVENT_SECRET);
  });

  it('lists a job as fresh as the event applied after its list snapshot was read', async () => {
    // The kept snapshot, read before the events, still has the job RUNNABLE: the events finished it.
    expect(await listedRow()).toEqual({ id: ID, state: 'SUCCEEDED', providerStatus: 'SUCCEEDED' });
  });

  it('remembers a job an event showed finished: answered as retained once the provider forgets it', async () => {
    // The change is written within the writer's group commit; durable now.
    await gw.history!.writer.flush();
    expect(gw.emulators.batch.jobs?.forget(JOB)).toBe(true);
    const res = await gql(gw, `{ job(id: "${ID}") { id state retained } }`, {
      token: gw.tokens.read,
    });
    expect(res.body.data?.job).toEqual({ id: ID, state: 'SUCCEEDED', retained: true });
  });

  it('says in the graph which jobs are live by events (Job.liveBy): Batch jobs of the readable queue, not Panorama jobs', async () => {
    const res = await gql(
      gw,
      `{ jobs(ids: ["${ID}", "${DEMO_DATA.panorama.EXAMPLE_GLOBAL_ID}"]) { id liveBy } }`,
      {
        token: gw.tokens.read,
      },
    );
    expect(res.body.data?.jobs).toEqual([
      { id: ID, liveBy: 'EVENTS' },
      { id: DEMO_DATA.panorama.EXAMPLE_GLOBAL_ID, liveBy: 'POLLING' },
    ]);
  });

  it("shows an event's secret values only to a jobs:secrets:read holder", async () => {
    const sub = subscribe(gw.server.url, 'sse', WATCH, {
      token: gw.tokens.read,
      variables: { ids: [`batch:us-east-1:${BATCH_JOB_IDS.pending}`] },
    });
    try {
      const first = await sub.next();
      expect(status(first)).toBe('PENDING');
      const d = { ...detail('RUNNING'), jobId: BATCH_JOB_IDS.pending, createdAt: createdOf(first) };
      await send(batchEvent(d));
      const moved = await sub.next();
      expect(status(moved)).toBe('RUNNING');
      expect(JSON.stringify(moved)).not.toContain(EVENT_SECRET);
      expect(JSON.stringify(moved?.errors)).toContain('FORBIDDEN');
    } finally {
      await sub.close();
    }
    expect(gw.logs.text()).not.toContain(EVENT_SECRET);
  });

  it('rejects, counts and deletes messages that are no job event, with no body in any log', async () => {
    const before = await sample('jobgraph_events_total{provider="none",outcome="rejected"}');
    const marker = 'distinctive-body-bytes-91f3';
    await send(`{"not json ${marker}`);
    await send(JSON.stringify({ source: 'aws.ec2', 'detail-type': 'x', detail: { marker } }));
    await send(batchEvent({ ...detail('RUNNING'), jobId: undefined, jobName: marker }));
    await send(batchEvent({ ...detail('RUNNING'), jobName: `${marker}${'x'.repeat(300_000)}` }));
    await send(batchEvent(detail('RUNNING'), { account: '999999999999' }));
    await until(
      'five rejections are counted',
      async () =>
        (await sample('jobgraph_events_total{provider="none",outcome="rejected"}')) === before + 5,
    );
    await until('the rejected messages are deleted', queueEmpty);
    const lines = gw.logs.lines.filter((l) => l.includes('no provider'));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(gw.logs.text()).not.toContain(marker);
  });

  it('rejects an event with a field longer than AWS sends (region, job name, status reason) by its fixed reason, quoting none of it', async () => {
    const before = await sample('jobgraph_events_total{provider="none",outcome="rejected"}');
    const overlong =
      'jobgraph_events_rejected_total{queue="default:us-east-1:jobgraph-events",reason="an over-long field"}';
    const counted = await sample(overlong);
    const marker = 'distinctive-field-bytes-5e0d';
    const long = (n: number) => marker.repeat(Math.ceil(n / marker.length)).slice(0, n);
    await send(
      batchEvent(detail('RUNNING'), { region: `us-${long(100_000).replace(/[^a-z]/g, 'x')}-1` }),
    );
    await send(batchEvent({ ...detail('RUNNING'), jobName: long(129) }));
    await send(batchEvent({ ...detail('RUNNING'), statusReason: long(1025) }));
    await until(
      'three rejections are counted',
      async () =>
        (await sample('jobgraph_events_total{provider="none",outcome="rejected"}')) === before + 3,
    );
    await until('the rejected messages are deleted', queueEmpty);
    // Counted by their reason; logged at most once a minute per queue and reason.
    expect(await sample(overlong)).toBe(counted + 3);
    expect(gw.logs.lines.some((l) => l.includes('an over-long field'))).toBe(true);
    expect(gw.logs.text()).not.toContain(marker);
  });

  it('shows how full each store fed by events is, and its bounds, in /metrics', async () => {
    const text = await metrics();
    for (const store of ['job_states', 'refs'])
      for (const gauge of ['entries', 'bytes', 'max_entries', 'max_bytes'])
        expect(text).toMatch(
          new RegExp(`^jobgraph_store_${gauge}\\{store="${store}"\\} \\d+`, 'm'),
        );
    // The events above are in the job-state store.
    expect(await sample('jobgraph_store_entries{store="job_states"}')).toBeGreaterThan(0);
    expect(await sample('jobgraph_store_bytes{store="job_states"}')).toBeGreaterThan(0);
    expect(await sample('jobgraph_store_max_bytes{store="job_states"}')).toBe(16 * 1024 * 1024);
  });
});

describe('A job event queue that refuses access', () => {
  let deniedUrl = '';
  beforeAll(async () => {
    const out = await client.send(new CreateQueueCommand({ QueueName: 'jobgraph-events-denied' }));
    deniedUrl = out.QueueUrl as string;
    sqsEmulator.deny(deniedUrl, true);
  });
  const denied = useTestGateway(() => ({
    JOBGRAPH_EVENT_QUEUES: deniedUrl,
    AWS_ENDPOINT_URL_SQS: sqs.url,
    JOBGRAPH_WATCH_POLL_MS: '100',
    JOBGRAPH_WATCH_MAX_POLL_MS: '100',
  }));
  /** What an operator's /readyz says of the queue (anonymous callers are told ready or not only). */
  const readyzQueues = async () => {
    const { body } = await readyz(denied.server.url, await operatorToken(denied));
    return body.eventQueues as { queue: string; state: string; code: string | null }[] | undefined;
  };

  it('is reported (readyz, metric, log), its jobs are polled, and it is read again once it lets jobgraph in', async () => {
    await until('the queue is reported down', async () => {
      const q = (await readyzQueues())?.[0];
      return q?.state === 'DOWN' && q.code === 'AccessDenied';
    });
    const text = await (await fetch(denied.server.url.replace(/\/graphql$/, '/metrics'))).text();
    expect(text).toContain(
      'jobgraph_event_queue_up{queue="default:us-east-1:jobgraph-events-denied"} 0',
    );
    expect(denied.logs.text()).toContain('cannot be read');
    const res = await gql(denied, `{ job(id: "${ID}") { liveBy } }`, { token: denied.tokens.read });
    expect(res.body.data?.job).toEqual({ liveBy: 'POLLING' });
    const sub = subscribe(denied.server.url, 'sse', WATCH, {
      token: denied.tokens.read,
      variables: { ids: [`batch:us-east-1:${BATCH_JOB_IDS.starting}`] },
    });
    try {
      expect(status(await sub.next())).toBe('STARTING');
      // Polled every JOBGRAPH_WATCH_POLL_MS, as without events.
      await until('the watched job is polled again', () => callsOf(denied).batch >= 3);
    } finally {
      await sub.close();
    }
    sqsEmulator.deny(deniedUrl, false);
    await until('the queue is read again', async () => (await readyzQueues())?.[0]?.state === 'UP');
    expect(denied.logs.text()).toContain('readable again');
  });
});

describe("The demo's own job events (npm start)", () => {
  const logs = new LogCapture();
  const demo = useStarted(
    'the demo',
    () => startDemo({ port: 0, env: { LOG_LEVEL: 'info' }, logDestination: logs }),
    (d) => d.close(),
  );

  it("consumes the emulators' queues by default: a Batch job moves by its event, no DescribeJobs call between, visible in /metrics", async () => {
    const metricsText = async () =>
      (await fetch(demo.server.url.replace(/\/graphql$/, '/metrics'))).text();
    await until('both demo queues are read', async () => {
      const text = await metricsText();
      return (text.match(/^jobgraph_event_queue_up\{[^}]*\} 1$/gm) ?? []).length === 2;
    });
    const sub = subscribe(demo.server.url, 'sse', WATCH, {
      token: demo.tokens.read,
      variables: { ids: [`batch:us-east-1:${BATCH_JOB_IDS.runnable}`] },
    });
    try {
      expect(status(await sub.next())).toBe('RUNNABLE');
      clearCalls(demo);
      demo.emulators.batch.jobs?.changeState(BATCH_JOB_IDS.runnable, 'RUNNING');
      expect(status(await sub.next())).toBe('RUNNING');
      expect(callsOf(demo).batch).toBe(0);
      expect(await metricsText()).toMatch(
        /^jobgraph_events_total\{provider="AWS_BATCH",outcome="applied"\} [1-9]/m,
      );
    } finally {
      await sub.close();
    }
  });
});

describe('A wrong finish told by an event (the provider is the source of truth)', () => {
  /** The clock list snapshots and the job-state store are dated by: moved by hand, so that a list is read before or after an event. */
  let listNow = Date.now();
  let wrongQueue = '';
  beforeAll(async () => {
    const out = await client.send(
      new CreateQueueCommand({ QueueName: 'wrong-events', Attributes: { VisibilityTimeout: '1' } }),
    );
    wrongQueue = out.QueueUrl as string;
  });
  const gw2 = useTestGateway(
    () => ({
      JOBGRAPH_EVENT_QUEUES: wrongQueue,
      AWS_ENDPOINT_URL_SQS: sqs.url,
      JOBGRAPH_WATCH_POLL_MS: '100',
      JOBGRAPH_WATCH_MAX_POLL_MS: '100',
      JOBGRAPH_LIST_SNAPSHOT_SECONDS: '30',
    }),
    { listClock: () => listNow },
  );
  const RUNNING_JOB = BATCH_JOB_IDS.running;
  const RUNNING_ID = `batch:us-east-1:${RUNNING_JOB}`;
  const applied = () =>
    sample('jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}', gw2);
  const missed = () => sample('jobgraph_events_missed_total{provider="AWS_BATCH"}', gw2);
  const row = () => listedRow(RUNNING_ID, gw2);
  /** A Batch event, forged, saying the running job succeeded (one attempt, stopped). */
  let wrongFinish = '';

  it('lists the event over a row read before it, and the row of a list read after it', async () => {
    await until(
      'the queue is read',
      async () =>
        (await sample('jobgraph_event_queue_up{queue="default:us-east-1:wrong-events"}', gw2)) ===
        1,
    );
    const before = await listedRow(RUNNING_ID, gw2, 'id providerStatus createdAt');
    expect(before).toMatchObject({ id: RUNNING_ID, providerStatus: 'RUNNING' });
    wrongFinish = batchEvent(
      detail('SUCCEEDED', 1, RUNNING_JOB, Date.parse(before?.createdAt as string)),
    );
    // The event arrives after the list snapshot was read.
    listNow += 1000;
    await send(wrongFinish, wrongQueue);
    await until('the event is applied', async () => (await applied()) === 1);
    // The kept snapshot was read before it: the event is the fresher word.
    expect(await row()).toEqual({
      id: RUNNING_ID,
      state: 'SUCCEEDED',
      providerStatus: 'SUCCEEDED',
    });
    // Listed again once that snapshot is out of date: read after the event, the provider's row stands.
    listNow += 60_000;
    expect(await row()).toEqual({
      id: RUNNING_ID,
      state: 'IN_PROGRESS',
      providerStatus: 'RUNNING',
    });
  });

  it('tells watchers the wrong finish, then the state one read finds, and goes on watching to the real finish', async () => {
    const sub = subscribe(gw2.server.url, 'sse', WATCH, {
      token: gw2.tokens.read,
      variables: { ids: [RUNNING_ID] },
    });
    try {
      expect(status(await sub.next())).toBe('RUNNING');
      clearCalls(gw2);
      const missedBefore = await missed();
      // The same wrong event once more (a new delivery), now that the job is watched.
      listNow += 1000;
      await send(wrongFinish, wrongQueue);
      expect(status(await sub.next())).toBe('SUCCEEDED');
      // One DescribeJobs, at the next poll slot, says the job runs: the read replaces the event.
      expect(status(await sub.next())).toBe('RUNNING');
      expect(callsOf(gw2).batch).toBe(1);
      expect(await missed()).toBe(missedBefore + 1);
      expect(await row()).toEqual({
        id: RUNNING_ID,
        state: 'IN_PROGRESS',
        providerStatus: 'RUNNING',
      });
      // The watch goes on: the real finish, by the emulator's own record, and its confirming read.
      const finished = gw2.emulators.batch.jobs?.changeState(RUNNING_JOB, 'SUCCEEDED');
      listNow += 1000;
      await send(batchEvent(finished as unknown as Record<string, unknown>), wrongQueue);
      expect(status(await sub.next())).toBe('SUCCEEDED');
      expect(await sub.next()).toBeNull();
      expect(callsOf(gw2).batch).toBe(2);
    } finally {
      await sub.close();
    }
  });
});
