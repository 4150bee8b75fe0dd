import { afterAll, describe, expect, it } from 'vitest';
import { SCOPE_READ, SCOPE_SECRETS } from '../../src/auth/identity.ts';
import { mintToken } from '../../src/auth/mintToken.ts';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { ERROR_CASE_JOB_IDS } from '@jobgraph/emulators/importexport/data';
import { writerToken } from '../support/accountTokens.ts';
import { clearCalls, gql, upstreamCallCount } from '../support/gateway.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import {
  subscribe,
  TRANSPORTS,
  type Event,
  type Subscription,
  movableImportExportJob,
} from '../support/subscriptions.ts';

const WATCHED = 'PNDG1';
const watched = movableImportExportJob(WATCHED);
const { id: watchedId, setProgress } = watched;

const QUERY =
  'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state providerStatus statusMessage terminal } }';

const clock = new ManualScheduler();
const gw = useTestGateway(
  {
    JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER: '2',
    JOBGRAPH_MAX_JOBS_PER_REQUEST: '3',
    JOBGRAPH_MAX_ALIASES: '1',
  },
  { watchScheduler: clock },
);
afterAll(() => watched.restore());

/**
 * Resolves once the poller has planned its next poll after a poll without change. The emulator
 * logs the call before the poller has its answer, and the subscriptions' token-expiry timers
 * (hours away) keep the clock's timer count up, so neither says it: the earliest timer does.
 */
async function nextPollPlanned(): Promise<void> {
  await expect.poll(() => clock.pending()[0] ?? Infinity).toBeLessThan(60_000);
}

/** Once the next poll is scheduled, moves the watched job to `status` and runs that poll. */
async function nextPollFinds(status: Parameters<typeof setProgress>[0]) {
  await clock.timersPending();
  setProgress(status);
  clock.fireNext();
}

const calls = (jobId: string) =>
  gw.emulators.importexport.calls.filter((c) => c.job === jobId).length;

/** Every poller stopped and every subscription slot freed. */
async function allClosed(): Promise<void> {
  await expect.poll(() => gw.server.subscriptions.hub.open()).toBe(0);
  await expect.poll(() => gw.server.subscriptions.hub.registry.size()).toBe(0);
}

/**
 * Runs `body` while `subs` are open, then (whatever it threw) closes them and puts the watched job
 * back in Pending; resolves once every poller stopped and every subscription slot is freed.
 */
async function watching(subs: Subscription[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } finally {
    await Promise.all(subs.map((s) => s.close()));
    setProgress('Pending');
  }
  await allClosed();
}

describe.each(TRANSPORTS)('Subscription.jobUpdates over %s', (transport) => {
  it('sends the job at once, then each state once and in order, and completes at terminal', async () => {
    setProgress('Pending');
    clearCalls(gw);
    const sub = subscribe(gw.server.url, transport, QUERY, {
      token: gw.tokens.read,
      variables: { ids: [watchedId] },
    });
    await watching([sub], async () => {
      const first = await sub.next();
      expect(first).toEqual({
        data: {
          jobUpdates: {
            id: watchedId,
            state: 'QUEUED',
            providerStatus: 'Pending',
            statusMessage: 'now Pending',
            terminal: false,
          },
        },
      });
      // A poll without a change sends nothing, and the wait grows.
      await clock.timersPending();
      const before = clock.pending()[0] as number;
      clock.fireNext();
      await expect.poll(() => calls(WATCHED)).toBe(2);
      await nextPollPlanned();
      expect(clock.pending()[0]).toBeGreaterThan(before);
      setProgress('InProgress');
      clock.fireNext();
      expect(await sub.next()).toMatchObject({
        data: { jobUpdates: { state: 'IN_PROGRESS', providerStatus: 'InProgress' } },
      });
      await nextPollFinds('Complete');
      expect(await sub.next()).toMatchObject({
        data: { jobUpdates: { state: 'SUCCEEDED', providerStatus: 'Complete', terminal: true } },
      });
      expect(await sub.next()).toBeNull();
      expect(calls(WATCHED)).toBe(4);
      expect(clock.pending()).toEqual([]);
    });
  });
});

describe.each(TRANSPORTS)('One poller per job over %s', (transport) => {
  it('serves 200 subscribers of one job with the upstream calls of one', async () => {
    setProgress('Pending');
    clearCalls(gw);
    const secret = gw.config.auth.jwtSecret as string;
    const claims = { issuer: gw.config.auth.issuer, audience: gw.config.auth.audience };
    // 200 callers (the per-caller cap here is 2), one subscription each.
    const tokens = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        mintToken({ secret, scopes: [SCOPE_READ], subject: `watcher-${i}`, ...claims }),
      ),
    );
    const subs = tokens.map((token) =>
      subscribe(gw.server.url, transport, QUERY, { token, variables: { ids: [watchedId] } }),
    );
    await watching(subs, async () => {
      const firsts = await Promise.all(subs.map((s) => s.next()));
      for (const e of firsts)
        expect(e).toMatchObject({ data: { jobUpdates: { id: watchedId, state: 'QUEUED' } } });
      expect(calls(WATCHED)).toBe(1);
      expect(gw.server.subscriptions.hub.registry.size()).toBe(1);
      expect(gw.server.subscriptions.hub.open()).toBe(200);
      // A poll that finds nothing new is one call for all of them, as for one subscriber, and
      // sends nothing (each one's next event below is the change).
      await clock.timersPending();
      clock.fireNext();
      await expect.poll(() => calls(WATCHED)).toBe(2);
      await nextPollPlanned();
      // The next poll is one call for all of them, and a change reaches every one.
      await nextPollFinds('InProgress');
      const seconds = await Promise.all(subs.map((s) => s.next()));
      for (const e of seconds)
        expect(e).toMatchObject({ data: { jobUpdates: { state: 'IN_PROGRESS' } } });
      expect(calls(WATCHED)).toBe(3);
      expect(upstreamCallCount(gw)).toBe(3);
    });
    // The last subscriber leaving stops the poller: no timer left, no more calls.
    expect(clock.pending()).toEqual([]);
  });
});

describe.each(TRANSPORTS)('Field authorization per subscriber over %s', (transport) => {
  it('gives a reader null and FORBIDDEN for secret fields while a secrets subscriber of the same job sees them', async () => {
    setProgress('Pending');
    const query =
      'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state ... on ImportExportJob { signature } } }';
    const reader = subscribe(gw.server.url, transport, query, {
      token: gw.tokens.read,
      variables: { ids: [watchedId] },
    });
    const secrets = subscribe(gw.server.url, transport, query, {
      token: gw.tokens.secrets,
      variables: { ids: [watchedId] },
    });
    await watching([reader, secrets], async () => {
      const [r, s] = await Promise.all([reader.next(), secrets.next()]);
      expect(s).toEqual({
        data: {
          jobUpdates: {
            id: watchedId,
            state: 'QUEUED',
            signature: expect.stringMatching(/^DEMO-SIGNATURE-PNDG1/),
          },
        },
      });
      expect(r?.data).toEqual({ jobUpdates: { id: watchedId, state: 'QUEUED', signature: null } });
      expect(r?.errors).toEqual([
        expect.objectContaining({
          path: ['jobUpdates', 'signature'],
          extensions: { code: 'FORBIDDEN' },
        }),
      ]);
      expect(JSON.stringify(r)).not.toContain('DEMO-SIGNATURE');
      // Again on the next event: per event, not once per subscription; the shared record was not changed for the reader.
      await nextPollFinds('InProgress');
      const [r2, s2] = await Promise.all([reader.next(), secrets.next()]);
      expect(r2?.data).toEqual({
        jobUpdates: { id: watchedId, state: 'IN_PROGRESS', signature: null },
      });
      expect(r2?.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
      expect(s2?.data?.jobUpdates?.signature).toMatch(/^DEMO-SIGNATURE-PNDG1/);
    });
  });
});

describe.each(TRANSPORTS)('Acting fields in events over %s', (transport) => {
  it("answers every field that reads the caller's context (account, accountAlias, liveBy, availableActions, actionsTaken) per subscriber as a query does: a jobs:write subscriber may cancel, a reader nothing", async () => {
    setProgress('Pending');
    const writer = await writerToken(gw, undefined, `event-writer-${transport}`);
    const fields =
      'id account accountAlias liveBy availableActions actionsTaken { action outcome }';
    const query = `subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { ${fields} } }`;
    const asQuery = async (token: string) =>
      (
        await gql(gw, `query($id: ID!) { job(id: $id) { ${fields} } }`, {
          token,
          variables: { id: watchedId },
        })
      ).body;
    const subs = [writer, gw.tokens.read].map((token) =>
      subscribe(gw.server.url, transport, query, { token, variables: { ids: [watchedId] } }),
    );
    await watching(subs, async () => {
      const [w, r] = await Promise.all(subs.map((s) => s.next()));
      expect(w).toEqual({ data: { jobUpdates: (await asQuery(writer)).data?.job } });
      expect(r).toEqual({ data: { jobUpdates: (await asQuery(gw.tokens.read)).data?.job } });
      expect(w?.data?.jobUpdates?.availableActions).toEqual(['CANCEL']);
      expect(r?.data?.jobUpdates?.availableActions).toEqual([]);
    });
  });
});

describe.each(TRANSPORTS)('Errors per job over %s', (transport) => {
  it('reports a malformed ID (before any upstream call) and a missing job once each, and keeps streaming the others', async () => {
    setProgress('Pending');
    clearCalls(gw);
    const missing = `importexport:${ERROR_CASE_JOB_IDS.notFound}`;
    const sub = subscribe(gw.server.url, transport, QUERY, {
      token: gw.tokens.read,
      variables: { ids: ['panorama:nowhere:x', missing, watchedId] },
    });
    await watching([sub], async () => {
      const events: Event[] = [];
      for (let i = 0; i < 3; i++) events.push((await sub.next()) as Event);
      const codes = events
        .map((e) => (e.errors ? e.errors[0]?.extensions?.code : e.data?.jobUpdates?.state))
        .sort();
      expect(codes).toEqual(['BAD_USER_INPUT', 'NOT_FOUND', 'QUEUED']);
      const malformed = events.find((e) => e.errors?.[0]?.extensions?.code === 'BAD_USER_INPUT');
      expect(malformed?.errors?.[0]?.message).toMatch(/ids\[0\]/);
      expect(malformed?.data).toBeNull();
      expect(gw.emulators.panorama.calls).toEqual([]);
      // The failures end nothing: the good job goes on to its end, then the stream completes.
      await nextPollFinds('Complete');
      expect(await sub.next()).toMatchObject({
        data: { jobUpdates: { id: watchedId, state: 'SUCCEEDED' } },
      });
      expect(await sub.next()).toBeNull();
      expect(calls(ERROR_CASE_JOB_IDS.notFound)).toBe(1);
    });
  });
});

describe.each(TRANSPORTS)('Authentication over %s', (transport) => {
  it('refuses a subscription without a token before any upstream call', async () => {
    const unwatched = 'INPG1';
    const sub = subscribe(gw.server.url, transport, QUERY, {
      variables: { ids: [`importexport:${unwatched}`] },
    });
    try {
      if (transport === 'sse') {
        // graphql-sse's client hands the refusal to the app at once: one event with the error, then
        // the end (a client retrying it would fail the iterator after its retries, not end it).
        expect((await sub.next())?.errors?.map((e) => e.extensions?.code)).toEqual([
          'UNAUTHENTICATED',
        ]);
        expect(await sub.next()).toBeNull();
      } else {
        // A socket without credentials at connection_init can do nothing: closed there, 4401
        // Unauthorized with the reason (graphql-ws's client does not retry it).
        await expect(sub.next()).rejects.toBeDefined();
        expect(sub.closes).toEqual([
          {
            code: 4401,
            reason:
              'Unauthorized: no bearer token; send {"Authorization": "Bearer <token>"} as the connection_init payload',
          },
        ]);
      }
    } finally {
      await sub.close();
    }
    expect(calls(unwatched)).toBe(0);
  });

  it('ends the stream with UNAUTHENTICATED once the token expires (past the clock tolerance)', async () => {
    setProgress('Pending');
    const secret = gw.config.auth.jwtSecret as string;
    // The token is valid for 2 minutes past the test clock (which earlier tests moved ahead of the real one).
    const ttlSeconds = Math.ceil((clock.now() - Date.now()) / 1000) + 120;
    const expiresAt = (Math.floor(Date.now() / 1000) + ttlSeconds) * 1000;
    const claims = { issuer: gw.config.auth.issuer, audience: gw.config.auth.audience };
    const token = await mintToken({
      secret,
      scopes: [SCOPE_READ, SCOPE_SECRETS],
      subject: 'short-lived',
      ttlSeconds,
      ...claims,
    });
    const sub = subscribe(gw.server.url, transport, QUERY, {
      token,
      variables: { ids: [watchedId] },
    });
    await watching([sub], async () => {
      expect(await sub.next()).toMatchObject({ data: { jobUpdates: { state: 'QUEUED' } } });
      // Polls before expiry change nothing; 120 s + 30 s tolerance later the stream ends.
      await clock.timersPending(2);
      clock.advance(expiresAt + 29_000 - clock.now());
      expect(gw.server.subscriptions.hub.open()).toBe(1);
      clock.advance(2_000);
      const last = await sub.next();
      expect(last?.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
      expect(last?.errors?.[0]?.message).toMatch(/expired/);
      expect(await sub.next()).toBeNull();
    });
  });
});

describe.each(TRANSPORTS)('A CodePipeline job in jobUpdates over %s', (transport) => {
  it('is reported once (its provider reports no status) and counts as settled: the stream completes, no poller is left', async () => {
    const { codepipeline } = exampleGlobalIds();
    const sub = subscribe(gw.server.url, transport, QUERY, {
      token: gw.tokens.read,
      variables: { ids: [codepipeline] },
    });
    await watching([sub], async () => {
      expect(await sub.next()).toMatchObject({
        data: { jobUpdates: { id: codepipeline, state: 'UNKNOWN', terminal: false } },
      });
      expect(await sub.next()).toBeNull();
    });
  });
});
