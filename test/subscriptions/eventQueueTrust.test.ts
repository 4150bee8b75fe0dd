import {
  CreateQueueCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulatorAccounts } from '@jobgraph/emulators/accounts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { BATCH_SECOND_ACCOUNT_JOB_IDS } from '@jobgraph/emulators/batch/secondAccount';
import { DEMO_AWS_CREDENTIALS, startEmulator } from '@jobgraph/emulators/framework';
import { DEMO_SECOND_AWS_ACCOUNT, demoEventQueueUrls } from '@jobgraph/emulators';
import { OMICS_DEMO_JOB_IDS, OMICS_DEMO_REFERENCE_STORE_ID } from '@jobgraph/emulators/omics/data';
import { createSqsEmulator } from '@jobgraph/emulators/sqs/emulator';
import { batchDetail, batchEvent } from '../support/batchEvents.ts';
import { callsOf, clearCalls, gql } from '../support/gateway.ts';
import { subscribe, type Event } from '../support/subscriptions.ts';
import { useStarted } from '../support/useStarted.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { metricValue as sample } from '../support/metrics.ts';

/**
 * Issue 70: what arrives on a job event queue is input from whoever can send to it. A queue speaks
 * for its own account and region (or a collector's declared accounts) and for nothing else; no
 * event pins a job against later states; a job known only by events is never kept; floods of
 * hints and of junk cost a handful of reads and log lines.
 */

const DEFAULT_ACCOUNT_ID = '123456789012';
const STAGING_ACCOUNT_ID = DEMO_SECOND_AWS_ACCOUNT.accountId;
const WATCH = `subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id providerStatus } }`;

/** Wait for `check` to hold, looking again on each turn of the real clock (the gateway works on it). */
/**
 * Wait on what the gateway did, looking every 25 ms; no count of looks (a busy machine takes
 * longer): the bound, below the test's, only says a hang by name.
 */
async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const hang = Date.now() + 100_000;
  while (!(await check())) {
    if (Date.now() > hang) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const status = (e: Event | null) =>
  (e?.data?.jobUpdates as { providerStatus?: string } | undefined)?.providerStatus;

/** A Batch job's event detail: the fixture's job under `jobId`, in `status` (SUCCEEDED: the fixture's finish). */
function detail(jobId: string, accountId: string, patch: Record<string, unknown> = {}) {
  return batchDetail({
    jobId,
    jobArn: `arn:aws:batch:us-east-1:${accountId}:job/${jobId}`,
    ...patch,
  });
}

/** An SQS client of the SDK with `credentials` (the demo's keys, or an assumed role's session). */
function sqsClient(endpoint: string, credentials: object) {
  return new SQSClient({
    region: 'us-east-1',
    endpoint,
    credentials: credentials as never,
    maxAttempts: 1,
  });
}

/** Send `bodies` in batches of 10 (SendMessageBatch). */
async function sendAll(client: SQSClient, queueUrl: string, bodies: readonly string[]) {
  for (let i = 0; i < bodies.length; i += 10)
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((body, n) => ({ Id: `m${n}`, MessageBody: body })),
      }),
    );
}

describe("The demo's queues: each speaks for its own account", () => {
  // Polls far apart: what a watcher sees here comes from events, and a hinted read waits for the
  // poll interval of the watch's first read, so no flood of hints reaches the provider.
  const gw = useTestGateway({
    JOBGRAPH_EVENT_QUEUES: 'demo',
    JOBGRAPH_WATCH_POLL_MS: '600000',
    JOBGRAPH_WATCH_MAX_POLL_MS: '600000',
  });
  const clients: { default: SQSClient; staging: SQSClient; sts: STSClient }[] = [];
  const urls = () => demoEventQueueUrls(gw.emulators.sqs.url);
  const own = () => clients[0]!;
  beforeAll(async () => {
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: gw.emulators.sts.url,
      credentials: { ...DEMO_AWS_CREDENTIALS },
    });
    const session = await sts.send(
      new AssumeRoleCommand({ RoleArn: DEMO_SECOND_AWS_ACCOUNT.roleArn, RoleSessionName: 'test' }),
    );
    clients.push({
      default: sqsClient(gw.emulators.sqs.url, { ...DEMO_AWS_CREDENTIALS }),
      staging: sqsClient(gw.emulators.sqs.url, {
        accessKeyId: session.Credentials?.AccessKeyId,
        secretAccessKey: session.Credentials?.SecretAccessKey,
        sessionToken: session.Credentials?.SessionToken,
      }),
      sts,
    });
    await until(
      'both queues are read',
      async () =>
        (await sample(gw, 'jobgraph_event_queue_up{queue="default:us-east-1:jobgraph-events"}')) ===
          1 &&
        (await sample(gw, 'jobgraph_event_queue_up{queue="staging:us-east-1:jobgraph-events"}')) ===
          1,
    );
  });
  afterAll(() => {
    for (const c of clients) {
      c.default.destroy();
      c.staging.destroy();
      c.sts.destroy();
    }
  });
  const rejected = (queue: string, reason: string) =>
    sample(gw, `jobgraph_events_rejected_total{queue="${queue}",reason="${reason}"}`);

  it("rejects the staging queue's event of a default-account job and the default queue's event of a staging job: no watcher, list, kept job or coverage moves", async () => {
    const defaultId = `batch:us-east-1:${BATCH_JOB_IDS.runnable}`;
    const stagingId = `batch@staging:us-east-1:${BATCH_SECOND_ACCOUNT_JOB_IDS.runnable}`;
    const subs = [defaultId, stagingId].map((id) =>
      subscribe(gw.server.url, 'sse', WATCH, { token: gw.tokens.read, variables: { ids: [id] } }),
    );
    try {
      expect(status(await subs[0]!.next())).toBe('RUNNABLE');
      expect(status(await subs[1]!.next())).toBe('RUNNABLE');
      clearCalls(gw);
      // Each forged finish sent to the other account's queue, by a sender that may send there.
      await own().staging.send(
        new SendMessageCommand({
          QueueUrl: urls().staging,
          MessageBody: batchEvent(detail(BATCH_JOB_IDS.runnable, DEFAULT_ACCOUNT_ID)),
        }),
      );
      await own().default.send(
        new SendMessageCommand({
          QueueUrl: urls().default,
          MessageBody: batchEvent(
            detail(BATCH_SECOND_ACCOUNT_JOB_IDS.runnable, STAGING_ACCOUNT_ID),
            { account: STAGING_ACCOUNT_ID },
          ),
        }),
      );
      const reason = 'an account its queue does not speak for';
      await until(
        'both are rejected',
        async () =>
          (await rejected('staging:us-east-1:jobgraph-events', reason)) === 1 &&
          (await rejected('default:us-east-1:jobgraph-events', reason)) === 1,
      );
      // The next each watcher hears is its job's real change, published on its own queue.
      gw.emulators.batch.jobs?.changeState(BATCH_JOB_IDS.runnable, 'RUNNING');
      gw.emulators.batch.jobs?.changeState(BATCH_SECOND_ACCOUNT_JOB_IDS.runnable, 'RUNNING', {
        account: 'staging',
      });
      expect(status(await subs[0]!.next())).toBe('RUNNING');
      expect(status(await subs[1]!.next())).toBe('RUNNING');
      expect(callsOf(gw).batch).toBe(0);
    } finally {
      await Promise.all(subs.map((s) => s.close()));
    }
    const list = await gql(
      gw,
      `{ listJobs(filter: { providers: [AWS_BATCH] }, first: 100) { nodes { id providerStatus } } }`,
      { token: gw.tokens.read },
    );
    const rows = list.body.data?.listJobs.nodes as { id: string; providerStatus: string }[];
    expect(rows.find((r) => r.id === defaultId)?.providerStatus).toBe('RUNNING');
    // Forgotten by the provider: what is remembered of either is its real change, never the
    // finish the other queue's event claimed.
    await gw.history!.writer.flush();
    expect(gw.emulators.batch.jobs?.forget(BATCH_JOB_IDS.runnable)).toBe(true);
    expect(
      gw.emulators.batch.jobs?.forget(BATCH_SECOND_ACCOUNT_JOB_IDS.runnable, {
        account: 'staging',
      }),
    ).toBe(true);
    for (const id of [defaultId, stagingId]) {
      const res = await gql(gw, `{ job(id: "${id}") { id providerStatus terminal retained } }`, {
        token: gw.tokens.read,
      });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.job).toEqual({
        id,
        providerStatus: 'RUNNING',
        terminal: false,
        retained: true,
      });
    }
    expect(await sample(gw, 'jobgraph_events_total{provider="none",outcome="rejected"}')).toBe(2);
  });

  it('lets no event with a creation in 2099 hide the FAILED that follows it from a watcher', async () => {
    const job = BATCH_JOB_IDS.starting;
    const sub = subscribe(gw.server.url, 'sse', WATCH, {
      token: gw.tokens.read,
      variables: { ids: [`batch:us-east-1:${job}`] },
    });
    try {
      expect(status(await sub.next())).toBe('STARTING');
      const future = detail(job, DEFAULT_ACCOUNT_ID, {
        status: 'RUNNING',
        createdAt: Date.parse('2099-01-01T00:00:00Z'),
        attempts: [],
        stoppedAt: undefined,
      });
      await own().default.send(
        new SendMessageCommand({ QueueUrl: urls().default, MessageBody: batchEvent(future) }),
      );
      expect(status(await sub.next())).toBe('RUNNING');
      gw.emulators.batch.jobs?.changeState(job, 'FAILED', { statusReason: 'the real end' });
      expect(status(await sub.next())).toBe('FAILED');
      // The watch ends once a read confirms the finish, at the poll interval (10 minutes here):
      // test/subscriptions/events.test.ts and eventApplier.test.ts hold that part.
    } finally {
      await sub.close();
    }
  });

  it('never answers a job known only by its events as kept (retained), whatever finish they forged', async () => {
    const madeUp = '00000000-0000-4000-8000-00000000f0f0';
    const applied = () =>
      sample(gw, 'jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}');
    const before = await applied();
    await own().default.send(
      new SendMessageCommand({
        QueueUrl: urls().default,
        MessageBody: batchEvent(detail(madeUp, DEFAULT_ACCOUNT_ID)),
      }),
    );
    await until('the forged event is applied', async () => (await applied()) > before);
    const res = await gql(gw, `{ job(id: "batch:us-east-1:${madeUp}") { id state retained } }`, {
      token: gw.tokens.read,
    });
    expect(res.body.data?.job ?? null).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('makes 1,000 HealthOmics hints for one watched job at most a couple of reads', async () => {
    const job = OMICS_DEMO_JOB_IDS.submitted;
    const sub = subscribe(gw.server.url, 'sse', WATCH, {
      token: gw.tokens.read,
      variables: { ids: [`omics:us-east-1:${OMICS_DEMO_REFERENCE_STORE_ID}:${job}`] },
    });
    try {
      expect(status(await sub.next())).toBe('SUBMITTED');
      clearCalls(gw);
      const hints = () => sample(gw, 'jobgraph_events_total{provider="AWS_OMICS",outcome="hint"}');
      const before = await hints();
      const hint = JSON.stringify({
        version: '0',
        id: 'hint',
        'detail-type': 'Reference Import Job Status Change',
        source: 'aws.omics',
        account: DEFAULT_ACCOUNT_ID,
        time: '2026-11-25T12:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: { id: job, referenceStoreId: OMICS_DEMO_REFERENCE_STORE_ID, status: 'IN_PROGRESS' },
      });
      await sendAll(own().default, urls().default, Array<string>(1000).fill(hint));
      // At least: the demo's progressing HealthOmics job publishes hints of its own meanwhile.
      await until('every hint is applied', async () => (await hints()) >= before + 1000);
      // Who called: the HealthOmics emulator's reads of the job, however many hints came.
      expect(callsOf(gw).omics).toBeLessThanOrEqual(2);
    } finally {
      await sub.close();
    }
  });

  it('writes at most a couple of warn lines for 2,000 junk messages, and counts each', async () => {
    const marker = 'junk-body-bytes-5be1';
    await sendAll(own().default, urls().default, Array<string>(2000).fill(`{"${marker}`));
    await until(
      'every junk message is counted',
      async () => (await rejected('default:us-east-1:jobgraph-events', 'not JSON')) === 2000,
    );
    const lines = gw.logs.lines.filter((l) => l.includes('"reason":"not JSON"'));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(gw.logs.text()).not.toContain(marker);
  });
});

describe('A collector queue', () => {
  const TEAM = { alias: 'team1', accountId: '300000000001' };
  const TEAM_ROLE = `arn:aws:iam::${TEAM.accountId}:role/jobgraph-read`;
  const OTHER = { alias: 'team2', accountId: '300000000002' };
  const OTHER_ROLE = `arn:aws:iam::${OTHER.accountId}:role/jobgraph-read`;
  const sqsEmulator = createSqsEmulator({ accounts: createEmulatorAccounts() });
  const sqs = useStarted(
    'the SQS emulator',
    () => startEmulator(sqsEmulator),
    (emu) => emu.close(),
  );
  let client: SQSClient;
  let queueUrl = '';
  beforeAll(async () => {
    client = sqsClient(sqs.url, { ...DEMO_AWS_CREDENTIALS });
    const out = await client.send(new CreateQueueCommand({ QueueName: 'collector' }));
    queueUrl = out.QueueUrl as string;
  });
  afterAll(() => client.destroy());
  // Read with the default account's keys, speaking for it and team1: not for staging, nor team2.
  const gw = useTestGateway(
    () => ({
      JOBGRAPH_EVENT_QUEUES: `default+${TEAM.alias}=${queueUrl}`,
      JOBGRAPH_AWS_ACCOUNTS: `${TEAM.alias}=${TEAM_ROLE},${OTHER.alias}=${OTHER_ROLE}`,
      AWS_ENDPOINT_URL_SQS: sqs.url,
      JOBGRAPH_WATCH_POLL_MS: '100',
      JOBGRAPH_WATCH_MAX_POLL_MS: '100',
    }),
    { emulatorRoles: [TEAM_ROLE, OTHER_ROLE] },
  );
  const liveBy = async (id: string) =>
    (await gql(gw, `{ job(id: "${id}") { liveBy } }`, { token: gw.tokens.read })).body.data?.job
      ?.liveBy as string;
  const queueLabel = 'default:us-east-1:collector';

  it('accepts the events of the accounts it is declared for, rejects the others, and covers only its declared accounts', async () => {
    await until(
      'the queue is read',
      async () => (await sample(gw, `jobgraph_event_queue_up{queue="${queueLabel}"}`)) === 1,
    );
    const stagingId = `batch@staging:us-east-1:${BATCH_SECOND_ACCOUNT_JOB_IDS.runnable}`;
    // Readable, but no event applied yet: coverage is measured, not declared.
    expect(await liveBy(`batch:us-east-1:${BATCH_JOB_IDS.pending}`)).toBe('POLLING');
    expect(await liveBy(stagingId)).toBe('POLLING');
    const applied = () =>
      sample(gw, 'jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}');
    const rejected = () =>
      sample(
        gw,
        `jobgraph_events_rejected_total{queue="${queueLabel}",reason="an account its queue does not speak for"}`,
      );
    const made = (n: number) => `00000000-0000-4000-8000-0000000c0ff${n}`;
    await sendAll(client, queueUrl, [
      batchEvent(detail(made(1), DEFAULT_ACCOUNT_ID)),
      batchEvent(detail(made(2), TEAM.accountId), { account: TEAM.accountId }),
      batchEvent(detail(BATCH_SECOND_ACCOUNT_JOB_IDS.runnable, STAGING_ACCOUNT_ID), {
        account: STAGING_ACCOUNT_ID,
      }),
      batchEvent(detail(made(3), OTHER.accountId), { account: OTHER.accountId }),
    ]);
    await until(
      'two are applied and two rejected',
      async () => (await applied()) === 2 && (await rejected()) === 2,
    );
    // The default account's event made its Batch jobs live; one of staging on it taught it
    // nothing: staging's jobs are still polled.
    expect(await liveBy(`batch:us-east-1:${BATCH_JOB_IDS.pending}`)).toBe('EVENTS');
    expect(await liveBy(stagingId)).toBe('POLLING');
  });
});
