import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPE_READ, SCOPE_SECRETS } from '../../src/auth/identity.ts';
import { mintToken } from '../../src/auth/mintToken.ts';
import { DEMO_JOBS, ERROR_CASE_JOB_IDS } from '../../src/emulators/importexport/data.ts';
import { clearCalls, startTestGateway, upstreamCallCount, type TestGateway } from '../support/gateway.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import { subscribe, TRANSPORTS, type Event } from '../support/subscriptions.ts';

const WATCHED = 'PNDG1';
const watchedId = `importexport:${WATCHED}`;
const wire = DEMO_JOBS.find((j) => j.JobId === WATCHED) as { ProgressCode: string; ProgressMessage: string };
const original = { ...wire };
/** Change what the Import/Export emulator answers for the watched job (its next poll sees it). */
const setProgress = (code: string) => {
  wire.ProgressCode = code;
  wire.ProgressMessage = `now ${code}`;
};

const QUERY = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state providerStatus statusMessage terminal } }';

let gw: TestGateway;
let clock: ManualScheduler;

beforeAll(async () => {
  clock = new ManualScheduler();
  gw = await startTestGateway({ JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER: '2', JOBGRAPH_MAX_JOBS_PER_REQUEST: '3', JOBGRAPH_MAX_ALIASES: '1' }, { watchScheduler: clock });
});
afterAll(async () => {
  Object.assign(wire, original);
  await gw?.close();
});

const calls = (jobId: string) => gw.emulators.importexport.calls.filter((c) => c.job === jobId).length;

/** Every poller stopped and every subscription slot freed. */
async function allClosed(): Promise<void> {
  await expect.poll(() => gw.server.subscriptions.hub.open()).toBe(0);
  await expect.poll(() => gw.server.subscriptions.hub.registry.size()).toBe(0);
}

describe.each(TRANSPORTS)('Subscription.jobUpdates over %s', (transport) => {
  it('sends the job at once, then each state once and in order, and completes at terminal', async () => {
    setProgress('Pending');
    clearCalls(gw);
    const sub = subscribe(gw.server.url, transport, QUERY, { token: gw.tokens.read, variables: { ids: [watchedId] } });
    try {
      const first = await sub.next();
      expect(first).toEqual({ data: { jobUpdates: { id: watchedId, state: 'QUEUED', providerStatus: 'Pending', statusMessage: 'now Pending', terminal: false } } });
      // A poll without a change sends nothing, and the wait grows.
      await clock.timersPending();
      const before = clock.pending()[0] as number;
      clock.fireNext();
      await expect.poll(() => calls(WATCHED)).toBe(2);
      await clock.timersPending();
      expect(clock.pending()[0]).toBeGreaterThan(before);
      setProgress('InProgress');
      clock.fireNext();
      expect(await sub.next()).toMatchObject({ data: { jobUpdates: { state: 'IN_PROGRESS', providerStatus: 'InProgress' } } });
      await clock.timersPending();
      setProgress('Complete');
      clock.fireNext();
      expect(await sub.next()).toMatchObject({ data: { jobUpdates: { state: 'SUCCEEDED', providerStatus: 'Complete', terminal: true } } });
      expect(await sub.next()).toBeNull();
      expect(calls(WATCHED)).toBe(4);
      expect(clock.pending()).toEqual([]);
    } finally {
      await sub.close();
      setProgress('Pending');
    }
    await allClosed();
  });
});
