// A listJobs page filtered by state never holds a row outside its filter (issue #85, item 3): a
// listed row is made as fresh as the job events applied before the page's filters judge it, so a
// row of a kept snapshot, read before an event moved its job, is judged by the state it would
// show. Through the real server, its list snapshots and events sent to the SQS emulator.
import { describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { useEventGateway } from '../support/eventGateway.ts';
import { batchEvent } from '../support/batchEvents.ts';
import { callsOf, gql } from '../support/gateway.ts';

// Snapshots kept a minute: every page below after the first is served from the first's reads.
const events = useEventGateway(() => ({ JOBGRAPH_LIST_SNAPSHOT_SECONDS: '60' }));
const { gw } = events;

const page = async (states: string[]) => {
  const res = await gql(
    gw,
    `query($states: [JobState!]) { listJobs(filter: { providers: [AWS_BATCH], states: $states }, first: 100) { nodes { id state } } }`,
    { token: gw.tokens.read, variables: { states } },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data?.listJobs.nodes as { id: string; state: string }[];
};

describe('A listJobs page filtered by state', () => {
  it('never shows a row outside its filter when an event moved the job after its row was read', async () => {
    const job = BATCH_JOB_IDS.running;
    const id = `batch:us-east-1:${job}`;
    const before = await page(['IN_PROGRESS']);
    expect(before).toContainEqual({ id, state: 'IN_PROGRESS' });

    const finished = gw.emulators.batch.jobs?.changeState(job, 'SUCCEEDED');
    await events.sendApplied(batchEvent(finished as unknown as Record<string, unknown>));

    const calls = callsOf(gw).batch;
    const after = await page(['IN_PROGRESS']);
    // Served from the snapshot read before the event (no call), which still lists the job RUNNING.
    expect(callsOf(gw).batch).toBe(calls);
    expect(after.map((n) => n.id)).not.toContain(id);
    expect(after.every((n) => n.state === 'IN_PROGRESS')).toBe(true);
    expect(after.length).toBe(before.length - 1);
  });
});
