// A wrong or forged event for a job a read has shown (issue #84, item 6): the provider is the source
// of truth. The event's transition stays in the timeline as what it was, marked with the time a
// provider read contradicted it; and a watcher, old or new, hears the read's state from the
// job-state store at once, never the event's word after a read corrected it. Through the real
// server, its default SQLite history, events sent with the AWS SDK to the SQS emulator and a
// graphql-sse client.
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { useEventGateway } from '../support/eventGateway.ts';
import { batchEvent } from '../support/batchEvents.ts';
import { callsOf, gql } from '../support/gateway.ts';
import { subscribe, type Subscription } from '../support/subscriptions.ts';

// Watches poll once a minute at the soonest: whatever a watcher hears within a test comes from
// the job-state store, not from a poll of its own.
const events = useEventGateway(() => ({
  JOBGRAPH_WATCH_POLL_MS: '60000',
  JOBGRAPH_WATCH_MAX_POLL_MS: '120000',
}));
const { gw } = events;

const open: Subscription[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** An event saying `job` (as the emulator has it now) FAILED, sent and applied; Batch itself still runs it. */
async function forgedFailure(job: string): Promise<void> {
  const current = gw.emulators.batch.jobs?.changeState(job, 'RUNNING') as unknown as Record<
    string,
    unknown
  >;
  const forged = {
    ...current,
    status: 'FAILED',
    statusReason: 'forged: not what Batch says',
    stoppedAt: Number(current.startedAt ?? Date.now()) + 1000,
  };
  await events.sendApplied(batchEvent(forged));
}

const READ = `query($id: ID!) { job(id: $id) { state
  transitions { at from to source contradictedAt } } }`;
const read = async (id: string) =>
  (await gql(gw, READ, { variables: { id }, token: gw.tokens.read })).body.data?.job as {
    state: string;
    transitions: {
      at: string;
      from: string | null;
      to: string;
      source: string;
      contradictedAt: string | null;
    }[];
  };

const WATCH = `subscription($id: ID!) { jobUpdates(ids: [$id]) { id state } }`;
const watch = (id: string) => {
  const s = subscribe(`${gw.server.url}/graphql/stream`, 'sse', WATCH, {
    token: gw.tokens.read,
    variables: { id },
  });
  open.push(s);
  return s;
};
const stateOf = async (s: Subscription) => (await s.next())?.data?.jobUpdates?.state as string;

describe('An event a provider read contradicts', () => {
  it('stays in the timeline marked contradicted at the read, and the read is the job state', async () => {
    const job = BATCH_JOB_IDS.running;
    const id = `batch:us-east-1:${job}`;
    expect((await read(id)).state).toBe('IN_PROGRESS');
    await forgedFailure(job);

    // The read after the event arrived shows what Batch says.
    const after = await read(id);
    expect(after.state).toBe('IN_PROGRESS');
    expect(after.transitions.map(({ from, to, source }) => ({ from, to, source }))).toEqual([
      { from: null, to: 'IN_PROGRESS', source: 'READ' },
      { from: 'IN_PROGRESS', to: 'FAILED', source: 'EVENT' },
      { from: 'FAILED', to: 'IN_PROGRESS', source: 'READ' },
    ]);
    const [first, event, correction] = after.transitions;
    expect(first!.contradictedAt).toBeNull();
    expect(correction!.contradictedAt).toBeNull();
    // Marked at the correcting read's time.
    expect(event!.contradictedAt).toBe(correction!.at);
  });

  it('reaches every watcher from the store: an open one hears the correcting read, a new one starts from it, with no call of their own', async () => {
    const job = BATCH_JOB_IDS.starting;
    const id = `batch:us-east-1:${job}`;
    gw.emulators.batch.jobs?.changeState(job, 'RUNNING');
    const first = watch(id);
    expect(await stateOf(first)).toBe('IN_PROGRESS');

    await forgedFailure(job);
    expect(await stateOf(first)).toBe('FAILED');

    const calls = callsOf(gw).batch;
    expect((await read(id)).state).toBe('IN_PROGRESS');
    // The query's read (one call) reaches the open watcher through the store.
    expect(await stateOf(first)).toBe('IN_PROGRESS');
    // A watcher opened after the correcting read starts from it, not from the event's word.
    const second = watch(id);
    expect(await stateOf(second)).toBe('IN_PROGRESS');
    expect(callsOf(gw).batch).toBe(calls + 1);
  });
});
