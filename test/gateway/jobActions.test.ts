import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_JOB_IDS as COS_JOB_IDS } from '@jobgraph/emulators/cosbatch/data';
import { DEMO_DATA } from '@jobgraph/emulators';
import { accountToken, writerToken } from '../support/accountTokens.ts';
import { clearCalls, gql } from '../support/gateway.ts';
import { subscribe } from '../support/subscriptions.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { metricValue } from '../support/metrics.ts';
import {
  CANCEL,
  CANCEL_MANY,
  TERMINATE,
  actionsCounted,
  auditLines,
  batchId,
  idOf,
  writeCalls,
} from '../support/jobActions.ts';

/**
 * Acting on jobs (docs/actions.md) as a user meets it: mutations over real HTTP to the demo
 * gateway, its emulators acting on their jobs, and the write calls counted where they arrive (the
 * emulators' call logs). Each test acts on jobs of its own, so their order does not matter.
 */

const dir = mkdtempSync(join(tmpdir(), 'jobgraph-actions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Acting on jobs, with JOBGRAPH_ACTIONS naming cancel and terminate (the demo default)', () => {
  const gw = useTestGateway({
    JOBGRAPH_HISTORY_URL: `sqlite:${join(dir, 'history.sqlite')}`,
    JOBGRAPH_CACHE_MAX_ENTRIES: '0',
  });
  const tokens = { writer: '', reader: '', otherAccount: '' };
  beforeAll(async () => {
    tokens.writer = await writerToken(gw, undefined, 'oncall-ann');
    tokens.reader = await accountToken(gw, undefined, 'reader-bob');
    tokens.otherAccount = await writerToken(gw, ['staging'], 'staging-carol');
  });

  it('refuses a jobs:read token, a token of another account, a GET and a cross-site form post, with no write call upstream', async () => {
    const id = batchId('submitted');
    const reason = 'not needed';
    clearCalls(gw);

    const reader = await gql(gw, CANCEL, { token: tokens.reader, variables: { id, reason } });
    expect(reader.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(reader.body.errors?.[0]?.message).toContain('jobs:write');

    const other = await gql(gw, CANCEL, { token: tokens.otherAccount, variables: { id, reason } });
    expect(other.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(other.body.errors?.[0]?.message).toContain('accounts');

    const url = new URL(gw.server.url);
    url.searchParams.set('query', CANCEL);
    url.searchParams.set('variables', JSON.stringify({ id, reason }));
    const get = await fetch(url, {
      headers: { authorization: `Bearer ${tokens.writer}`, accept: 'application/json' },
    });
    expect(get.status).toBe(405);
    expect(await get.text()).toMatch(/GET.*mutation|mutation.*GET|POST/i);

    // A browser's form post carries no Authorization and a simple content type: CSRF prevention.
    const form = await fetch(gw.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: CANCEL }).toString(),
    });
    expect(form.status).toBe(400);
    expect(await form.text()).toContain('CSRF');

    expect(writeCalls(gw)).toEqual([]);
    // Each refusal of the mutation itself is audited, with the subject and never the token.
    const lines = auditLines(gw, id);
    expect(lines.map((l) => [l.subject, l.outcome])).toEqual([
      ['reader-bob', 'REFUSED'],
      ['staging-carol', 'REFUSED'],
    ]);
    expect(JSON.stringify(lines)).not.toContain(tokens.reader);
    expect(gw.logs.text()).not.toContain(tokens.writer);
  });

  it('refuses a blank reason and one longer than COS Batch keeps (256 bytes) before any call', async () => {
    const id = idOf('cosbatch', COS_JOB_IDS.paused);
    clearCalls(gw);
    const blank = await gql(gw, CANCEL, { token: tokens.writer, variables: { id, reason: '  ' } });
    expect(blank.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'reason',
    });
    const long = await gql(gw, CANCEL, {
      token: tokens.writer,
      variables: { id, reason: 'é'.repeat(129) },
    });
    expect(long.body.errors?.[0]?.message).toContain('256 bytes');
    expect(writeCalls(gw)).toEqual([]);
  });

  it.each([
    ['only a NUL', '\u0000'],
    ['only a zero-width space', '\u200b'],
    ['only a BOM, a zero-width joiner and a no-break space', '\ufeff\u200d\u00a0'],
    ['a bell inside words', 'stop \u0007 now'],
    ['a carriage return', 'stop\rnow'],
    ['an escape sequence', 'stop \u001b[2J now'],
  ])('refuses a reason of %s before any call, naming reason', async (_, reason) => {
    const id = batchId('pending');
    clearCalls(gw);
    const out = await gql(gw, CANCEL, { token: tokens.writer, variables: { id, reason } });
    expect(out.body.data).toBeNull();
    expect(out.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'reason',
    });
    expect(out.body.errors?.[0]?.message).toContain('"reason"');
    expect(gw.emulators.batch.calls).toEqual([]);
  });

  it('takes a reason with tabs and newlines', async () => {
    const id = DEMO_DATA.panorama.EXAMPLE_GLOBAL_ID;
    const out = await gql(gw, CANCEL, {
      token: tokens.writer,
      variables: { id, reason: 'two lines:\n\tthe second indented' },
    });
    expect(out.body.data?.cancelJob.outcome).toBe('NOT_SUPPORTED');
  });

  it('cancels a RUNNABLE Batch job: it ends FAILED with the reason as its statusReason; logged, counted and in actionsTaken', async () => {
    const id = batchId('runnable');
    const reason = 'Superseded by sweep 5';
    const counted = await actionsCounted(
      gw,
      'provider="AWS_BATCH",action="CANCEL",outcome="REQUESTED"',
    );
    clearCalls(gw);
    const out = await gql(gw, CANCEL, { token: tokens.writer, variables: { id, reason } });
    expect(out.body.errors).toBeUndefined();
    expect(out.body.data?.cancelJob).toMatchObject({
      id,
      action: 'CANCEL',
      outcome: 'REQUESTED',
      providerCode: null,
      job: { id, state: 'FAILED', providerStatus: 'FAILED', statusMessage: reason },
    });
    expect(writeCalls(gw)).toEqual([`batch CancelJob ${BATCH_JOB_IDS.runnable}`]);
    expect(auditLines(gw, id)).toEqual([
      expect.objectContaining({
        subject: 'oncall-ann',
        action: 'CANCEL',
        provider: 'AWS_BATCH',
        account: 'default',
        reason,
        outcome: 'REQUESTED',
        providerRequestId: expect.any(String),
      }),
    ]);
    expect(
      await actionsCounted(gw, 'provider="AWS_BATCH",action="CANCEL",outcome="REQUESTED"'),
    ).toBe(counted + 1);
    const read = await gql(
      gw,
      `query ($id: ID!) { job(id: $id) { availableActions actionsTaken { action subject reason outcome at } } }`,
      { token: tokens.reader, variables: { id } },
    );
    expect(read.body.data?.job).toEqual({
      availableActions: [],
      actionsTaken: [
        {
          action: 'CANCEL',
          subject: 'oncall-ann',
          reason,
          outcome: 'REQUESTED',
          at: expect.any(String),
        },
      ],
    });
  });

  it('tells NOT_APPLIED for cancelling a RUNNING Batch job, without a call, and terminates it', async () => {
    const id = batchId('running');
    const offered = await gql(gw, `query ($id: ID!) { job(id: $id) { availableActions } }`, {
      token: tokens.writer,
      variables: { id },
    });
    expect(offered.body.data?.job).toEqual({ availableActions: ['TERMINATE'] });
    clearCalls(gw);
    const cancel = await gql(gw, CANCEL, { token: tokens.writer, variables: { id, reason: 'x' } });
    expect(cancel.body.data?.cancelJob).toMatchObject({
      outcome: 'NOT_APPLIED',
      job: { state: 'IN_PROGRESS', providerStatus: 'RUNNING' },
    });
    expect(cancel.body.data?.cancelJob.message).toContain('terminateJob');
    expect(writeCalls(gw)).toEqual([]);

    const reason = 'Terminated by the operator: over budget';
    const terminate = await gql(gw, TERMINATE, {
      token: tokens.writer,
      variables: { id, reason },
    });
    expect(terminate.body.data?.terminateJob).toMatchObject({
      action: 'TERMINATE',
      outcome: 'REQUESTED',
      job: { state: 'FAILED', statusMessage: reason },
    });
    expect(writeCalls(gw)).toEqual([`batch TerminateJob ${BATCH_JOB_IDS.running}`]);
  });

  it('cancels a COS Batch and an Import/Export job; a second cancel is ALREADY_FINISHED', async () => {
    const cos = idOf('cosbatch', COS_JOB_IDS.ready);
    const ie = idOf('importexport', 'PNDG1');
    clearCalls(gw);
    const cosOut = await gql(gw, CANCEL, {
      token: tokens.writer,
      variables: { id: cos, reason: 'Wrong bucket' },
    });
    expect(cosOut.body.data?.cancelJob).toMatchObject({
      outcome: 'REQUESTED',
      job: { id: cos, state: 'CANCELLED' },
    });
    const ieOut = await gql(gw, CANCEL, {
      token: tokens.writer,
      variables: { id: ie, reason: 'Shipping the other drive' },
    });
    expect(ieOut.body.data?.cancelJob).toMatchObject({
      outcome: 'REQUESTED',
      job: { id: ie, state: 'CANCELLED', providerStatus: 'Canceled' },
    });
    const again = await gql(gw, CANCEL, {
      token: tokens.writer,
      variables: { id: ie, reason: 'again' },
    });
    expect(again.body.data?.cancelJob.outcome).toBe('ALREADY_FINISHED');
    expect(writeCalls(gw)).toEqual([
      `cosbatch UpdateJobStatus ${COS_JOB_IDS.ready} Cancelled`,
      'importexport CancelJob PNDG1',
    ]);
  });

  it.each(['panorama', 'omics', 'codepipeline'] as const)(
    'answers NOT_SUPPORTED for a %s job without any call',
    async (emulator) => {
      const id = DEMO_DATA[emulator].EXAMPLE_GLOBAL_ID;
      const calls = gw.emulators[emulator].calls.length;
      const out = await gql(gw, CANCEL, { token: tokens.writer, variables: { id, reason: 'x' } });
      expect(out.body.data?.cancelJob).toMatchObject({ outcome: 'NOT_SUPPORTED', job: null });
      expect(gw.emulators[emulator].calls.length).toBe(calls);
    },
  );

  it('keeps a secret pasted into a reason out of the log line and actionsTaken', async () => {
    const id = DEMO_DATA.codepipeline.EXAMPLE_GLOBAL_ID;
    // A caller of its own: the writer's NOT_SUPPORTED on this job above is the row its repeats add to.
    const writer = await writerToken(gw, undefined, 'oncall-dan');
    const read = await gql(
      gw,
      `query ($id: ID!) { job(id: $id) { ... on CodePipelineJob { artifactCredentials { secretAccessKey } } } }`,
      { token: gw.tokens.secrets, variables: { id } },
    );
    const secret = read.body.data?.job.artifactCredentials.secretAccessKey as string;
    expect(secret.length).toBeGreaterThan(10);
    const reason = `leaked ${secret}, stop it`;
    const out = await gql(gw, CANCEL, { token: writer, variables: { id, reason } });
    expect(out.body.data?.cancelJob.outcome).toBe('NOT_SUPPORTED');
    const line = auditLines(gw, id).at(-1);
    expect(line?.reason).toBe('leaked [REDACTED], stop it');
    const taken = await gql(gw, `query ($id: ID!) { job(id: $id) { actionsTaken { reason } } }`, {
      token: tokens.reader,
      variables: { id },
    });
    expect(taken.body.data?.job.actionsTaken.at(-1)).toEqual({
      reason: 'leaked [REDACTED], stop it',
    });
    expect(gw.logs.text()).not.toContain(secret);
  });

  it('sends the provider the reason the audit keeps: the default credentials and a COS SecretId in it are redacted at the emulator, in the log and in actionsTaken', async () => {
    const id = idOf('cosbatch', COS_JOB_IDS.preparing);
    const secrets = [
      gw.config.awsCredentials!.secretAccessKey,
      gw.config.tencent.credentials!.secretId,
      gw.config.tencent.credentials!.secretKey,
    ];
    const reason = `pasted ${secrets.join(' and ')} by mistake`;
    const shown = 'pasted [REDACTED] and [REDACTED] and [REDACTED] by mistake';
    const out = await gql(gw, CANCEL, { token: tokens.writer, variables: { id, reason } });
    // The emulator kept the reason it was sent (COS's StatusUpdateReason), read back fresh.
    expect(out.body.data?.cancelJob).toMatchObject({
      outcome: 'REQUESTED',
      job: { statusMessage: shown },
    });
    expect(auditLines(gw, id).at(-1)?.reason).toBe(shown);
    const taken = await gql(gw, `query ($id: ID!) { job(id: $id) { actionsTaken { reason } } }`, {
      token: tokens.reader,
      variables: { id },
    });
    expect(taken.body.data?.job.actionsTaken).toEqual([{ reason: shown }]);
    for (const secret of secrets) expect(gw.logs.text()).not.toContain(secret);
  });

  it('a dry run of 100 IDs makes no write call and says what would be done', async () => {
    const natives = Object.values(BATCH_JOB_IDS);
    const ids = Array.from({ length: 100 }, (_, i) =>
      i < natives.length
        ? idOf('batch', natives[i]!)
        : idOf('batch', `${BATCH_JOB_IDS.arrayParent}:${i % 5}`),
    );
    clearCalls(gw);
    const out = await gql(gw, CANCEL_MANY, {
      token: tokens.writer,
      variables: { ids, reason: 'sweep' },
    });
    expect(out.body.errors).toBeUndefined();
    const results = out.body.data?.cancelJobs as { id: string; outcome: string }[];
    expect(results.map((r) => r.id)).toEqual(ids);
    expect(results.find((r) => r.id === batchId('pending'))?.outcome).toBe('WOULD_APPLY');
    expect(results.find((r) => r.id === batchId('succeeded'))?.outcome).toBe('ALREADY_FINISHED');
    expect(results.find((r) => r.id === batchId('starting'))?.outcome).toBe('NOT_APPLIED');
    expect(writeCalls(gw)).toEqual([]);
    // Nothing was done: no job's actionsTaken shows a dry run's answer.
    const taken = await gql(gw, `query ($id: ID!) { job(id: $id) { actionsTaken { outcome } } }`, {
      token: tokens.reader,
      variables: { id: batchId('succeeded') },
    });
    expect(taken.body.data?.job).toEqual({ actionsTaken: [] });
  });

  it('the same Idempotency-Key twice acts once and answers the first result', async () => {
    const id = batchId('pending');
    const headers = { 'idempotency-key': 'f2b0c3c4-retry-1' };
    const variables = { id, reason: 'retry me' };
    clearCalls(gw);
    const first = await gql(gw, CANCEL, { token: tokens.writer, variables, headers });
    const second = await gql(gw, CANCEL, { token: tokens.writer, variables, headers });
    expect(first.body.data?.cancelJob.outcome).toBe('REQUESTED');
    expect(second.body.data).toEqual(first.body.data);
    expect(writeCalls(gw)).toEqual([`batch CancelJob ${BATCH_JOB_IDS.pending}`]);
    const other = await gql(gw, CANCEL, {
      token: tokens.writer,
      variables: { id, reason: 'another request' },
      headers,
    });
    expect(other.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('a watcher of the job sees it end', async () => {
    const id = batchId('submitted');
    const watch = subscribe(
      gw.server.url,
      'sse',
      'subscription ($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }',
      {
        token: tokens.writer,
        variables: { ids: [id] },
      },
    );
    try {
      expect((await watch.next())?.data?.jobUpdates).toEqual({ id, state: 'QUEUED' });
      const out = await gql(gw, CANCEL, {
        token: tokens.writer,
        variables: { id, reason: 'stop watching' },
      });
      expect(out.body.data?.cancelJob.outcome).toBe('REQUESTED');
      const rest = await watch.rest();
      expect(rest.at(-1)?.data?.jobUpdates).toEqual({ id, state: 'FAILED' });
    } finally {
      await watch.close();
    }
  });
});

describe('Acting on jobs with JOBGRAPH_ACTIONS set and empty', () => {
  const gw = useTestGateway({ JOBGRAPH_ACTIONS: '', JOBGRAPH_HISTORY_URL: 'off' });

  it('refuses every action with FORBIDDEN naming JOBGRAPH_ACTIONS, offers none, and calls nothing', async () => {
    const token = await writerToken(gw, undefined, 'oncall-ann');
    const id = batchId('runnable');
    clearCalls(gw);
    const out = await gql(gw, CANCEL, { token, variables: { id, reason: 'x' } });
    expect(out.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(out.body.errors?.[0]?.message).toContain('JOBGRAPH_ACTIONS');
    const many = await gql(gw, CANCEL_MANY, { token, variables: { ids: [id], reason: 'x' } });
    expect(many.body.errors?.[0]?.message).toContain('JOBGRAPH_ACTIONS');
    const read = await gql(
      gw,
      `query ($id: ID!) { job(id: $id) { availableActions actionsTaken { outcome } } }`,
      { token, variables: { id } },
    );
    // History off: no audit rows to read.
    expect(read.body.data?.job).toEqual({ availableActions: [], actionsTaken: [] });
    expect(writeCalls(gw)).toEqual([]);
  });
});

describe('Acting on jobs under an upstream rate budget (JOBGRAPH_UPSTREAM_RATE_LIMITS)', () => {
  const gw = useTestGateway({
    JOBGRAPH_UPSTREAM_RATE_LIMITS: 'batch=50',
    JOBGRAPH_HISTORY_URL: 'off',
    JOBGRAPH_CACHE_MAX_ENTRIES: '0',
  });

  /** Turns the rate budget granted AWS Batch calls so far. */
  const batchTurns = () =>
    metricValue(gw, 'jobgraph_upstream_rate_wait_seconds_count{provider="AWS_BATCH"}');

  it('takes a turn of the per-account budget for every call of a bulk cancel, the acting calls as the reads', async () => {
    const token = await writerToken(gw, undefined, 'oncall-ann');
    const ids = (['submitted', 'pending', 'runnable'] as const).map(batchId);
    clearCalls(gw);
    const turns = await batchTurns();
    const out = await gql(gw, CANCEL_MANY, {
      token,
      variables: { ids, reason: 'sweep', dryRun: false },
    });
    expect((out.body.data?.cancelJobs as { outcome: string }[]).map((r) => r.outcome)).toEqual([
      'REQUESTED',
      'REQUESTED',
      'REQUESTED',
    ]);
    const calls = gw.emulators.batch.calls.map((c) => c.operation.split(' ')[0]);
    // One DescribeJobs of the three, three CancelJob, and a fresh DescribeJobs after each.
    expect(calls.filter((c) => c === 'CancelJob')).toHaveLength(3);
    expect(await batchTurns()).toBe(turns + calls.length);
  });
});
