import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WATCHERS_SDL, startOtherTeamSubgraphs } from '../support/deploymentsSubgraph.ts';
import {
  clearCalls,
  startTestGateway,
  upstreamCallCount,
  type TestGateway,
} from '../support/gateway.ts';
import { composeWithJobgraph, startHiveGateway, type HiveGateway } from '../support/hiveGateway.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import { withoutDescriptions } from '../support/sdl.ts';
import { subscribe, movableImportExportJob } from '../support/subscriptions.ts';

const WATCHED = 'PNDG1';
const watched = movableImportExportJob(WATCHED);
const watchedId = watched.id;
const setProgress = watched.setProgress;

const QUERY =
  'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state providerStatus terminal watchers } }';

let jobgraph: TestGateway;
let clock: ManualScheduler;
let other: Awaited<ReturnType<typeof startOtherTeamSubgraphs>>;
const hives: Partial<Record<'sse' | 'ws', HiveGateway>> = {};

beforeAll(async () => {
  clock = new ManualScheduler();
  jobgraph = await startTestGateway({}, { watchScheduler: clock });
  other = await startOtherTeamSubgraphs([], { [watchedId]: ['erin', 'frank'] });
  const supergraph = composeWithJobgraph(jobgraph.server.url, [
    { name: 'watchers', url: other.watching.url, sdl: WATCHERS_SDL },
  ]);
  expect(withoutDescriptions(supergraph)).toContain('jobUpdates(ids: [ID!]!): Job!');
  hives.sse = await startHiveGateway({ supergraph, runtime: 'router', subscriptions: 'sse' });
  hives.ws = await startHiveGateway({ supergraph, runtime: 'router', subscriptions: 'ws' });
});
afterAll(async () => {
  watched.restore();
  await hives.sse?.stop();
  await hives.ws?.stop();
  await other?.stop();
  await jobgraph?.close();
});

async function allClosed(): Promise<void> {
  await expect.poll(() => jobgraph.server.subscriptions.hub.open()).toBe(0);
}

// The client speaks GraphQL over SSE to Hive (graphql-sse, distinct connections mode); Hive speaks %s to jobgraph.
describe.each(['sse', 'ws'] as const)(
  'Subscription.jobUpdates through Hive Gateway, Hive to jobgraph over %s',
  (upstream) => {
    it("carries the watchers subgraph's @interfaceObject field in every event, each state once, and completes at terminal", async () => {
      setProgress('Pending');
      clearCalls(jobgraph);
      other.watching.authorizations.length = 0;
      const hive = hives[upstream] as HiveGateway;
      const sub = subscribe(hive.url, 'sse', QUERY, {
        token: jobgraph.tokens.read,
        variables: { ids: [watchedId] },
      });
      try {
        const event = (state: string, providerStatus: string, terminal: boolean) => ({
          data: {
            jobUpdates: {
              id: watchedId,
              state,
              providerStatus,
              terminal,
              watchers: ['erin', 'frank'],
            },
          },
        });
        expect(await sub.next()).toEqual(event('QUEUED', 'Pending', false));
        await clock.timersPending();
        setProgress('InProgress');
        clock.fireNext();
        expect(await sub.next()).toEqual(event('IN_PROGRESS', 'InProgress', false));
        await clock.timersPending();
        setProgress('Complete');
        clock.fireNext();
        expect(await sub.next()).toEqual(event('SUCCEEDED', 'Complete', true));
        expect(await sub.next()).toBeNull();
        expect(jobgraph.emulators.importexport.calls.filter((c) => c.job === WATCHED)).toHaveLength(
          3,
        );
        // The gateway asked the watchers subgraph once per event, never with the caller's token.
        expect(other.watching.authorizations).toEqual([null, null, null]);
      } finally {
        await sub.close();
        setProgress('Pending');
      }
      await allClosed();
    });

    it('keeps secrets per subscriber: a reader gets FORBIDDEN for the signature while a secrets subscriber to the same job sees it', async () => {
      setProgress('Pending');
      const hive = hives[upstream] as HiveGateway;
      const query =
        'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id watchers ... on ImportExportJob { signature } } }';
      const secrets = subscribe(hive.url, 'sse', query, {
        token: jobgraph.tokens.secrets,
        variables: { ids: [watchedId] },
      });
      const reader = subscribe(hive.url, 'sse', query, {
        token: jobgraph.tokens.read,
        variables: { ids: [watchedId] },
      });
      try {
        const allowed = await secrets.next();
        expect(allowed?.errors).toBeUndefined();
        const signature = allowed?.data?.jobUpdates.signature as string;
        expect(signature.length).toBeGreaterThan(8);
        const denied = await reader.next();
        expect(denied?.data?.jobUpdates).toEqual({
          id: watchedId,
          watchers: ['erin', 'frank'],
          signature: null,
        });
        expect(denied?.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
          ['jobUpdates.signature', 'FORBIDDEN'],
        ]);
        expect(JSON.stringify(denied)).not.toContain(signature);
      } finally {
        await reader.close();
        await secrets.close();
      }
      await allClosed();
    });

    it('is refused by jobgraph without a token, before any upstream call', async () => {
      clearCalls(jobgraph);
      const hive = hives[upstream] as HiveGateway;
      const sub = subscribe(hive.url, 'sse', QUERY, { variables: { ids: [watchedId] } });
      if (upstream === 'ws') {
        // Without a token, jobgraph closes Hive's socket at connection_init (4401 Unauthorized, which
        // graphql-ws's client does not retry); what Hive makes of it is Hive's, so only jobgraph's side is checked.
        const logged = jobgraph.logs.lines.length;
        const ended = sub.next().catch(() => null);
        try {
          await expect
            .poll(
              () =>
                jobgraph.logs.lines
                  .slice(logged)
                  .filter((l) => l.includes('no bearer token at connection_init')).length,
            )
            .toBeGreaterThanOrEqual(1);
          expect(upstreamCallCount(jobgraph)).toBe(0);
          expect(jobgraph.server.subscriptions.hub.open()).toBe(0);
        } finally {
          await sub.close();
          await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 100))]);
        }
        return;
      }
      try {
        const events = await sub.rest();
        expect(events).toHaveLength(1);
        expect(events[0]?.data ?? null).toBeNull();
        // Over graphql-ws this needs maskErrorsExceptJobgraphs: Hive wraps the refusal in a message-less DOWNSTREAM_SERVICE_ERROR.
        expect(events[0]?.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
          ['jobUpdates', 'UNAUTHENTICATED'],
        ]);
        expect(upstreamCallCount(jobgraph)).toBe(0);
      } finally {
        await sub.close();
      }
      await allClosed();
    });
  },
);
