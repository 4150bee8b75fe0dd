import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '../../src/emulators/batch/data.ts';
import { createEmulatorAccounts } from '../../src/emulators/accounts.ts';
import { DEMO_AWS_CREDENTIALS, startEmulator } from '../../src/emulators/framework.ts';
import { createSqsEmulator } from '../../src/emulators/sqs/emulator.ts';
import { batchDetail, batchEvent } from '../support/batchEvents.ts';
import { startDemo } from '../../src/app.ts';
import { DEMO_DATA } from '../../src/emulators/index.ts';
import { operatorToken, readyz } from '../support/accountTokens.ts';
import { callsOf, clearCalls, gql, LogCapture } from '../support/gateway.ts';
import { subscribe, type Event } from '../support/subscriptions.ts';
import { useStarted } from '../support/useStarted.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const sqsEmulator = createSqsEmulator({ accounts: createEmulatorAccounts() });
const sqs = useStarted(
  'the SQS emulator',
  () => startEmulator(sqsEmulator),
  (emu) => emu.close(),
);
let client: SQSClient;
let queueUrl = '';
beforeAll(async () => {
  client = new SQSClient({
    region: 'us-east-1',
    endpoint: sqs.url,
    credentials: { ...DEMO_AWS_CREDENTIALS },
    maxAttempts: 1,
  });
  const out = await client.send(
    new CreateQueueCommand({
      QueueName: 'jobgraph-events',
      Attributes: { VisibilityTimeout: '1' },
    }),
  );
  queueUrl = out.QueueUrl as string;
});
afterAll(() => client.destroy());

const gw = useTestGateway(() => ({
  JOBGRAPH_EVENT_QUEUES: queueUrl,
  AWS_ENDPOINT_URL_SQS: sqs.url,
  JOBGRAPH_WATCH_POLL_MS: '100',
  JOBGRAPH_WATCH_MAX_POLL_MS: '100',
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

function detail(status: string, attempts = 0) {
  const base = batchDetail();
  const attempt = (base.attempts as unknown[])[0];
  return batchDetail({
    jobId: JOB,
    jobArn: `arn:aws:batch:us-east-1:123456789012:job/${JOB}`,
    createdAt: created,
    status,
    attempts: Array.from({ length: attempts }, () => attempt),
    stoppedAt: status === 'SUCCEEDED' ? base.stoppedAt : undefined,
    container: {
      ...(base.container as object),
      environment: [{ name: 'DB_PASSWORD', value: EVENT_SECRET }],
    },
  });
}

const send = (body: string) =>
  client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));

/** The gateway's /metrics text. */
async function metrics(): Promise<string> {
  return (await fetch(gw.server.url.replace(/\/graphql$/, '/metrics'))).text();
}

/** The value of one sample of /metrics (0 when absent). */
async function sample(line: string): Promise<number> {
  const m = new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\d+)`, 'm').exec(await metrics());
  return m ? Number(m[1]) : 0;
}

/** Wait for `check` to hold, looking again on each turn of the real clock (the gateway works on it). */
async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never: ${what}`);
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

const status = (e: Event | null) =>
  (e?.data?.jobUpdates as { providerStatus?: string } | undefined)?.providerStatus;

describe('Job events through the SQS emulator', () => {
  it('moves a watched Batch job by its event, with no DescribeJobs call, and deletes the message', async () => {
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
      clearCalls(gw);
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
      await send(batchEvent(detail('SUCCEEDED', 1)));
      expect(status(await sub.next())).toBe('SUCCEEDED');
      expect(await sub.next()).toBeNull(); // every job terminal: complete
      expect(callsOf(gw).batch).toBe(0);
    } finally {
      await sub.close();
    }
    expect(gw.logs.text()).not.toContain(EVENT_SECRET);
  });

  it('lists a job as fresh as the event already applied, whatever the list call still says', async () => {
    // The emulator still lists the job RUNNABLE: the events above finished it.
    const res = await gql(
      gw,
      `{ listJobs(filter: { providers: [AWS_BATCH] }, first: 100) { nodes { id state providerStatus } } }`,
      { token: gw.tokens.read },
    );
    const row = (res.body.data?.listJobs.nodes as { id: string }[]).find((n) => n.id === ID);
    expect(row).toEqual({ id: ID, state: 'SUCCEEDED', providerStatus: 'SUCCEEDED' });
  });

  it('keeps a job an event showed finished: answered as retained once the provider forgets it', async () => {
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
    for (const store of ['ledger', 'refs', 'retained'])
      for (const gauge of ['entries', 'bytes', 'max_entries', 'max_bytes'])
        expect(text).toMatch(
          new RegExp(`^jobgraph_store_${gauge}\\{store="${store}"\\} \\d+`, 'm'),
        );
    // The events above are in the ledger, the finished job among the kept ones.
    expect(await sample('jobgraph_store_entries{store="ledger"}')).toBeGreaterThan(0);
    expect(await sample('jobgraph_store_bytes{store="ledger"}')).toBeGreaterThan(0);
    expect(await sample('jobgraph_store_max_bytes{store="ledger"}')).toBe(16 * 1024 * 1024);
    expect(await sample('jobgraph_store_entries{store="retained"}')).toBeGreaterThan(0);
    expect(await sample('jobgraph_store_max_bytes{store="retained"}')).toBe(64 * 1024 * 1024);
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
