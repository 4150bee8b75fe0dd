import type http from 'node:http';
import { TOKEN_HEADER_KEY, TOKEN_QUERY_KEY, createClient, type Client } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPE_READ } from '../../src/auth/identity.ts';
import { mintToken } from '../../src/auth/mintToken.ts';
import { exampleGlobalIds } from '@jobgraph/emulators';
import {
  clearCalls,
  startTestGateway,
  upstreamCallCount,
  type TestGateway,
} from '../support/gateway.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import { streamToken } from '../../src/subscriptions/sseStream.ts';
import { RESERVATION_TIMEOUT_MS } from '../../src/subscriptions/sseSingleConnection.ts';
import { movableImportExportJob, type Event } from '../support/subscriptions.ts';

// graphql-sse's single connection mode (PROTOCOL.md): one reserved event stream per client,
// every operation a separate request. Each client here is the official one with
// `singleConnection: true`, on its defaults otherwise.

const pending = movableImportExportJob('PNDG1');
const inProgress = movableImportExportJob('INPG1');

const QUERY =
  'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state providerStatus terminal } }';
const JOB = `query Job($id: ID!) { job(id: $id) { id state ... on ImportExportJob { jobType } } }`;

let gw: TestGateway;
let clock: ManualScheduler;
let other: string;

beforeAll(async () => {
  clock = new ManualScheduler();
  gw = await startTestGateway(
    {
      JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER: '2',
      JOBGRAPH_MAX_JOBS_PER_REQUEST: '3',
      JOBGRAPH_MAX_COST: '60',
      JOBGRAPH_MAX_SSE_RESERVATIONS: '3',
    },
    { watchScheduler: clock, bounds: { maxReservationsPerCaller: 2 } },
  );
  other = await readToken('someone-else');
});
afterAll(async () => {
  pending.restore();
  inProgress.restore();
  await gw?.close();
});

const singleClient = (token?: string): Client<true> =>
  createClient({
    url: gw.server.url,
    singleConnection: true,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });

/** A jobs:read token of the gateway's key for `subject`, for `ttlSeconds` (mintToken's default if absent). */
const readToken = (subject: string, ttlSeconds?: number) =>
  mintToken({
    secret: gw.config.auth.jwtSecret as string,
    issuer: gw.config.auth.issuer,
    audience: gw.config.auth.audience,
    scopes: [SCOPE_READ],
    subject,
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
  });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** The GET that opens the event stream of reservation `token`, as the caller of `bearerToken`. */
const openStream = (bearerToken: string, token: string, signal?: AbortSignal) =>
  fetch(gw.server.url, {
    headers: {
      ...bearer(bearerToken),
      'x-graphql-event-stream-token': token,
      accept: 'text/event-stream',
    },
    ...(signal ? { signal } : {}),
  });

/** The next event of an operation, or null once the server completed it. */
async function next(iterator: AsyncIterator<unknown>): Promise<Event | null> {
  const r = await iterator.next();
  return r.done ? null : (r.value as Event);
}

async function rest(iterator: AsyncIterator<unknown>): Promise<Event[]> {
  const all: Event[] = [];
  for (let e = await next(iterator); e !== null; e = await next(iterator)) all.push(e);
  return all;
}

/** Every poller stopped, every slot freed, every reservation gone. */
async function allClosed(): Promise<void> {
  await expect.poll(() => gw.server.subscriptions.hub.open()).toBe(0);
  await expect.poll(() => gw.server.subscriptions.hub.registry.size()).toBe(0);
  await expect.poll(() => gw.server.subscriptions.reservations()).toBe(0);
}

/** PUT a reservation as graphql-sse's client does. */
const reserve = (token?: string) =>
  fetch(gw.server.url, { method: 'PUT', headers: token ? bearer(token) : {} });

describe('Single connection mode with graphql-sse’s client', () => {
  it('watches two jobs concurrently over one stream, each completing on its own', async () => {
    pending.setProgress('Pending');
    inProgress.setProgress('InProgress');
    const client = singleClient(gw.tokens.read);
    const a = client.iterate({ query: QUERY, variables: { ids: [pending.id] } });
    const b = client.iterate({ query: QUERY, variables: { ids: [inProgress.id] } });
    try {
      expect(await next(a)).toEqual({
        data: {
          jobUpdates: {
            id: pending.id,
            state: 'QUEUED',
            providerStatus: 'Pending',
            terminal: false,
          },
        },
      });
      expect(await next(b)).toMatchObject({
        data: { jobUpdates: { id: inProgress.id, state: 'IN_PROGRESS' } },
      });
      // Two subscriptions (two slots), one reservation and stream.
      expect(gw.server.subscriptions.hub.open()).toBe(2);
      expect(gw.server.subscriptions.reservations()).toBe(1);

      await clock.timersPending(2);
      pending.setProgress('Complete');
      clock.advance(5_000);
      expect(await next(a)).toMatchObject({
        data: { jobUpdates: { id: pending.id, state: 'SUCCEEDED', terminal: true } },
      });
      expect(await next(a)).toBeNull();
      // The other one goes on, on the same stream.
      await expect.poll(() => gw.server.subscriptions.hub.open()).toBe(1);
      expect(gw.server.subscriptions.reservations()).toBe(1);

      await clock.timersPending(1);
      inProgress.setProgress('Complete');
      clock.advance(60_000);
      expect(await next(b)).toMatchObject({
        data: { jobUpdates: { id: inProgress.id, state: 'SUCCEEDED' } },
      });
      expect(await next(b)).toBeNull();
    } finally {
      await Promise.all([a.return?.(), b.return?.()]);
      client.dispose();
      pending.setProgress('Pending');
      inProgress.setProgress('InProgress');
    }
    await allClosed();
  });

  it('runs a query through Apollo’s pipeline: one result, then complete', async () => {
    const ex = exampleGlobalIds();
    const client = singleClient(gw.tokens.read);
    try {
      expect(
        await rest(client.iterate({ query: JOB, variables: { id: ex.importexport } })),
      ).toEqual([
        { data: { job: { id: ex.importexport, state: 'SUCCEEDED', jobType: 'Import' } } },
      ]);
    } finally {
      client.dispose();
    }
    await allClosed();
  });

  it('answers a refused operation with errors to that operation only, the stream and the others going on', async () => {
    pending.setProgress('Pending');
    clearCalls(gw);
    const client = singleClient(gw.tokens.read);
    const watching = client.iterate({ query: QUERY, variables: { ids: [pending.id] } });
    try {
      expect(await next(watching)).toMatchObject({ data: { jobUpdates: { state: 'QUEUED' } } });
      const codes = async (query: string, variables: Record<string, unknown>) =>
        (await rest(client.iterate({ query, variables }))).map((e) =>
          e.errors?.map((x) => x.extensions?.code),
        );
      // Over the cost limit (JOBGRAPH_MAX_COST=60): refused before execution.
      const fields = Array.from({ length: 40 }, () => 'id state providerStatus').join(' ');
      const costly = `subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { ... on ImportExportJob { ${fields} jobType signatureFileContents } } }`;
      expect(
        await rest(client.iterate({ query: costly, variables: { ids: [pending.id] } })),
      ).toEqual([
        {
          errors: [
            expect.objectContaining({
              message: expect.stringMatching(/cost/i),
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            }),
          ],
        },
      ]);
      // Over the job budget (JOBGRAPH_MAX_JOBS_PER_REQUEST=3).
      const four = ['A', 'B', 'C', 'D'].map((x) => `importexport:FRESH${x}`);
      expect(await codes(QUERY, { ids: four })).toEqual([['BAD_USER_INPUT']]);
      // A malformed ID: that job's error event, then the operation completes.
      const malformed = await rest(
        client.iterate({ query: QUERY, variables: { ids: ['panorama:nowhere:x'] } }),
      );
      expect(malformed).toEqual([
        {
          data: null,
          errors: [
            expect.objectContaining({
              message: expect.stringMatching(/ids\[0\]/),
              extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
            }),
          ],
        },
      ]);
      // A third open subscription is over this caller's cap (JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER=2).
      const second = client.iterate({ query: QUERY, variables: { ids: [inProgress.id] } });
      expect(await next(second)).toMatchObject({ data: { jobUpdates: { state: 'IN_PROGRESS' } } });
      const third = await rest(
        client.iterate({ query: QUERY, variables: { ids: ['importexport:CMPL1'] } }),
      );
      expect(third).toEqual([
        {
          errors: [
            expect.objectContaining({
              message: expect.stringMatching(/JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER/),
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          ],
        },
      ]);
      await second.return?.();
      // None of it reached an upstream but the two watched jobs, and the first subscription lives on.
      expect(gw.emulators.panorama.calls).toEqual([]);
      expect(upstreamCallCount(gw)).toBe(2);
      expect(gw.server.subscriptions.reservations()).toBe(1);
      await expect.poll(() => gw.server.subscriptions.hub.open()).toBe(1);
      await clock.timersPending(1);
      pending.setProgress('Complete');
      clock.advance(60_000);
      expect(await next(watching)).toMatchObject({ data: { jobUpdates: { state: 'SUCCEEDED' } } });
      expect(await next(watching)).toBeNull();
    } finally {
      await watching.return?.();
      client.dispose();
      pending.setProgress('Pending');
    }
    await allClosed();
  });

  it('authorizes fields per subscriber and per event: a reader gets null and FORBIDDEN where a secrets reader sees the value', async () => {
    pending.setProgress('Pending');
    const query =
      'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state ... on ImportExportJob { signature } } }';
    const readerClient = singleClient(gw.tokens.read);
    const secretsClient = singleClient(gw.tokens.secrets);
    const reader = readerClient.iterate({ query, variables: { ids: [pending.id] } });
    const secrets = secretsClient.iterate({ query, variables: { ids: [pending.id] } });
    try {
      for (const progress of ['Pending', 'InProgress']) {
        if (progress !== 'Pending') {
          await clock.timersPending(1);
          pending.setProgress(progress);
          clock.advance(5_000);
        }
        const [r, s] = await Promise.all([next(reader), next(secrets)]);
        expect(r?.data?.jobUpdates).toMatchObject({ id: pending.id, signature: null });
        expect(r?.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
        expect(JSON.stringify(r)).not.toContain('DEMO-SIGNATURE');
        expect(s?.data?.jobUpdates?.signature).toMatch(/^DEMO-SIGNATURE-PNDG1/);
      }
    } finally {
      await Promise.all([reader.return?.(), secrets.return?.()]);
      readerClient.dispose();
      secretsClient.dispose();
      pending.setProgress('Pending');
    }
    await allClosed();
  });

  it('refuses an anonymous subscription with UNAUTHENTICATED, at once and before any upstream call', async () => {
    clearCalls(gw);
    // "At once": the client's requests, counted through its `fetchFn` option (the global fetch, as
    // its default): one attempt (reserve, stream, operation), no retry after a back-off.
    const requests: string[] = [];
    const client = createClient({
      url: gw.server.url,
      singleConnection: true,
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) => (
        requests.push(init?.method ?? 'GET'),
        fetch(input, init)
      ),
    });
    try {
      const events = await rest(
        client.iterate({ query: QUERY, variables: { ids: ['importexport:INPG1'] } }),
      );
      expect(events.map((e) => e.errors?.map((x) => x.extensions?.code))).toEqual([
        ['UNAUTHENTICATED'],
      ]);
    } finally {
      client.dispose();
    }
    expect(requests).toEqual(['PUT', 'GET', 'POST']);
    expect(upstreamCallCount(gw)).toBe(0);
    await allClosed();
  });

  it('ends a subscription with UNAUTHENTICATED once its token expires, as distinct connections do', async () => {
    pending.setProgress('Pending');
    // Valid for 2 minutes past the test clock (which earlier tests moved ahead of the real one).
    const ttlSeconds = Math.ceil((clock.now() - Date.now()) / 1000) + 120;
    const expiresAt = (Math.floor(Date.now() / 1000) + ttlSeconds) * 1000;
    const token = await readToken('short-lived', ttlSeconds);
    const client = singleClient(token);
    const sub = client.iterate({ query: QUERY, variables: { ids: [pending.id] } });
    try {
      expect(await next(sub)).toMatchObject({ data: { jobUpdates: { state: 'QUEUED' } } });
      await clock.timersPending(2);
      clock.advance(expiresAt + 31_000 - clock.now());
      const last = await next(sub);
      expect(last?.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
      expect(last?.errors?.[0]?.message).toMatch(/expired/);
      expect(await next(sub)).toBeNull();
    } finally {
      await sub.return?.();
      client.dispose();
    }
    await allClosed();
  });
});

describe('Single connection mode reservations', () => {
  it('answers a reservation 201 with its token as text/plain, not to be stored', async () => {
    const res = await reserve(gw.tokens.read);
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    clock.advance(RESERVATION_TIMEOUT_MS);
    await allClosed();
  });

  it('lets no other caller (another subject, or nobody) use a reservation, answering exactly as for an unknown token', async () => {
    const token = await (await reserve(gw.tokens.read)).text();
    const probe = await fetch(`${gw.server.url}?token=not-a-reservation`, {
      headers: { ...bearer(gw.tokens.read), accept: 'text/event-stream' },
    });
    const unknown = { status: probe.status, body: await probe.text() };
    expect(unknown.status).toBe(404);
    const operation = JSON.stringify({
      query: QUERY,
      variables: { ids: [pending.id] },
      extensions: { operationId: 'stolen' },
    });
    for (const intruder of [bearer(other), {}]) {
      const attempts = [
        fetch(gw.server.url, {
          headers: {
            ...intruder,
            'x-graphql-event-stream-token': token,
            accept: 'text/event-stream',
          },
        }),
        fetch(`${gw.server.url}?token=${token}`, {
          headers: { ...intruder, accept: 'text/event-stream' },
        }),
        fetch(gw.server.url, {
          method: 'POST',
          headers: {
            ...intruder,
            'x-graphql-event-stream-token': token,
            'content-type': 'application/json',
          },
          body: operation,
        }),
        fetch(`${gw.server.url}?operationId=stolen`, {
          method: 'DELETE',
          headers: { ...intruder, 'x-graphql-event-stream-token': token },
        }),
      ];
      for (const res of await Promise.all(attempts)) {
        expect({ status: res.status, body: await res.text() }).toEqual(unknown);
      }
    }
    expect(gw.server.subscriptions.hub.open()).toBe(0);
    // The owner still has it: its stream connects, once.
    const controller = new AbortController();
    const stream = await openStream(gw.tokens.read, token, controller.signal);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('cache-control')).toBe('no-store');
    const again = await openStream(gw.tokens.read, token);
    expect(again.status).toBe(409);
    await again.text();
    controller.abort();
    await stream.body?.cancel().catch(() => undefined);
    await allClosed();
  });

  it('caps reservations per caller and in total, and lets unconnected ones lapse', async () => {
    const third = await readToken('a-third-caller');
    const mine = [await reserve(gw.tokens.read), await reserve(gw.tokens.read)];
    expect(mine.map((r) => r.status)).toEqual([201, 201]);
    const lapsing = await mine[0]!.text();
    await mine[1]!.text();
    const overMine = await reserve(gw.tokens.read);
    expect(overMine.status).toBe(429);
    expect(await overMine.json()).toEqual({
      errors: [
        {
          message: expect.stringMatching(/at most 2 are allowed per caller/),
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ],
    });
    // Another caller still may, up to the process's limit (3).
    const theirs = await reserve(other);
    expect(theirs.status).toBe(201);
    await theirs.text();
    const overAll = await reserve(third);
    expect(overAll.status).toBe(503);
    expect(JSON.stringify(await overAll.json())).toMatch(/JOBGRAPH_MAX_SSE_RESERVATIONS=3/);
    expect(gw.server.subscriptions.reservations()).toBe(3);

    // No stream connected within the timeout: they lapse, and their tokens find nothing.
    clock.advance(RESERVATION_TIMEOUT_MS);
    expect(gw.server.subscriptions.reservations()).toBe(0);
    const lapsed = await openStream(gw.tokens.read, lapsing);
    expect(lapsed.status).toBe(404);
    await lapsed.text();

    // A connected one does not lapse.
    const token = await (await reserve(third)).text();
    const controller = new AbortController();
    const stream = await openStream(third, token, controller.signal);
    expect(stream.status).toBe(200);
    clock.advance(RESERVATION_TIMEOUT_MS * 2);
    expect(gw.server.subscriptions.reservations()).toBe(1);
    controller.abort();
    await stream.body?.cancel().catch(() => undefined);
    await allClosed();
  });

  it('bounds an operation’s body as any request’s: over JOBGRAPH_MAX_BODY_BYTES is 413', async () => {
    const token = await (await reserve(gw.tokens.read)).text();
    const res = await fetch(gw.server.url, {
      method: 'POST',
      headers: {
        ...bearer(gw.tokens.read),
        'x-graphql-event-stream-token': token,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        query: QUERY,
        variables: { ids: [pending.id], padding: 'x'.repeat(gw.config.limits.maxBodyBytes) },
        extensions: { operationId: 'big' },
      }),
    });
    expect(res.status).toBe(413);
    await res.text();
    expect(gw.server.subscriptions.hub.open()).toBe(0);
    clock.advance(RESERVATION_TIMEOUT_MS);
    await allClosed();
  });

  it('lets a browser on an allowed origin use it: PUT, DELETE and the token header pass the preflight', async () => {
    const res = await fetch(gw.server.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'authorization, x-graphql-event-stream-token',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')?.split(',')).toEqual(
      expect.arrayContaining(['PUT', 'DELETE']),
    );
    expect(res.headers.get('access-control-allow-headers')).toMatch(/x-graphql-event-stream-token/);
  });
});

describe('Single connection mode at shutdown', () => {
  it('ends the stream without `complete`, so the client reserves again elsewhere and resumes', async () => {
    const secret = 'a-token-key-the-replicas-share-of-at-least-32-characters';
    const first = await startTestGateway({ JOBGRAPH_JWT_SECRET: secret });
    const second = await startTestGateway({ JOBGRAPH_JWT_SECRET: secret });
    let url = first.server.url;
    const client = createClient({
      url: () => url,
      singleConnection: true,
      headers: { Authorization: `Bearer ${first.tokens.read}` },
    });
    const sub = client.iterate({ query: QUERY, variables: { ids: ['importexport:PNDG1'] } });
    let firstClosed = false;
    try {
      expect(await next(sub)).toMatchObject({ data: { jobUpdates: { state: 'QUEUED' } } });
      expect(first.server.subscriptions.reservations()).toBe(1);
      url = second.server.url;
      await first.close();
      firstClosed = true;
      expect(first.server.subscriptions.reservations()).toBe(0);
      expect(first.server.subscriptions.hub.open()).toBe(0);
      // Not completed: the client (its default retries) goes to the other replica, gets the current state.
      expect(await next(sub)).toMatchObject({
        data: { jobUpdates: { id: 'importexport:PNDG1', state: 'QUEUED' } },
      });
      expect(second.server.subscriptions.reservations()).toBe(1);
    } finally {
      await sub.return?.();
      client.dispose();
      if (!firstClosed) await first.close();
      await second.close();
    }
  });
});

describe('A reservation token in a request', () => {
  // Every /graphql request asks for one: a target without a query string is answered without a URL parse.
  const token = (url: string, headers: http.IncomingHttpHeaders = {}) =>
    streamToken({ url, headers } as http.IncomingMessage);
  const parsed = (url: string) =>
    new URL(url, 'http://localhost/').searchParams.get(TOKEN_QUERY_KEY) || undefined;

  it('reads the header first, else the query string, as a URL parse of the target does', () => {
    expect(token('/graphql?token=q', { [TOKEN_HEADER_KEY]: 'h' })).toBe('h');
    for (const url of [
      '/graphql',
      '/graphql?token=abc',
      '/graphql?x=1&token=a%20b',
      '/graphql?token=',
      '/graphql#frag?token=no',
      '/graphql?#token=no',
      '/?a=1',
    ])
      expect(token(url), url).toBe(parsed(url));
  });
});
