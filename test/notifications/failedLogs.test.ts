// A failed job's last log lines in its notification (docs/notifications.md, "Log lines"; issue 87
// item 6), through the real gateway, the AWS Batch and CloudWatch Logs emulators and receivers on
// 127.0.0.1 verifying with the `standardwebhooks` package: a rule made by a token holding
// jobs:logs:read gets the failing job's final line, read with one GetLogEvents; a rule made without
// it gets no lines, and the CloudWatch Logs emulator sees no GetLogEvents for it.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { SCOPE_LOGS, SCOPE_NOTIFY, SCOPE_READ } from '../../src/auth/identity.ts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { batchFailureLine } from '@jobgraph/emulators/batch/jobLogs';
import { boundedLines, LOG_LINES_MAX_BYTES } from '../../src/notifications/logLines.ts';
import { accountToken } from '../support/accountTokens.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { useReceiver, type Receiver } from '../support/webhookReceiver.ts';

const withLogs = useReceiver();
const withoutLogs = useReceiver();
const gw = useTestGateway({
  JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1:*',
  JOBGRAPH_CACHE_MAX_ENTRIES: '0',
});

const CREATE = `mutation ($input: NotificationRuleInput!) {
  createNotificationRule(input: $input) { secret rule { id } } }`;
const READ = `query($id: ID!) { job(id: $id) { state } }`;
const idOf = (job: string) => `batch:us-east-1:${job}`;
const getLogEvents = () =>
  gw.emulators.logs.calls.filter((c) => c.operation.startsWith('GetLogEvents')).length;

/** A FAILED rule for the Batch job named `text`, made by a token of `scopes`, delivering to `to`. */
async function rule(to: Receiver, text: string, scopes: string[]): Promise<void> {
  const token = await accountToken(gw, undefined, 'oncall-ann', scopes);
  const input = {
    name: `failed ${text}`,
    filter: { providers: ['AWS_BATCH'], text },
    on: ['FAILED'],
    target: { kind: 'WEBHOOK', url: to.url },
  };
  const res = await gql(gw, CREATE, { token, variables: { input } });
  expect(res.body.errors).toBeUndefined();
  to.secret = res.body.data!.createNotificationRule.secret as string;
}
beforeAll(async () => {
  await rule(withLogs, 'align-NA12892', [SCOPE_READ, SCOPE_NOTIFY, SCOPE_LOGS]);
  await rule(withoutLogs, 'align-NA12878', [SCOPE_READ, SCOPE_NOTIFY]);
});

/** Read `job` (a provider read), fail it, read it again: the transition the rules fire on. */
async function fail(job: string): Promise<void> {
  const read = async () =>
    (await gql(gw, READ, { variables: { id: idOf(job) }, token: gw.tokens.read })).body.data?.job;
  expect(await read()).toBeTruthy();
  gw.emulators.batch.jobs!.changeState(job, 'FAILED');
  expect(await read()).toEqual({ state: 'FAILED' });
}

async function deliveredTo(receiver: Receiver) {
  await vi.waitFor(async () => {
    await gw.history!.settled();
    await gw.notifications!.outbox.runDue();
    expect(receiver.received).toHaveLength(1);
  }, EVENTUALLY);
  const [got] = receiver.received;
  expect(got!.verified).toBe(true);
  return JSON.parse(got!.body) as { type: string; data: Record<string, unknown> };
}

describe("A failed job's notification", () => {
  it('carries no log lines, and costs no GetLogEvents, for a rule made without jobs:logs:read', async () => {
    const before = getLogEvents();
    await fail(BATCH_JOB_IDS.succeeded);
    const body = await deliveredTo(withoutLogs);
    expect(body.type).toBe('job.failed');
    expect(body.data).not.toHaveProperty('logLines');
    expect(getLogEvents()).toBe(before);
  });

  it("carries the job's last lines, its final error last, for a rule made with jobs:logs:read: one GetLogEvents", async () => {
    const before = getLogEvents();
    await fail(BATCH_JOB_IDS.running);
    const body = await deliveredTo(withLogs);
    expect(body.type).toBe('job.failed');
    const lines = body.data.logLines as { at: string; message: string }[];
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(20);
    expect(lines.at(-1)!.message).toBe(batchFailureLine(1));
    expect(Buffer.byteLength(lines.map((l) => l.message).join(''))).toBeLessThanOrEqual(
      LOG_LINES_MAX_BYTES,
    );
    expect(getLogEvents() - before).toBe(1);
    // The lines are read for the delivery, never stored with it in the outbox.
    const stored = await gw.notifications!.store.delivery(
      withLogs.received[0]!.headers['webhook-id']!,
    );
    expect(stored?.payload).not.toContain(batchFailureLine(1));
  });
});

describe('The lines a delivery carries', () => {
  it('are the newest 20 at most, within 4 KiB, oldest first; a newest longer alone is cut', () => {
    const line = (n: number, size = 10) => ({ at: `t${n}`, message: `${n}`.padEnd(size, 'x') });
    const many = Array.from({ length: 30 }, (_, i) => line(i));
    expect(boundedLines(many).map((l) => l.at)).toEqual(many.slice(10).map((l) => l.at));
    const big = Array.from({ length: 5 }, (_, i) => line(i, 1500));
    expect(boundedLines(big).map((l) => l.at)).toEqual(['t3', 't4']);
    const huge = boundedLines([line(0), line(1, 10_000)]);
    expect(huge).toHaveLength(1);
    expect(Buffer.byteLength(huge[0]!.message)).toBe(LOG_LINES_MAX_BYTES);
  });
});
