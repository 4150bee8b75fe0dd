// Watchers hear about a job from the job-state store (issue #85, item 1): a cancel made through
// `cancelJob` and a listed row's new state reach a watcher of a RUNNING Batch job without waiting
// for its poll — the cancel with no call but the action's own (its write and its read after it),
// the row with one describe. Watches here poll once a minute at the soonest, so whatever a watcher
// hears within a test is the store's news. Through the real server, graphql-sse and the Batch
// emulator.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '../../src/emulators/batch/data.ts';
import { writerToken } from '../support/accountTokens.ts';
import { gql } from '../support/gateway.ts';
import { subscribe, type Subscription } from '../support/subscriptions.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const gw = useTestGateway({
  JOBGRAPH_WATCH_POLL_MS: '60000',
  JOBGRAPH_WATCH_MAX_POLL_MS: '120000',
  JOBGRAPH_CACHE_MAX_ENTRIES: '0',
});
let writer = '';
beforeAll(async () => {
  writer = await writerToken(gw, undefined, 'oncall-ann');
});
const open: Subscription[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const WATCH = `subscription($id: ID!) { jobUpdates(ids: [$id]) { id state providerStatus } }`;
const watch = (id: string) => {
  const s = subscribe(`${gw.server.url}/graphql/stream`, 'sse', WATCH, {
    token: gw.tokens.read,
    variables: { id },
  });
  open.push(s);
  return s;
};
const batchCalls = (operation: RegExp) =>
  gw.emulators.batch.calls.filter((c) => operation.test(c.operation)).length;
const DESCRIBE = /^DescribeJobs\b/;

describe('A watcher of a RUNNING Batch job', () => {
  it("hears a terminate made through terminateJob from the action's own read, with no call of its own", async () => {
    const native = BATCH_JOB_IDS.running;
    const id = `batch:us-east-1:${native}`;
    const sub = watch(id);
    expect((await sub.next())?.data?.jobUpdates).toMatchObject({ state: 'IN_PROGRESS' });
    const describes = batchCalls(DESCRIBE);
    const res = await gql(
      gw,
      `mutation($id: ID!) { terminateJob(id: $id, reason: "stuck") { outcome job { state } } }`,
      { token: writer, variables: { id } },
    );
    expect(res.body.data?.terminateJob).toEqual({ outcome: 'REQUESTED', job: { state: 'FAILED' } });
    expect((await sub.next())?.data?.jobUpdates).toMatchObject({ state: 'FAILED' });
    // The action's read before it acted and its read after: no describe of the watch's own.
    expect(batchCalls(DESCRIBE)).toBe(describes + 2);
    // A finished job's watch completes.
    expect(await sub.next()).toBeNull();
  });

  it("hears a listed row's new state after one describe, not at its next poll", async () => {
    const native = BATCH_JOB_IDS.starting;
    const id = `batch:us-east-1:${native}`;
    gw.emulators.batch.jobs?.changeState(native, 'RUNNING');
    const sub = watch(id);
    expect((await sub.next())?.data?.jobUpdates).toMatchObject({ providerStatus: 'RUNNING' });
    // Batch finishes the job and says nothing; a listJobs page shows it.
    gw.emulators.batch.jobs?.changeState(native, 'SUCCEEDED');
    const describes = batchCalls(DESCRIBE);
    const page = await gql(
      gw,
      `{ listJobs(filter: { providers: [AWS_BATCH], states: [SUCCEEDED] }, first: 100) { nodes { id state } } }`,
      { token: gw.tokens.read },
    );
    expect(page.body.data?.listJobs.nodes).toContainEqual({ id, state: 'SUCCEEDED' });
    expect((await sub.next())?.data?.jobUpdates).toMatchObject({ state: 'SUCCEEDED' });
    expect(batchCalls(DESCRIBE)).toBe(describes + 1);
  });
});
