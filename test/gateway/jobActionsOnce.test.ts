import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_SECOND_AWS_ACCOUNT, exampleSecondAccountJobs } from '@jobgraph/emulators';
import { SCOPE_READ, SCOPE_WRITE } from '../../src/auth/identity.ts';
import { writerToken } from '../support/accountTokens.ts';
import { clearCalls, gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { metricValue } from '../support/metrics.ts';
import { CANCEL_MANY, auditLines, batchId, writeCalls } from '../support/jobActions.ts';

/**
 * Acting on jobs (docs/actions.md) as a user meets it: mutations over real HTTP to the demo
 * gateway, its emulators acting on their jobs, and the write calls counted where they arrive (the
 * emulators' call logs). Each test acts on jobs of its own, so their order does not matter.
 */

describe('Acting on jobs named many times in one request (issue 84)', () => {
  const gw = useTestGateway({
    JOBGRAPH_UPSTREAM_RATE_LIMITS: 'batch=50',
    JOBGRAPH_HISTORY_URL: 'off',
    JOBGRAPH_CACHE_MAX_ENTRIES: '0',
  });
  const token = { writer: '' };
  beforeAll(async () => {
    token.writer = await writerToken(gw, undefined, 'oncall-ann');
  });
  const batchTurns = () =>
    metricValue(gw, 'jobgraph_upstream_rate_wait_seconds_count{provider="AWS_BATCH"}');

  it('acts once per job: 20 aliased cancelJobs over 3 Batch jobs make 3 CancelJob calls, each through the rate budget', async () => {
    const ids = (['submitted', 'pending', 'runnable'] as const).map(batchId);
    const aliases = Array.from(
      { length: 20 },
      (_, i) =>
        `a${i}: cancelJobs(ids: $ids, reason: "sweep", dryRun: false) { id outcome job { state } }`,
    );
    clearCalls(gw);
    const turns = await batchTurns();
    const out = await gql(gw, `mutation ($ids: [ID!]!) { ${aliases.join('\n')} }`, {
      token: token.writer,
      variables: { ids },
    });
    expect(out.body.errors).toBeUndefined();
    const data = out.body.data as Record<string, unknown>;
    // Every alias answers the first one's result.
    for (let i = 0; i < 20; i++)
      expect(data[`a${i}`]).toEqual(
        ids.map((id) => ({ id, outcome: 'REQUESTED', job: { state: 'FAILED' } })),
      );
    expect(writeCalls(gw).sort()).toEqual(
      (['submitted', 'pending', 'runnable'] as const)
        .map((n) => `batch CancelJob ${BATCH_JOB_IDS[n]}`)
        .sort(),
    );
    // Every call upstream, the writes as the reads, took a turn of the account's rate budget.
    expect(await batchTurns()).toBe(turns + gw.emulators.batch.calls.length);
    // One action audited per job, not one per alias.
    expect(
      ids.map((id) => auditLines(gw, id).filter((l) => l.outcome === 'REQUESTED').length),
    ).toEqual([1, 1, 1]);
  });

  it('answers the same action again with the first result, and judges another action on the job as the first left it', async () => {
    const id = batchId('running');
    clearCalls(gw);
    const out = await gql(
      gw,
      `mutation ($id: ID!) {
        first: terminateJob(id: $id, reason: "over budget") { outcome job { state } }
        second: terminateJob(id: $id, reason: "over budget") { outcome job { state } }
        bulk: cancelJobs(ids: [$id], reason: "sweep", terminateRunning: true, dryRun: false) { action outcome }
        cancel: cancelJob(id: $id, reason: "sweep") { outcome }
      }`,
      { token: token.writer, variables: { id } },
    );
    expect(out.body.errors).toBeUndefined();
    expect(out.body.data).toEqual({
      first: { outcome: 'REQUESTED', job: { state: 'FAILED' } },
      second: { outcome: 'REQUESTED', job: { state: 'FAILED' } },
      bulk: [{ action: 'TERMINATE', outcome: 'REQUESTED' }],
      // Read before: RUNNING (cancel not applied); after the terminate: finished.
      cancel: { outcome: 'ALREADY_FINISHED' },
    });
    expect(writeCalls(gw)).toEqual([`batch TerminateJob ${BATCH_JOB_IDS.running}`]);
  });
});

describe("An Idempotency-Key is its caller's own (issue 84)", () => {
  const gw = useTestGateway({
    JOBGRAPH_HISTORY_URL: 'off',
    JOBGRAPH_CACHE_MAX_ENTRIES: '0',
    // 1,000 dry runs from one caller, quickly.
    JOBGRAPH_CALLER_RATE: 'off',
  });
  const staging = DEMO_SECOND_AWS_ACCOUNT.alias;
  const second = exampleSecondAccountJobs();
  /** Two jobs of the staging account: Import/Export Complete, COS Batch Active. */
  const stagingIds = [
    `importexport@${staging}:${second.importexport.jobId}`,
    `cos:${second.cosbatch.region}:${second.cosbatch.uin}:${second.cosbatch.jobId}`,
  ];
  const MANY = `mutation ($ids: [ID!]!) {
    cancelJobs(ids: $ids, reason: "sweep", dryRun: false) { id outcome job { id accountAlias state } }
  }`;

  /** A jobs:write token without \`sub\` (its caller key is the token's digest). */
  async function subjectless(accounts?: string[]): Promise<string> {
    const { SignJWT } = await import('jose');
    const { jwtSecret, issuer, audience } = gw.config.auth;
    let jwt = new SignJWT({
      scope: `${SCOPE_READ} ${SCOPE_WRITE}`,
      ...(accounts ? { accounts } : {}),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('1h');
    if (issuer) jwt = jwt.setIssuer(issuer);
    if (audience) jwt = jwt.setAudience(audience);
    return jwt.sign(new TextEncoder().encode(jwtSecret as string));
  }

  /** The accounts of the jobs an answer carries. */
  const accountsIn = (body: unknown): string[] =>
    [...JSON.stringify(body).matchAll(/"accountAlias":"([^"]+)"/g)].map((m) => m[1]!);

  const ask = (token: string, ids: string[], key: string) =>
    gql(gw, MANY, { token, variables: { ids }, headers: { 'idempotency-key': key } });

  it("a token without sub replaying another subject-less token's key acts under its own grant, never answered the other's jobs", async () => {
    const first = await ask(await subjectless(['*']), stagingIds, 'k-nosub');
    expect(first.body.data?.cancelJobs.map((r: { outcome: string }) => r.outcome)).toEqual([
      'ALREADY_FINISHED',
      'REQUESTED',
    ]);
    expect(accountsIn(first.body)).toEqual([staging, staging]);
    clearCalls(gw);
    const replay = await ask(await subjectless(), stagingIds, 'k-nosub');
    expect(replay.body.data?.cancelJobs).toEqual([
      expect.objectContaining({ outcome: 'REFUSED', job: null }),
      expect.objectContaining({ outcome: 'REFUSED', job: null }),
    ]);
    expect(accountsIn(replay.body)).toEqual([]);
    expect(writeCalls(gw)).toEqual([]);
  });

  it("a narrower token of the same sub is refused the key; another account's token acts afresh", async () => {
    const ids = [stagingIds[0]!, batchId('succeeded')];
    const wide = await ask(await writerToken(gw, ['*'], 'ann'), ids, 'k-narrow');
    expect(accountsIn(wide.body)).toEqual([staging, 'default']);
    const narrow = await ask(await writerToken(gw, undefined, 'ann'), ids, 'k-narrow');
    expect(narrow.body.data).toBeNull();
    expect(narrow.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(narrow.body.errors?.[0]?.message).toContain('Idempotency-Key');
    const other = await ask(await writerToken(gw, ['default'], 'carol'), ids, 'k-narrow');
    expect(other.body.data?.cancelJobs.map((r: { outcome: string }) => r.outcome)).toEqual([
      'REFUSED',
      'ALREADY_FINISHED',
    ]);
    expect(accountsIn(other.body)).toEqual(['default']);
    // The same caller again: the first outcomes, each job read afresh through the caller's loader.
    const again = await ask(await writerToken(gw, ['*'], 'ann'), ids, 'k-narrow');
    expect(again.body.data).toEqual(wide.body.data);
  });

  it('remembers no dry run: 1,000 of them leave the memory empty, and a real run is counted in it', async () => {
    const token = await writerToken(gw, undefined, 'dry-dan');
    const ids = (['succeeded', 'running', 'failed'] as const).map(batchId);
    const fill = async () => ({
      entries: await metricValue(gw, 'jobgraph_store_entries{store="idempotency"}'),
      bytes: await metricValue(gw, 'jobgraph_store_bytes{store="idempotency"}'),
    });
    const before = await fill();
    for (let i = 0; i < 1000; i += 20)
      await Promise.all(
        Array.from({ length: 20 }, async (_, j) => {
          const out = await gql(gw, CANCEL_MANY, {
            token,
            variables: { ids, reason: 'preview' },
            headers: { 'idempotency-key': `dry-${i + j}` },
          });
          expect(out.body.data?.cancelJobs).toHaveLength(3);
        }),
      );
    expect(await fill()).toEqual(before);
    const real = await gql(gw, CANCEL_MANY, {
      token,
      variables: { ids, reason: 'for real', dryRun: false },
      headers: { 'idempotency-key': 'real-1' },
    });
    expect(real.body.errors).toBeUndefined();
    const after = await fill();
    expect(after.entries).toBe(before.entries + 1);
    // Outcomes and IDs only: far less than the three records.
    expect(after.bytes - before.bytes).toBeGreaterThan(0);
    expect(after.bytes - before.bytes).toBeLessThan(JSON.stringify(real.body).length * 4);
  });
});
