// Watchers hear about a job from the job-state store (issue #85, item 1): a cancel made through
// `cancelJob` and a listed row's new state reach a watcher of a RUNNING Batch job without waiting
// for its poll — the cancel with no call but the action's own (its write and its read after it),
// the row with one describe. Watches here poll once a minute at the soonest, so whatever a watcher
// hears within a test is the store's news. And a watcher hears nothing but the store: its first
// record, read by its own poll but no news to the store, is told by the store too. Through the
// real server, graphql-sse, graphql-ws and the Batch emulator.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StoreMessage } from '../../src/datasources/state/jobStates.ts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
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
const watch = (id: string, transport: 'sse' | 'ws' = 'sse') => {
  const url = transport === 'sse' ? `${gw.server.url}/graphql/stream` : gw.server.url;
  const s = subscribe(url, transport, WATCH, { token: gw.tokens.read, variables: { id } });
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

  it('is told its first record by the store when the read that fetched it is no news there (the job known from a query)', async () => {
    const id = `batch:us-east-1:${BATCH_JOB_IDS.runnable}`;
    const store = gw.server.subscriptions.hub.states;
    const told: StoreMessage[] = [];
    const off = store.subscribe(
      (m) => void (m.kind !== 'seen' && m.record.id === id && told.push(m)),
    );
    try {
      const describes = batchCalls(DESCRIBE);
      const read = await gql(gw, `query($id: ID!) { job(id: $id) { state providerStatus } }`, {
        token: gw.tokens.read,
        variables: { id },
      });
      expect(read.body.data?.job).toEqual({ state: 'QUEUED', providerStatus: 'RUNNABLE' });
      expect(told.map((m) => m.kind)).toEqual(['change']);
      const sub = watch(id, 'ws');
      expect((await sub.next())?.data?.jobUpdates).toEqual({
        id,
        state: 'QUEUED',
        providerStatus: 'RUNNABLE',
      });
      // The query's read and the watch's own: one DescribeJobs each, the second no news to the store,
      // which told it (`unchanged`, with its record) to the watch.
      expect(batchCalls(DESCRIBE)).toBe(describes + 2);
      expect(told.map((m) => [m.kind, m.kind === 'unchanged' ? m.verdict : null])).toEqual([
        ['change', null],
        ['unchanged', 'duplicate'],
      ]);
      expect(told[1]).toMatchObject({ observation: { origin: 'read' }, record: { id } });
    } finally {
      off();
    }
  });
});
