import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SECOND_AWS_ACCOUNT, exampleGlobalIds } from '@jobgraph/emulators';
import { accountToken } from '../support/accountTokens.ts';
import { clearCalls, gql, upstreamCallCount } from '../support/gateway.ts';
import { subscribe } from '../support/subscriptions.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/**
 * Refusals do not amplify: one request that names thousands of forbidden jobs writes one audit
 * line per field (with the count), while `jobgraph_account_refusals_total` counts every refused
 * reference — through the real server on the demo, its log captured.
 */
const STAGING = DEMO_SECOND_AWS_ACCOUNT.alias;
// Lists and requests of 1000 jobs, so the references reach the account check at all.
const gateway = useTestGateway({
  JOBGRAPH_MAX_JOB_IDS: '1000',
  JOBGRAPH_MAX_JOBS_PER_REQUEST: '1000',
});
let staging: string;
beforeAll(async () => {
  staging = await accountToken(gateway, [STAGING]);
});

/** 1000 distinct default-account Panorama IDs, none of which a staging token may read. */
const forbiddenIds = Array.from(
  { length: 1000 },
  (_, i) => `panorama:us-east-1:pkgimport-${i.toString(16).padStart(16, '0')}`,
);

/** The audit lines written since `from`, parsed. */
function auditLines(from: number): Record<string, unknown>[] {
  return gateway.logs.lines
    .slice(from)
    .filter((l) => l.includes('account refused'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `jobgraph_account_refusals_total{reason="not_granted"}` now. */
async function refusalsCounted(): Promise<number> {
  const text = await (await fetch(new URL('/metrics', gateway.server.url))).text();
  const m = /^jobgraph_account_refusals_total\{reason="not_granted"\} (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('the account audit', () => {
  it('writes one line per field for 2,000 forbidden references, and counts 2,000', async () => {
    const before = { lines: gateway.logs.lines.length, counted: await refusalsCounted() };
    clearCalls(gateway);
    const res = await gql(
      gateway,
      `query ($ids: [ID!]!) { a: jobs(ids: $ids) { id } b: jobs(ids: $ids) { id } }`,
      { variables: { ids: forbiddenIds }, token: staging },
    );
    expect(res.body.errors).toHaveLength(2000);
    expect(new Set(res.body.errors?.map((e) => e.extensions?.code))).toEqual(
      new Set(['FORBIDDEN']),
    );
    expect(upstreamCallCount(gateway)).toBe(0);
    const lines = auditLines(before.lines);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      requestId: expect.any(String),
      subject: `tenant-${STAGING}`,
      field: 'jobs',
      refused: 2000,
      reasons: { not_granted: 2000 },
      accounts: ['AWS_PANORAMA/default'],
    });
    expect(JSON.stringify(lines[0])).not.toContain(staging);
    expect((await refusalsCounted()) - before.counted).toBe(2000);
  });

  it('writes one line for each field a request refuses, naming the first few accounts', async () => {
    const home = exampleGlobalIds();
    const before = gateway.logs.lines.length;
    await gql(
      gateway,
      `query ($ids: [ID!]!, $reps: [_Any!]!) {
        jobs(ids: $ids) { id }
        _entities(representations: $reps) { ... on Job { id } }
      }`,
      {
        variables: {
          ids: [home.panorama, home.omics, home.cosbatch, home.codepipeline, home.importexport],
          reps: forbiddenIds.slice(0, 300).map((id) => ({ __typename: 'Job', id })),
        },
        token: staging,
      },
    );
    const lines = auditLines(before);
    expect(lines.map((l) => [l.field, l.refused])).toEqual([
      ['jobs', 5],
      ['_entities', 300],
    ]);
    expect(lines[0]?.accounts).toHaveLength(5);
    expect(lines[1]?.accounts).toEqual(['AWS_PANORAMA/default']);
  });

  it('writes one line for a subscription refusing many jobs at set-up', async () => {
    const before = gateway.logs.lines.length;
    const sub = subscribe(
      gateway.server.url,
      'sse',
      `subscription ($ids: [ID!]!) { jobUpdates(ids: $ids) { id } }`,
      { token: staging, variables: { ids: forbiddenIds.slice(0, 500) } },
    );
    await sub.rest();
    await sub.close();
    const lines = auditLines(before);
    expect(lines.map((l) => [l.field, l.refused])).toEqual([['jobUpdates', 500]]);
  });
});
