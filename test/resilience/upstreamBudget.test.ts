import { beforeEach, describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { UpstreamError } from '../../src/errors.ts';
import { parseGlobalId, type KeyOf } from '../../src/model/globalId.ts';
import { clearCalls, gql, resetFaults } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const ex = exampleGlobalIds();

/**
 * JOBGRAPH_UPSTREAM_BUDGET_MS reaches the hand-made clients (COS Batch, Import/Export) as it
 * reaches the SDK ones: with a per-attempt timeout far beyond the test timeout and a small
 * budget, a hanging job must still end — through the gateway, and in the source itself (where
 * the loader's abort does not help), which planned its attempts inside the same budget.
 */
describe('One time budget for every provider', () => {
  const gw = useTestGateway({
    JOBGRAPH_UPSTREAM_TIMEOUT_MS: '60000',
    JOBGRAPH_UPSTREAM_BUDGET_MS: '300',
  });
  beforeEach(() => {
    resetFaults(gw);
    clearCalls(gw);
  });

  it('ends a hanging COS Batch and Import/Export job with UPSTREAM_UNAVAILABLE through the gateway', async () => {
    gw.emulators.cosbatch.setFaults({ hang: true });
    gw.emulators.importexport.setFaults({ hang: true });
    const res = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
      variables: { ids: [ex.cosbatch, ex.importexport, ex.omics] },
      token: gw.tokens.read,
    });
    expect(res.body.data?.jobs).toEqual([null, null, { id: ex.omics }]);
    expect(
      res.body.errors?.map((e) => [e.path?.[1], e.extensions?.code, e.extensions?.provider]),
    ).toEqual([
      [0, 'UPSTREAM_UNAVAILABLE', 'TENCENT_COS_BATCH'],
      [1, 'UPSTREAM_UNAVAILABLE', 'AWS_IMPORT_EXPORT'],
    ]);
    // The loader's budget and the source's own (the same value, started a moment later) end it together;
    // whichever is seen first names it.
    for (const e of res.body.errors ?? [])
      expect(e.message).toMatch(/ (did not answer within 300 ms|timed out)\.$/);
  });

  it.each([
    ['cosbatch', 'TENCENT_COS_BATCH'],
    ['importexport', 'AWS_IMPORT_EXPORT'],
  ] as const)(
    '%s: the source itself ends a hanging job within the configured budget, without the loader',
    { timeout: 10_000 },
    async (name, provider) => {
      gw.emulators[name].setFaults({ hang: true });
      const source = gw.sources[provider].source;
      const key = parseGlobalId(ex[name]) as KeyOf<typeof provider>;
      const err = await source.fetchJob(key as never).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', provider, retryable: true });
      expect((err as UpstreamError).message).toContain('timed out');
      // The one attempt was given what was left of the budget (not the 60 s per-attempt timeout) and
      // ended with it, so no retry was started after the budget.
      expect(gw.emulators[name].calls).toHaveLength(1);
    },
  );
});
