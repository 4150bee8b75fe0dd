import { describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_DATA } from '@jobgraph/emulators';
import { SHARED_SECRET } from '../subscriptions/clusterSupport.ts';
import { useLiveGateway } from '../support/liveReplicas.ts';

// Live mode as an operator runs it (issue #84): the compiled gateway, its AWS credentials found
// by the standard chain in its environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never
// configured as static ones. A secret key pasted into a reason is known to the scrubber and
// reaches neither AWS Batch (the job's statusReason, which every reader of the account sees)
// nor the log.

describe("Live mode's default credential chain and an action's reason", () => {
  const live = useLiveGateway({ JOBGRAPH_ACTIONS: 'cancel', JOBGRAPH_HISTORY_URL: 'off' });

  it('sends AWS Batch the reason with the secret access key redacted, and logs no secret', async () => {
    const example = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
    const id = example.slice(0, example.lastIndexOf(':') + 1) + BATCH_JOB_IDS.runnable;
    const secret = DEMO_AWS_CREDENTIALS.secretAccessKey;
    const token = await mintToken({
      secret: SHARED_SECRET,
      scopes: ['jobs:read', 'jobs:write'],
      subject: 'oncall-ann',
    });
    const res = await fetch(live.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: `mutation ($id: ID!, $reason: String!) {
          cancelJob(id: $id, reason: $reason) { outcome job { statusMessage } } }`,
        variables: { id, reason: `my key is ${secret}, sorry` },
      }),
    });
    const body = (await res.json()) as { data?: { cancelJob?: unknown }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    // The job's statusReason as AWS Batch keeps it, read back fresh.
    expect(body.data?.cancelJob).toEqual({
      outcome: 'REQUESTED',
      job: { statusMessage: 'my key is [REDACTED], sorry' },
    });
    // The audit line, once the process has written it out.
    await vi.waitFor(() => expect(live.gateway.output.stdout).toContain('"audit":"job-action"'), {
      timeout: 10_000,
      interval: 50,
    });
    expect(live.gateway.output.stdout + live.gateway.output.stderr).not.toContain(secret);
  });
});
