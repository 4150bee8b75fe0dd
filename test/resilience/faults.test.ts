import { describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { clearCalls, freshCopies, gql } from '../support/gateway.ts';
import { useBreakerGateway, useFaultedGateway, useTestGateway } from '../support/useTestGateway.ts';

const ex = exampleGlobalIds();
const Q = `query($ids: [ID!]!) { jobs(ids: $ids) { id state } }`;

function byIndex(
  errors: { path?: (string | number)[]; extensions?: Record<string, unknown> }[] = [],
) {
  return Object.fromEntries(errors.map((e) => [Number(e.path?.[1]), e.extensions?.code]));
}

describe('Upstream faults inside one jobs query', () => {
  // A per-attempt timeout a healthy emulator answers well within even on a busy machine (300 ms was
  // missed under load), short enough that three hanging attempts cost little; a budget that
  // outlasts those three attempts and the SDK's backoff, so the attempt count shows what happened.
  const gw = useFaultedGateway({
    JOBGRAPH_UPSTREAM_TIMEOUT_MS: '1500',
    JOBGRAPH_UPSTREAM_BUDGET_MS: '20000',
  });

  const ids = [ex.panorama, ex.omics, ex.cosbatch, ex.importexport, ex.codepipeline];

  it('resolves the healthy jobs, answers a hanging, a malformed and a flapping provider each as documented, and stays up', async () => {
    gw.emulators.panorama.setFaults({ hang: true });
    gw.emulators.omics.setFaults({ script: ['5xx'] }); // InternalServerException 500 once, then healthy
    gw.emulators.importexport.setFaults({ malformed: true });
    const res = await gql(gw, Q, { variables: { ids }, token: gw.tokens.read });
    const jobs = res.body.data?.jobs as ({ id: string } | null)[];
    expect(jobs.map((j) => j?.id ?? null)).toEqual([
      null,
      ex.omics,
      ex.cosbatch,
      null,
      ex.codepipeline,
    ]);
    expect(byIndex(res.body.errors)).toEqual({
      0: 'UPSTREAM_UNAVAILABLE',
      3: 'UPSTREAM_BAD_RESPONSE',
    });
    // The flapping provider was asked twice (500, then the answer); the malformed one once (not retried);
    // the hanging one three times (each attempt timed out).
    expect(gw.emulators.omics.calls.map((c) => c.status)).toEqual([500, 200]);
    expect(gw.emulators.importexport.calls.length).toBe(1);
    expect(gw.emulators.panorama.calls.length).toBe(3);
    // Still up: the next query works.
    gw.emulators.panorama.resetFaults();
    gw.emulators.importexport.resetFaults();
    const next = await gql(gw, Q, { variables: { ids }, token: gw.tokens.read });
    expect(next.body.errors).toBeUndefined();
  });

  it('answers a provider that throttles until retries run out and one that resets connections, next to healthy ones', async () => {
    gw.emulators.cosbatch.setFaults({ throttleRate: 1 });
    gw.emulators.codepipeline.setFaults({ reset: true });
    // Jobs no earlier test asked for: the job cache (on) would answer the finished ones (COS's among them) without a call.
    const fresh = freshCopies(gw, ids);
    const res = await gql(gw, Q, { variables: { ids: fresh }, token: gw.tokens.read });
    const jobs = res.body.data?.jobs as ({ id: string } | null)[];
    expect(jobs.map((j) => j?.id ?? null)).toEqual([fresh[0], fresh[1], null, fresh[3], null]);
    expect(byIndex(res.body.errors)).toEqual({
      2: 'UPSTREAM_THROTTLED',
      4: 'UPSTREAM_UNAVAILABLE',
    });
    const throttled = res.body.errors?.find((e) => e.path?.[1] === 2);
    expect(throttled?.extensions).toMatchObject({
      provider: 'TENCENT_COS_BATCH',
      upstreamCode: 'SlowDown',
    });
    expect(gw.emulators.cosbatch.calls.length).toBe(3);
    expect(gw.emulators.codepipeline.calls.length).toBe(3);
    for (const e of res.body.errors ?? [])
      expect(JSON.stringify(e)).not.toMatch(/https?:\/\/|127\.0\.0\.1|Authorization|q-signature/i);
  });
});

describe('The circuit breaker', () => {
  const gw = useBreakerGateway(2, 60_000);

  it('stops calling a provider that keeps failing, answers UPSTREAM_UNAVAILABLE at once, and leaves the others alone', async () => {
    gw.emulators.codepipeline.setFaults({ errorRate: 1 });
    // Two distinct jobs of the region fail: one job failing again and again would not open it.
    for (let i = 0; i < 2; i++) {
      const res = await gql(
        gw,
        `{ job(id: "codepipeline:us-east-1:11111111-2222-4333-8444-00000000000${i}") { id } }`,
        { token: gw.tokens.read },
      );
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    }
    clearCalls(gw);
    const res = await gql(gw, Q, {
      variables: { ids: [ex.codepipeline, ex.omics] },
      token: gw.tokens.read,
    });
    expect(res.body.data?.jobs).toEqual([null, { id: ex.omics, state: expect.any(String) }]);
    expect(res.body.errors?.[0]).toMatchObject({
      path: ['jobs', 0],
      extensions: { code: 'UPSTREAM_UNAVAILABLE', provider: 'AWS_CODEPIPELINE' },
    });
    expect(res.body.errors?.[0]?.message).toMatch(/stopped calling it/);
    expect(gw.emulators.codepipeline.calls).toEqual([]);
    expect(gw.emulators.omics.calls.length).toBe(1);
  });
});

describe('The time budget', () => {
  // A per-attempt timeout of a minute (the maximum): the budget, not the attempt timeout, must end the wait.
  const gw = useTestGateway({
    JOBGRAPH_UPSTREAM_TIMEOUT_MS: '60000',
    JOBGRAPH_UPSTREAM_BUDGET_MS: '400',
  });

  it('gives up on a job that would outlast the budget, whatever the per-attempt timeout', async () => {
    gw.emulators.omics.setFaults({ hang: true });
    const res = await gql(gw, `{ job(id: "${ex.omics}") { id } }`, { token: gw.tokens.read });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      provider: 'AWS_OMICS',
    });
    expect(res.body.errors?.[0]?.message).not.toMatch(/timed out/);
    // No retry was started: at most the one attempt, still hanging when the budget ran out (on a busy
    // machine the budget can run out before that attempt reaches the emulator).
    expect(gw.emulators.omics.calls.length).toBeLessThanOrEqual(1);
    expect(gw.emulators.omics.calls.every((c) => c.status === 0)).toBe(true);
  });
});
