import { describe, expect, it } from 'vitest';
import { DEMO_SECOND_AWS_ACCOUNT, exampleSecondAccountJobs } from '@jobgraph/emulators';
import { operatorToken, readyz } from '../support/accountTokens.ts';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/** An account whose role the emulated STS refuses, beside the demo's `staging`. */
const gateway = useTestGateway({
  JOBGRAPH_AWS_ACCOUNTS: 'denied=arn:aws:iam::999999999999:role/jobgraph-read',
});

describe('An account whose role cannot be assumed', () => {
  it('is reported in /readyz and /metrics, and the others serve', async () => {
    const states = await gateway.accounts.check();
    expect(states.map(({ alias, state, code }) => ({ alias, state, code }))).toEqual([
      { alias: 'default', state: 'UNTRIED', code: 'UNTRIED' },
      { alias: DEMO_SECOND_AWS_ACCOUNT.alias, state: 'READY', code: 'OK' },
      { alias: 'denied', state: 'FAILED', code: 'AccessDenied' },
    ]);
    const base = new URL(gateway.server.url).origin;
    expect((await readyz(base, await operatorToken(gateway))).body).toMatchObject({
      status: 'ready',
      accounts: [
        { cloud: 'aws', alias: 'default' },
        { cloud: 'aws', alias: 'staging', state: 'READY' },
        { cloud: 'aws', alias: 'denied', state: 'FAILED', code: 'AccessDenied' },
        { cloud: 'tencent', alias: 'default' },
        { cloud: 'tencent', alias: 'staging' },
      ],
    });
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(
      /^jobgraph_aws_assume_role_total\{account="denied",outcome="failed"\} [1-9]/m,
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /^jobgraph_account_state\{cloud="aws",account="denied",state="FAILED"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^jobgraph_account_state\{cloud="aws",account="denied",state="READY"\} 0$/m,
    );
    expect(metrics).toMatch(
      /^jobgraph_account_state\{cloud="aws",account="staging",state="READY"\} 1$/m,
    );
  });

  it('answers its jobs UPSTREAM_ACCESS_DENIED naming the alias, never calling the provider with other keys', async () => {
    const { region, jobId } = exampleSecondAccountJobs().panorama;
    const before = gateway.emulators.panorama.calls.length;
    const res = await gql(gateway, `query ($ids: [ID!]!) { jobs(ids: $ids) { id account } }`, {
      variables: {
        ids: [`panorama@denied:${region}:${jobId}`, `panorama@staging:${region}:${jobId}`],
      },
      token: gateway.tokens.read,
    });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      path: ['jobs', 0],
      extensions: { code: 'UPSTREAM_ACCESS_DENIED', upstreamCode: 'AccessDenied' },
    });
    expect(res.body.errors?.[0]?.message).toContain('"denied"');
    expect(res.body.data?.jobs[1]).toMatchObject({ account: DEMO_SECOND_AWS_ACCOUNT.accountId });
    // Only staging's job reached Panorama.
    expect(gateway.emulators.panorama.calls.length - before).toBe(1);
    // And the broken role was asked of STS once, at start: requests within
    // RETRY_AFTER_FAILURE_MS get its failure again without a call.
    const denied = gateway.emulators.sts.calls.filter((c) => c.job?.includes('999999999999'));
    expect(denied).toHaveLength(1);
  });
});
