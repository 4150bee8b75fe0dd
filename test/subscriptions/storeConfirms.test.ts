// A watcher hears of its job from the job-state store alone (issue #85, items 1 and 2), reads that
// are no news to the store included: a finish an event told is told unconfirmed, and the watch
// completes on the next provider read of the job made anywhere in the process — here a query's —
// with no DescribeJobs of its own. The watch's own confirming read would come at the next whole
// JOBGRAPH_WATCH_MAX_POLL_MS (two minutes here): whatever completes it within the test is the
// query's read, told by the store. Through the real server, graphql-ws, the SQS emulator and the
// Batch emulator.
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { batchEvent } from '../support/batchEvents.ts';
import { gql } from '../support/gateway.ts';
import { subscribe, type Event, type Subscription } from '../support/subscriptions.ts';
import { useEventGateway } from '../support/eventGateway.ts';

const { gw, send } = useEventGateway(() => ({
  JOBGRAPH_WATCH_POLL_MS: '60000',
  JOBGRAPH_WATCH_MAX_POLL_MS: '120000',
  JOBGRAPH_CACHE_MAX_ENTRIES: '0',
}));
const open: Subscription[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const WATCH = `subscription($id: ID!) { jobUpdates(ids: [$id]) { id state providerStatus } }`;
const describes = () =>
  gw.emulators.batch.calls.filter((c) => /^DescribeJobs\b/.test(c.operation)).length;
const status = (e: Event | null) =>
  (e?.data?.jobUpdates as { providerStatus?: string } | undefined)?.providerStatus;

describe('A watcher of a Batch job an event showed finished', () => {
  it("completes on a query's read of the finish, with no DescribeJobs of its own", async () => {
    const native = BATCH_JOB_IDS.running;
    const id = `batch:us-east-1:${native}`;
    const sub = subscribe(gw.server.url, 'ws', WATCH, {
      token: gw.tokens.read,
      variables: { id },
    });
    open.push(sub);
    expect(status(await sub.next())).toBe('RUNNING');
    // Batch finishes the job and says so in an event: told at once, not yet confirmed.
    const finished = gw.emulators.batch.jobs?.changeState(native, 'SUCCEEDED');
    await send(batchEvent(finished as unknown as Record<string, unknown>));
    expect(status(await sub.next())).toBe('SUCCEEDED');
    const before = describes();
    // A query reads the job: the state the event told, no news to the store, which tells it to
    // the watch all the same; the read confirms the finish and the subscription completes.
    const read = await gql(gw, `query($id: ID!) { job(id: $id) { state } }`, {
      token: gw.tokens.read,
      variables: { id },
    });
    expect(read.body.data?.job).toEqual({ state: 'SUCCEEDED' });
    expect(await sub.next()).toBeNull();
    expect(describes()).toBe(before + 1);
  }, 30_000);
});
