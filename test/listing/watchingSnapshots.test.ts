import { describe, expect, it } from 'vitest';
import { COS_PROGRESSING_JOB_ID } from '@jobgraph/emulators/cosbatch/progressing';
import { DEMO_TENCENT_CREDENTIALS, type RecordedCall } from '@jobgraph/emulators/framework';
import { listedDemoJobs, IN_PLACE_PROGRESSING_JOB_IDS } from '@jobgraph/emulators';
import { clearCalls, gql } from '../support/gateway.ts';
import { useClockedGateway } from '../support/useClockedGateway.ts';
import { subscribe, type Event } from '../support/subscriptions.ts';

/**
 * A console's list and its live rows share one read of a source: `listJobs` and the watchers of
 * many jobs of one COS Batch account and region (list-assisted watching) read the same snapshot,
 * through the real server. The pollers' clock is the test's (ManualScheduler), and so is the
 * snapshots' (the gateway dates them by its watch scheduler); the emulators' clock moves the
 * progressing COS job through its states.
 */

const QUERY = `subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state providerStatus } }`;
const LIST = `query { listJobs(first: 100, filter: { providers: [TENCENT_COS_BATCH], accounts: ["default"] }) {
  edges { node { id state providerStatus } } } }`;
const PROGRESSING = IN_PLACE_PROGRESSING_JOB_IDS.cosbatch;
const PROGRESSING_CALL = `${DEMO_TENCENT_CREDENTIALS.region}/${COS_PROGRESSING_JOB_ID}`;
const TERMINAL = ['Complete', 'Failed', 'Cancelled'];

const EPOCH = Math.floor(Date.now() / 1000) * 1000;
let emulatorNow = EPOCH + 2_000;
const { gw, clock, idle } = useClockedGateway(() => emulatorNow, EPOCH);
const cos = (): RecordedCall[] => gw.emulators.cosbatch.calls;
const lists = () => cos().filter((c) => c.operation === 'ListJobs').length;
const describes = () => cos().filter((c) => c.operation !== 'ListJobs');

/** The COS Batch rows `listJobs` shows, as `id → providerStatus`. */
async function rows(): Promise<Map<string, string>> {
  const res = await gql<{
    listJobs: { edges: { node: { id: string; providerStatus: string } }[] };
  }>(gw, LIST, { token: gw.tokens.read });
  expect(res.body.errors).toBeUndefined();
  return new Map(res.body.data!.listJobs.edges.map((e) => [e.node.id, e.node.providerStatus]));
}

describe('A console’s list and its live rows', () => {
  it('share one read of the source: a list page’s snapshot serves the next poll, and a poll’s list read serves the next list page', async () => {
    const still = listedDemoJobs(EPOCH)
      .cosbatch.filter((j) => !TERMINAL.includes(j.providerStatus))
      .slice(0, 4)
      .map((j) => j.globalId);
    const ids = [PROGRESSING, ...still];
    const sub = subscribe(gw.server.url, 'sse', QUERY, {
      token: gw.tokens.read,
      variables: { ids },
    });
    try {
      for (let i = 0; i < ids.length; i++) expect(await sub.next()).not.toBeNull();
      await idle();

      // The console lists the account's jobs 1.2 s later: one ListJobs call, kept as the snapshot.
      clock.advance(1_200);
      clearCalls(gw);
      expect((await rows()).get(PROGRESSING)).toBe('New');
      expect(lists()).toBe(1);

      // The pollers' first round, about 2 s after their first poll: the snapshot is at most half an
      // interval old, so it serves the round — no list call, no describe.
      clearCalls(gw);
      clock.fireNext();
      await idle();
      expect([lists(), describes().length]).toEqual([0, 0]);

      // The progressing job moves on; the next round finds the snapshot too old for it, reads the
      // list (one call, the new snapshot) and describes the one job whose summary changed.
      emulatorNow = EPOCH + 8_000;
      clearCalls(gw);
      const next = sub.next();
      clock.fireNext();
      const event = (await next) as Event;
      expect(event.data?.jobUpdates).toMatchObject({
        id: PROGRESSING,
        providerStatus: 'Preparing',
      });
      await idle();
      expect(lists()).toBe(1);
      expect(describes().map((c) => c.job)).toEqual([PROGRESSING_CALL]);

      // The console's next page: the watchers' read serves it — the new status, no call.
      clearCalls(gw);
      expect((await rows()).get(PROGRESSING)).toBe('Preparing');
      expect(cos()).toEqual([]);
    } finally {
      await sub.close();
    }
  });
});
