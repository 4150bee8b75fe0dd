import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENTUALLY } from '../support/eventually.ts';
import { isLearnableSecret } from '../../src/auth/learnableSecrets.ts';
import { REDACTED, secretValues } from '../../src/auth/secretValues.ts';
import { createEmulatorAccounts } from '@jobgraph/emulators/accounts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_AWS_CREDENTIALS, startEmulator } from '@jobgraph/emulators/framework';
import { DEMO_SECOND_AWS_ACCOUNT, MADE_UP_IDS } from '@jobgraph/emulators';
import { createSqsEmulator } from '@jobgraph/emulators/sqs/emulator';
import { accountToken } from '../support/accountTokens.ts';
import { batchDetail, batchEvent } from '../support/batchEvents.ts';
import { gql, type GqlResult, type TestGateway } from '../support/gateway.ts';
import { useStarted } from '../support/useStarted.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/**
 * Issue 70, item 4: a job's content cannot change another caller's answer or the shape of a log
 * line. A Batch job's owner puts into its container's environment the text every log line holds
 * (`"service":"jobgraph"`), two public error codes and another caller's token subject (random
 * enough to be learned: only the audit's own field keeps it), next to a real secret. Whether the
 * gateway reads that job from an event on its queue or from an ordinary describe by a jobs:read
 * caller, every log line stays valid JSON with its `service`, the other caller's audit line keeps
 * its `subject`, and the other caller's answers stay exactly as they were; the secret reaches no
 * log line and no unauthorised answer, and is replaced where an upstream echoes it.
 */

/** The other caller's token subject (shaped like an identity provider's user ID). */
const VICTIM_SUBJECT = '00u8f3KqZ2xY7wPa9d1X';
/** What the job's owner writes into its environment, besides a secret. */
const HOSTILE = ['"service":"jobgraph"', 'NOT_FOUND', 'FORBIDDEN', VICTIM_SUBJECT];

const JOB = BATCH_JOB_IDS.running;
const ID = `batch:us-east-1:${JOB}`;
const environmentOf = (secret: string) => [
  ...HOSTILE.map((value, i) => ({ name: `VALUE_${i}`, value })),
  { name: 'DB_PASSWORD', value: secret },
];

/** The other caller's requests: a job of an account its token does not name, a job no one has, a malformed ID. */
async function victimAnswers(gw: TestGateway, serial: number): Promise<unknown[]> {
  const staging = await accountToken(gw, [DEMO_SECOND_AWS_ACCOUNT.alias], VICTIM_SUBJECT);
  const all = await accountToken(gw, ['*'], VICTIM_SUBJECT);
  const native = MADE_UP_IDS.batch.id(7, serial);
  const madeUp = `batch:us-east-1:${native}`;
  const forbidden = await gql(gw, `query V1($id: ID!) { job(id: $id) { id state } }`, {
    variables: { id: ID },
    token: staging,
  });
  const others = await gql(
    gw,
    `query V2($gone: ID!) { gone: job(id: $gone) { id } bad: job(id: "batch:nowhere") { id } }`,
    { variables: { gone: madeUp }, token: all },
  );
  // Only the made-up ID and Batch's request ID differ between two rounds: the rest is compared.
  const { errors } = others.body;
  const requestIds = (errors ?? []).map((e) => e.extensions?.upstreamRequestId);
  expect(requestIds).toContainEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
  let text = JSON.stringify(others.body).replaceAll(native, 'MADE-UP');
  for (const id of requestIds) if (typeof id === 'string') text = text.replaceAll(id, 'REQUEST-ID');
  return [forbidden.body, JSON.parse(text)];
}

/** Every log line parsed (none may fail), with its `service`; the audit lines keep the caller's subject. */
function checkLogs(gw: TestGateway, secret: string): void {
  const lines = gw.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line.service, JSON.stringify(line)).toBe('jobgraph');
  const audit = lines.filter((l) => String(l.msg).startsWith('account refused'));
  expect(audit.length).toBeGreaterThanOrEqual(2);
  for (const line of audit) expect(line.subject).toBe(VICTIM_SUBJECT);
  expect(gw.logs.text()).not.toContain(secret);
  expect(gw.logs.text()).not.toContain(REDACTED.repeat(2));
}

/**
 * The other caller's answers before and after the job's content is read, and what the gateway
 * learned: the secret and the subject (long and random), never the codes or the JSON fragment.
 */
function expectUnchanged(before: unknown[], after: unknown[], secret: string): void {
  expect(after).toEqual(before);
  const codes = JSON.stringify(after);
  for (const code of ['FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT']) expect(codes).toContain(code);
  expect(codes).not.toContain(REDACTED);
  expect(secretValues.contains(`x ${secret} y`)).toBe(true);
  expect(secretValues.contains(`x ${VICTIM_SUBJECT} y`)).toBe(true);
  for (const text of HOSTILE.slice(0, 3)) expect(secretValues.contains(text), text).toBe(false);
}

/** The secret echoed by Batch in an error (its request ID): replaced there, the codes kept. */
async function expectEchoReplaced(gw: TestGateway, secret: string): Promise<void> {
  gw.emulators.batch.setFaults({
    errorAnswer: {
      status: 400,
      code: 'ClientException',
      message: `Invalid environment value ${secret}`,
      requestId: secret,
    },
  });
  let res: GqlResult;
  try {
    res = await gql(gw, `query Echo($id: ID!) { job(id: $id) { id } }`, {
      variables: { id: `batch:us-east-1:${MADE_UP_IDS.batch.id(7, 99)}` },
      token: gw.tokens.read,
    });
  } finally {
    gw.emulators.batch.resetFaults();
  }
  const error = res.body.errors?.[0];
  expect(error?.extensions).toMatchObject({
    code: 'UPSTREAM_BAD_RESPONSE',
    provider: 'AWS_BATCH',
    upstreamCode: 'ClientException',
    upstreamRequestId: REDACTED,
  });
  expect(res.text).not.toContain(secret);
}

/** The job as a jobs:read caller sees it: each environment value null with FORBIDDEN, no secret. */
async function expectEnvironmentForbidden(gw: TestGateway, secret: string): Promise<void> {
  const res = await gql(
    gw,
    `query Env($id: ID!) { job(id: $id) { id ... on BatchJob { container { environment { name value } } } } }`,
    { variables: { id: ID }, token: gw.tokens.read },
  );
  const environment = (
    res.body.data?.job as { container: { environment: { name: string; value: unknown }[] } }
  ).container.environment;
  expect(environment.map((e) => e.value)).toEqual(environment.map(() => null));
  expect(environment.map((e) => e.name)).toContain('DB_PASSWORD');
  expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(
    environment.map(() => 'FORBIDDEN'),
  );
  expect(res.text).not.toContain(secret);
}

describe('Environment values of a job read from an event on the queue', () => {
  const SECRET = 'q9Xv2LmT7rB4kZp1Wd8sNf3Hc6Yj0Ga5';
  const sqs = useStarted(
    'the SQS emulator',
    () => startEmulator(createSqsEmulator({ accounts: createEmulatorAccounts() })),
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
    const out = await client.send(new CreateQueueCommand({ QueueName: 'jobgraph-scrub-events' }));
    queueUrl = out.QueueUrl as string;
  });
  afterAll(() => client.destroy());
  const gw = useTestGateway(() => ({
    LOG_LEVEL: 'debug',
    JOBGRAPH_EVENT_QUEUES: queueUrl,
    AWS_ENDPOINT_URL_SQS: sqs.url,
  }));

  it('change no other caller’s answer, no log line’s JSON, service or audited subject', async () => {
    expect(isLearnableSecret(SECRET)).toBe(true);
    secretValues.clearLearned();
    const before = await victimAnswers(gw, 1);
    const base = batchDetail();
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: batchEvent(
          batchDetail({
            jobId: JOB,
            jobArn: `arn:aws:batch:us-east-1:123456789012:job/${JOB}`,
            status: 'RUNNING',
            container: { ...(base.container as object), environment: environmentOf(SECRET) },
          }),
        ),
      }),
    );
    // The event is read when its record's secret is learned (the consumer learns before it judges).
    await vi.waitFor(() => {
      if (!secretValues.contains(SECRET)) throw new Error('the event was never read');
    }, EVENTUALLY);
    const after = await victimAnswers(gw, 2);
    expectUnchanged(before, after, SECRET);
    await expectEnvironmentForbidden(gw, SECRET);
    await expectEchoReplaced(gw, SECRET);
    checkLogs(gw, SECRET);
  });
});

describe('Environment values of a job read by an ordinary describe', () => {
  const SECRET = 'Zt4pW8nQ1xKe7Rv2Lm9Bc5Hs0Jd3Fy6G';
  const gw = useTestGateway({ LOG_LEVEL: 'debug' });

  it('change no other caller’s answer, no log line’s JSON, service or audited subject', async () => {
    expect(isLearnableSecret(SECRET)).toBe(true);
    secretValues.clearLearned();
    const before = await victimAnswers(gw, 3);
    // The job's owner sets its environment; a jobs:read caller with no queue access describes it.
    gw.emulators.batch.jobs?.changeState(JOB, 'RUNNING', { environment: environmentOf(SECRET) });
    expect(secretValues.contains(SECRET)).toBe(false);
    await expectEnvironmentForbidden(gw, SECRET);
    const after = await victimAnswers(gw, 4);
    expectUnchanged(before, after, SECRET);
    await expectEchoReplaced(gw, SECRET);
    checkLogs(gw, SECRET);
  });
});
