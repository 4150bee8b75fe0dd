// A job that events showed before any read (issue #72): an event is whatever its sender wrote, so
// the history writes none until a provider read has shown the job in that run. Once a read shows
// it, the job is remembered, even when the read shows the very state the events told, which is no
// news to the job-state store; and nothing an unconfirmed event said reaches the history, not even
// as the `from` of the read's transition. Through the real server, its default SQLite history and
// events sent to the SQS emulator with the AWS SDK.
import { describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { useEventGateway } from '../support/eventGateway.ts';
import { batchEvent } from '../support/batchEvents.ts';
import { callsOf, gql } from '../support/gateway.ts';

const events = useEventGateway();
const { gw } = events;

/** The emulator moves `job` to `status` and its event is sent and applied; no read between. */
async function movedByEvent(job: string, status: string): Promise<void> {
  const moved = gw.emulators.batch.jobs?.changeState(job, status);
  await events.sendApplied(batchEvent(moved as unknown as Record<string, unknown>));
}

/** The IDs jobHistory answers (every job here fits one page). */
async function remembered(): Promise<string[]> {
  const res = await gql(gw, `{ jobHistory(first: 100) { edges { node { id } } } }`, {
    token: gw.tokens.read,
  });
  expect(res.body.errors).toBeUndefined();
  return (res.body.data?.jobHistory as { edges: { node: { id: string } }[] }).edges.map(
    (e) => e.node.id,
  );
}

const READ = `query($id: ID!) { job(id: $id) { state providerStatus retained
  transitions { from to providerStatus source } } }`;
const read = async (id: string) =>
  (await gql(gw, READ, { variables: { id }, token: gw.tokens.read })).body.data?.job;

describe('A job events showed before any read', () => {
  it('is remembered once a read shows it in the state they told: its record, the read its first sight, and retained once the provider forgets it', async () => {
    const job = BATCH_JOB_IDS.submitted;
    const id = `batch:us-east-1:${job}`;
    await movedByEvent(job, 'RUNNING');
    // The event alone is not written.
    expect(await remembered()).not.toContain(id);

    const calls = callsOf(gw).batch;
    expect(await read(id)).toEqual({
      state: 'IN_PROGRESS',
      providerStatus: 'RUNNING',
      retained: false,
      transitions: [{ from: null, to: 'IN_PROGRESS', providerStatus: 'RUNNING', source: 'READ' }],
    });
    expect(callsOf(gw).batch).toBe(calls + 1); // the read was the provider's
    expect(await remembered()).toContain(id);

    expect(gw.emulators.batch.jobs?.forget(job)).toBe(true);
    expect(await read(id)).toMatchObject({ state: 'IN_PROGRESS', retained: true });
  });

  it('writes a read that shows another state than the events told as the first sight, from no state', async () => {
    const job = BATCH_JOB_IDS.pending;
    const id = `batch:us-east-1:${job}`;
    await movedByEvent(job, 'RUNNING');
    // The job finishes at Batch and no event says so: the read finds it.
    gw.emulators.batch.jobs?.changeState(job, 'SUCCEEDED');
    expect(await read(id)).toEqual({
      state: 'SUCCEEDED',
      providerStatus: 'SUCCEEDED',
      retained: false,
      transitions: [{ from: null, to: 'SUCCEEDED', providerStatus: 'SUCCEEDED', source: 'READ' }],
    });
  });
});
