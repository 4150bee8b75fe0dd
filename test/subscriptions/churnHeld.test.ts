import { createClient as createSseClient } from 'graphql-sse';
import { describe, expect, it } from 'vitest';
import { ManualScheduler } from '../support/scheduler.ts';
import { subscribe, type Event, type Subscription } from '../support/subscriptions.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

// Watches come and go (issue 88 item 5, "watches under churn"): after many subscribe/unsubscribe
// cycles through the official clients, nothing a watch made is left — no stream, poller, slot,
// pinned store entry, socket, SSE response or reservation, timer — so what the process holds for
// its watches is what its open watches hold.

/** Two Import/Export jobs that never finish on their own (their watches stay open until closed). */
const IDS = ['importexport:PNDG1', 'importexport:INPG1'];
const QUERY = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }';
/** Watches opened and closed in each transport's run; OPEN_AT_ONCE of them at a time. */
const CYCLES = 30;
const OPEN_AT_ONCE = 5;

const clock = new ManualScheduler();
const gw = useTestGateway({}, { watchScheduler: clock });

/** graphql-sse's single connection mode: one reservation and stream for the subscription. */
function singleConnection(token: string): Subscription {
  const client = createSseClient({
    url: gw.server.url,
    singleConnection: true,
    retryAttempts: 0,
    headers: { Authorization: `Bearer ${token}` },
  });
  const events = client.iterate({ query: QUERY, variables: { ids: IDS } });
  return {
    next: async () => ((await events.next()).value as Event | undefined) ?? null,
    rest: () => Promise.reject(new Error('not used here')),
    close: async () => {
      await events.return?.();
      client.dispose();
    },
    closes: [],
  };
}

const TRANSPORTS = {
  sse: (token: string) =>
    subscribe(gw.server.url, 'sse', QUERY, { token, variables: { ids: IDS } }),
  ws: (token: string) => subscribe(gw.server.url, 'ws', QUERY, { token, variables: { ids: IDS } }),
  'sse single connection': singleConnection,
};

/** What the process holds for watches now, each counted where it is kept. */
function held() {
  const { subscriptions } = gw.server;
  const { hub } = subscriptions;
  return {
    streams: hub.open(),
    slots: hub.slots.open(),
    pollers: hub.registry.size(),
    pinned: hub.states.pinnedJobs(),
    sockets: subscriptions.sockets(),
    sseResponses: subscriptions.openResponses(),
    reservations: subscriptions.reservations(),
    timers: clock.pending().length,
  };
}

const NOTHING = {
  streams: 0,
  slots: 0,
  pollers: 0,
  pinned: 0,
  sockets: 0,
  sseResponses: 0,
  reservations: 0,
  timers: 0,
};

describe.each(Object.keys(TRANSPORTS) as (keyof typeof TRANSPORTS)[])(
  'Watches under churn over %s',
  (transport) => {
    it(`hold nothing once ${CYCLES} watches have come and gone, ${OPEN_AT_ONCE} at a time`, async () => {
      await expect.poll(held).toEqual(NOTHING);
      const open = TRANSPORTS[transport];
      for (let round = 0; round < CYCLES / OPEN_AT_ONCE; round++) {
        const subs = Array.from({ length: OPEN_AT_ONCE }, () => open(gw.tokens.read));
        try {
          // Each watch's first events: every job's current state, so each is being watched.
          for (const sub of subs) {
            const seen = [(await sub.next())?.data, (await sub.next())?.data];
            const ids = seen.map((d) => (d?.jobUpdates as { id: string }).id);
            expect(ids.sort()).toEqual([...IDS].sort());
          }
          const during = held();
          expect(during.streams).toBe(OPEN_AT_ONCE);
          expect(during.slots).toBe(OPEN_AT_ONCE);
          expect(during.pollers).toBe(IDS.length);
          expect(during.pinned).toBe(IDS.length);
          expect(during.timers).toBeGreaterThan(0);
        } finally {
          await Promise.all(subs.map((s) => s.close()));
        }
        await expect.poll(held).toEqual(NOTHING);
      }
    });
  },
);
