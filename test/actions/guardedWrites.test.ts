// An action's write call goes through the same protections as every read (issue #85, item 5): the
// caller's fair share of the provider's concurrency cap and the circuit breaker of the job's
// account and region. Through the real server and the Batch emulator, with a circuit that opens on
// one failing job and never half-opens within the test.
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { writerToken } from '../support/accountTokens.ts';
import { clearCalls, gql } from '../support/gateway.ts';
import { metricValue } from '../support/metrics.ts';
import { useBreakerGateway } from '../support/useTestGateway.ts';

const gw = useBreakerGateway(1, 600_000);
let token = '';
beforeAll(async () => {
  token = await writerToken(gw, undefined, 'oncall-ann');
});

const CANCEL = `mutation ($id: ID!, $reason: String!) {
  cancelJob(id: $id, reason: $reason) { outcome providerCode }
}`;
const cancel = async (native: string) =>
  (
    await gql(gw, CANCEL, {
      token,
      variables: { id: `batch:us-east-1:${native}`, reason: 'not needed' },
    })
  ).body.data?.cancelJob as { outcome: string; providerCode: string | null };

const writes = () =>
  gw.emulators.batch.calls.filter((c) => /^(CancelJob|TerminateJob)\b/.test(c.operation)).length;
const open = () =>
  metricValue(
    gw,
    'jobgraph_breaker_open{provider="AWS_BATCH",account="default",region="us-east-1"}',
  );

describe("An action's write call", () => {
  it("counts against the circuit of the job's account and region, and an open circuit refuses the next action with no call", async () => {
    clearCalls(gw);
    expect(await open()).toBe(0);
    // The read answers; the CancelJob fails with Batch's 5xx.
    gw.emulators.batch.setFaults({ script: ['ok', '5xx'] });
    expect(await cancel(BATCH_JOB_IDS.runnable)).toMatchObject({
      outcome: 'FAILED',
      providerCode: 'ServerException',
    });
    expect(writes()).toBe(1);
    // One unavailable job opens the circuit: the write's failure counted as a read's would.
    expect(await open()).toBe(1);
    const calls = gw.emulators.batch.calls.length;
    expect(await cancel(BATCH_JOB_IDS.pending)).toMatchObject({
      outcome: 'FAILED',
      providerCode: 'UPSTREAM_UNAVAILABLE',
    });
    expect(gw.emulators.batch.calls.length).toBe(calls);
    expect(writes()).toBe(1);
  });
});
