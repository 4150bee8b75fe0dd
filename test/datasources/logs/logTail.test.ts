import { describe, expect, it } from 'vitest';
import { SCOPE_LOGS, SCOPE_READ } from '../../../src/auth/identity.ts';
import { DEMO_SECOND_AWS_ACCOUNT } from '@jobgraph/emulators/accounts';
import {
  BATCH_DEMO_SECRET_VALUE,
  BATCH_JOB_IDS,
  batchGlobalId,
} from '@jobgraph/emulators/batch/data';
import { batchFailureLine } from '@jobgraph/emulators/batch/jobLogs';
import { BATCH_SECOND_ACCOUNT_JOB_IDS } from '@jobgraph/emulators/batch/secondAccount';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { accountToken } from '../../support/accountTokens.ts';
import { gql, type TestGateway } from '../../support/gateway.ts';
import { useTestGateway } from '../../support/useTestGateway.ts';

/**
 * `Job.logTail` through a real gateway and the emulators: GetLogEvents calls counted at the
 * emulated CloudWatch Logs, the caller's scopes and accounts checked before any.
 */
const gateway = useTestGateway({ JOBGRAPH_LOG_READS_PER_SECOND: '1000' });

const TAIL = `logTail(last: $last) { group stream region lines { at message } hasMore consoleUrl unavailable }`;
const QUERY = `query ($id: ID!, $last: Int = 100) { job(id: $id) { id ... on BatchJob { ${TAIL} } ... on PanoramaPackageImportJob { ${TAIL} } ... on CodePipelineJob { ${TAIL} } ... on CosBatchJob { ${TAIL} } ... on ImportExportJob { ${TAIL} } ... on OmicsReferenceImportJob { ${TAIL} } } }`;

const logCalls = () =>
  gateway.emulators.logs.calls.filter((c) => c.operation.startsWith('GetLogEvents')).length;
const reader = (accounts?: string[], scopes = [SCOPE_READ, SCOPE_LOGS], subject = 'log-reader') =>
  accountToken(gateway, accounts, subject, scopes);
const FAILED = batchGlobalId(BATCH_JOB_IDS.failed);

interface Tail {
  lines: { at: string; message: string }[];
  hasMore: boolean;
  unavailable: string | null;
  stream: string | null;
  group: string | null;
  consoleUrl: string | null;
}
const tailOf = async (id: string, token: string, last = 100) => {
  const res = await gql<{ job: { logTail: Tail | null } | null }>(gateway, QUERY, {
    token,
    variables: { id, last },
  });
  return res;
};

describe('Job.logTail', () => {
  it('holds the line that failed the demo’s failing AWS Batch job, last, with its stream and console link', async () => {
    const res = await tailOf(FAILED, await reader(), 5);
    expect(res.body.errors).toBeUndefined();
    const tail = res.body.data?.job?.logTail;
    expect(tail?.lines).toHaveLength(5);
    expect(tail?.lines.at(-1)?.message).toBe(batchFailureLine(1));
    expect(tail).toMatchObject({ group: '/aws/batch/job', hasMore: true, unavailable: null });
    expect(tail?.consoleUrl).toContain('#logsV2:log-groups/log-group/$252Faws$252Fbatch$252Fjob/');
  });

  it('makes no log call for a second request of the same finished attempt', async () => {
    const token = await reader();
    await tailOf(FAILED, token, 50);
    const before = logCalls();
    const again = await tailOf(FAILED, token, 50);
    expect(again.body.data?.job?.logTail?.lines.at(-1)?.message).toBe(batchFailureLine(1));
    expect(logCalls() - before).toBe(0);
  });

  it('makes one log call for 20 concurrent requests of one stream', async () => {
    const token = await reader();
    const id = batchGlobalId(`${BATCH_JOB_IDS.arrayParent}:2`);
    // Read the job once first, so the 20 ask for its log together, not for the job.
    await gql(gateway, `query ($id: ID!) { job(id: $id) { id } }`, { token, variables: { id } });
    const before = logCalls();
    const answers = await Promise.all(Array.from({ length: 20 }, () => tailOf(id, token)));
    expect(answers.every((a) => a.body.data?.job?.logTail?.lines.length)).toBe(true);
    expect(logCalls() - before).toBe(1);
  });

  it('reads a listed row’s log: the row’s whole record first, then its tail', async () => {
    const res = await gql<{
      listJobs: { nodes: { id: string; logTail: Tail | null }[] };
    }>(
      gateway,
      `{ listJobs(first: 20, filter: { providers: [AWS_BATCH], states: [FAILED] }) { nodes { id ... on BatchJob { logTail(last: 2) { lines { message } unavailable } } } } }`,
      { token: await reader() },
    );
    expect(res.body.errors).toBeUndefined();
    const failed = res.body.data?.listJobs.nodes.find((n) => n.id === FAILED);
    expect(failed?.logTail?.lines.at(-1)?.message).toBe(batchFailureLine(1));
  });

  it('is FORBIDDEN at its path, with 0 log calls, for a jobs:read token', async () => {
    const before = logCalls();
    const res = await tailOf(
      batchGlobalId(BATCH_JOB_IDS.running),
      await reader(undefined, [SCOPE_READ]),
    );
    expect(res.body.data?.job).toMatchObject({ logTail: null });
    expect(res.body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([
      ['FORBIDDEN', ['job', 'logTail']],
    ]);
    expect(logCalls() - before).toBe(0);
  });

  it('gives a token of one account nothing of another account’s logs, with 0 log calls', async () => {
    const staging = `batch@${DEMO_SECOND_AWS_ACCOUNT.alias}:us-east-1:${BATCH_SECOND_ACCOUNT_JOB_IDS.shared}`;
    const before = logCalls();
    const res = await tailOf(staging, await reader(['default']));
    expect(res.body.data?.job ?? null).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(res.text).not.toContain('reads');
    expect(logCalls() - before).toBe(0);
    // The second account's own token reads its own job's log, with its own credentials.
    const own = await tailOf(staging, await reader([DEMO_SECOND_AWS_ACCOUNT.alias]));
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data?.job?.logTail?.lines.at(-1)?.message).toMatch(/^ERROR /);
  });

  it('never writes a line holding a secret environment value to jobgraph’s own logs', async () => {
    const res = await tailOf(FAILED, await reader(), 1000);
    expect(res.text).toContain(BATCH_DEMO_SECRET_VALUE);
    expect(gateway.logs.text()).not.toContain(BATCH_DEMO_SECRET_VALUE);
    expect(gateway.logs.text()).not.toContain(batchFailureLine(1));
  });

  it('says why there are no lines: another log driver; a provider without a job log', async () => {
    const token = await reader();
    const splunk = await tailOf(batchGlobalId(BATCH_JOB_IDS.terminated), token);
    expect(splunk.body.data?.job?.logTail).toMatchObject({
      lines: [],
      unavailable: 'its log driver is splunk, not awslogs: its lines are not in CloudWatch Logs',
    });
    const before = logCalls();
    for (const [name, id] of Object.entries(exampleGlobalIds())) {
      if (name === 'batch') continue;
      const res = await tailOf(id, token);
      expect(res.body.errors, name).toBeUndefined();
      expect(res.body.data?.job?.logTail, name).toEqual({
        group: null,
        stream: null,
        region: null,
        lines: [],
        hasMore: false,
        consoleUrl: null,
        unavailable: 'no job log for this provider',
      });
    }
    expect(logCalls() - before).toBe(0);
  });
});

/** Five running attempts of the demo's Batch jobs. */
const RUNNING_ATTEMPTS = [
  BATCH_JOB_IDS.running,
  `${BATCH_JOB_IDS.multiNode}#0`,
  `${BATCH_JOB_IDS.multiNode}#1`,
  `${BATCH_JOB_IDS.multiNode}#2`,
  `${BATCH_JOB_IDS.arrayParent}:3`,
];
/** One request for the last line of each of RUNNING_ATTEMPTS. */
const TAILS_OF_RUNNING = `query { ${RUNNING_ATTEMPTS.map((id, i) => `j${i}: job(id: "${batchGlobalId(id)}") { ... on BatchJob { logTail(last: 1) { lines { message } } } }`).join(' ')} }`;

/** Two log readers of the default account on `gw` (`greedy`, `other`), and its GetLogEvents calls so far. */
async function twoReaders(gw: TestGateway) {
  const calls = () =>
    gw.emulators.logs.calls.filter((c) => c.operation.startsWith('GetLogEvents')).length;
  const scopes = [SCOPE_READ, SCOPE_LOGS];
  const greedy = await accountToken(gw, undefined, 'greedy-reader', scopes);
  const other = await accountToken(gw, undefined, 'other-reader', scopes);
  return { calls, greedy, other };
}

describe('Job.logTail on the default log budget', () => {
  const shared = useTestGateway();

  it('answers one caller’s 15 aliased tails of growing last with one GetLogEvents, and another caller of the account right after', async () => {
    const { calls, greedy, other } = await twoReaders(shared);
    const id = batchGlobalId(BATCH_JOB_IDS.running);
    const lasts = Array.from({ length: 15 }, (_, i) => (i + 1) * 10);
    const aliases = lasts.map((n) => `t${n}: logTail(last: ${n}) { lines { message } }`);
    const before = calls();
    const res = await gql<{ job: Record<string, { lines: { message: string }[] }> }>(
      shared,
      `query ($id: ID!) { job(id: $id) { ... on BatchJob { ${aliases.join(' ')} } } }`,
      { token: greedy, variables: { id } },
    );
    expect(res.body.errors).toBeUndefined();
    // A running attempt's tail is read once for all 15, each answered its own newest lines.
    expect(calls() - before).toBe(1);
    const longest = res.body.data!.job[`t${lasts.at(-1)}`]!.lines;
    for (const n of lasts) expect(res.body.data!.job[`t${n}`]!.lines).toEqual(longest.slice(-n));
    const answered = await gql<{ job: { logTail: Tail | null } | null }>(shared, QUERY, {
      token: other,
      variables: { id, last: 5 },
    });
    expect(answered.body.errors).toBeUndefined();
    expect(answered.body.data?.job?.logTail?.lines).toHaveLength(5);
  });
});

describe('Job.logTail by two callers of one account', () => {
  const fair = useTestGateway();

  it('keeps one caller to its share of the log budget: its tails of five running attempts leave another caller answered', async () => {
    const { calls, greedy, other } = await twoReaders(fair);
    const running = RUNNING_ATTEMPTS;
    const query = TAILS_OF_RUNNING;
    const before = calls();
    const res = await gql(fair, query, { token: greedy });
    // Its share is 3 of the budget's 5 at once (and 2.5 a second): the rest UPSTREAM_THROTTLED.
    const made = calls() - before;
    expect(made).toBeLessThan(running.length);
    expect(res.body.errors?.length).toBe(running.length - made);
    expect(res.body.errors?.every((e) => e.extensions?.code === 'UPSTREAM_THROTTLED')).toBe(true);
    const answered = await gql<{ job: { logTail: Tail | null } | null }>(fair, QUERY, {
      token: other,
      variables: { id: batchGlobalId(BATCH_JOB_IDS.running), last: 5 },
    });
    expect(answered.body.errors).toBeUndefined();
    expect(answered.body.data?.job?.logTail?.lines).toHaveLength(5);
  });
});

describe('Job.logTail over the log budget', () => {
  const budgeted = useTestGateway({ JOBGRAPH_LOG_READS_PER_SECOND: '3' });

  it('answers UPSTREAM_THROTTLED with a retry time over the log budget', async () => {
    const token = await accountToken(budgeted, undefined, 'log-reader', [SCOPE_READ, SCOPE_LOGS]);
    // Five running attempts' tails in one request, against a budget of 3 a second (and 3 at once).
    const res = await gql(budgeted, TAILS_OF_RUNNING, { token });
    const throttled = (res.body.errors ?? []).filter(
      (e) => e.extensions?.code === 'UPSTREAM_THROTTLED',
    );
    expect(throttled.length).toBeGreaterThanOrEqual(2);
    expect(throttled[0]?.extensions?.retryAfterMs).toBeGreaterThan(0);
    expect(throttled[0]?.message).toContain('JOBGRAPH_LOG_READS_PER_SECOND');
    // Said of CloudWatch Logs, whose reads these are, beside the job's provider.
    expect(throttled[0]?.extensions).toMatchObject({
      provider: 'AWS_BATCH',
      service: 'CLOUDWATCH_LOGS',
    });
  });
});
