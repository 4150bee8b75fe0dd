import { queryObjects } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_JOBS } from '@jobgraph/emulators/importexport/data';
import { ManualScheduler } from '../support/scheduler.ts';
import { subscribe } from '../support/subscriptions.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

// A watch over SSE (distinct connections mode) writes each event and waits for the write or for
// the client to go away. Waiting on both through Promise.race added a reaction to the
// connection's close promise for every event, held until the connection closed: a watch open for
// a day held one for every change it was sent.

const QUERY = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id statusMessage } }';
const JOB = DEMO_JOBS.find((j) => j.JobId === 'INPG1')!;
const FIRST_MESSAGE = JOB.ProgressMessage as string;
/** Events counted; the promises a write left held would number two for each. */
const EVENTS = 60;

const clock = new ManualScheduler();
const gw = useTestGateway({}, { watchScheduler: clock });
afterAll(() => void (JOB.ProgressMessage = FIRST_MESSAGE));

describe('A watch over SSE', () => {
  it(`holds no more promises after ${EVENTS} events written than before them`, async () => {
    const sub = subscribe(gw.server.url, 'sse', QUERY, {
      token: gw.tokens.read,
      variables: { ids: ['importexport:INPG1'] },
    });
    try {
      expect((await sub.next())?.data?.jobUpdates).toMatchObject({ id: expect.any(String) });
      let step = 0;
      // The job's next progress message, read by its poller's next poll and sent to the watch.
      // The event can reach the client before the poll that read it has planned the next one (a
      // busy machine): the clock moves once that poll is planned, else it would fire nothing.
      const change = async () => {
        JOB.ProgressMessage = `step ${++step}`;
        await clock.timerDueWithin(30_000);
        clock.advance(30_000);
        const event = await sub.next();
        expect(event?.data?.jobUpdates).toMatchObject({ statusMessage: `step ${step}` });
      };
      for (let i = 0; i < 10; i++) await change();
      const before = queryObjects(Promise, { format: 'count' });
      for (let i = 0; i < EVENTS; i++) await change();
      const after = queryObjects(Promise, { format: 'count' });
      expect(after - before).toBeLessThan(EVENTS / 2);
    } finally {
      await sub.close();
    }
  });
});
