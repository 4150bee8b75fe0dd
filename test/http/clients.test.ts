import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloClient, HttpLink, InMemoryCache, gql as apolloGql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { cacheExchange, createClient as createUrqlClient, fetchExchange } from '@urql/core';
import { auditServer } from 'graphql-http';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { onEnd, pipe, subscribe } from 'wonka';
import { describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { buildSchema } from '../../src/schema.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const ex = exampleGlobalIds();
const JOB = `query Job($id: ID!) { job(id: $id) { id state ... on ImportExportJob { jobType } } }`;

const gw = useTestGateway();

const bearer = () => ({ Authorization: `Bearer ${gw.tokens.read}` });

describe('urql (@urql/core) on its defaults', () => {
  it('queries with GET (its default for queries within the URL limit) and with POST', async () => {
    const seen: { method: string; accept: string | null }[] = [];
    const fetchSpy: typeof fetch = async (input, init) => {
      seen.push({
        method: init?.method ?? 'GET',
        accept: new Headers(init?.headers).get('accept'),
      });
      return fetch(input, init);
    };
    const client = createUrqlClient({
      url: gw.server.url,
      exchanges: [cacheExchange, fetchExchange],
      fetch: fetchSpy,
      fetchOptions: { headers: bearer() },
    });
    const viaGet = await client.query(JOB, { id: ex.importexport }).toPromise();
    expect(viaGet.error).toBeUndefined();
    expect(viaGet.data).toEqual({
      job: {
        __typename: 'ImportExportJob',
        id: ex.importexport,
        state: 'SUCCEEDED',
        jobType: 'Import',
      },
    });
    const posting = createUrqlClient({
      url: gw.server.url,
      exchanges: [fetchExchange],
      preferGetMethod: false,
      fetch: fetchSpy,
      fetchOptions: { headers: bearer() },
    });
    const viaPost = await posting.query(JOB, { id: ex.panorama }).toPromise();
    expect(viaPost.error).toBeUndefined();
    expect(viaPost.data?.job).toMatchObject({ id: ex.panorama, state: 'SUCCEEDED' });
    // urql lists text/event-stream among the types it accepts, for queries too.
    expect(seen.map((s) => s.method)).toEqual(['GET', 'POST']);
    expect(seen.every((s) => s.accept?.includes('text/event-stream'))).toBe(true);
  });

  it('subscribes over fetch (`fetchSubscriptions`): the job, then the end', async () => {
    const client = createUrqlClient({
      url: gw.server.url,
      exchanges: [fetchExchange],
      fetchSubscriptions: true,
      fetchOptions: { headers: bearer() },
    });
    const events: unknown[] = [];
    // The stream ends by itself once the job is terminal.
    await new Promise<void>((resolve) =>
      pipe(
        client.subscription('subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }', {
          ids: [ex.importexport],
        }),
        onEnd(() => resolve()),
        subscribe((r) => void events.push({ result: r.error ?? r.data, hasNext: r.hasNext })),
      ),
    );
    // jobgraph sends the finished job once (one `next`, then `complete`); urql reads `complete`
    // as no result and, as any stream that ends without `hasNext: false`, closes it with the last
    // result again marked `hasNext: false` (@urql/core's parseEventStream). The job itself comes once.
    const finished = { jobUpdates: { id: ex.importexport, state: 'SUCCEEDED' } };
    expect(events).toEqual([
      { result: finished, hasNext: true },
      { result: finished, hasNext: false },
    ]);
    const raw = await fetch(gw.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer() },
      body: JSON.stringify({
        query: `subscription { jobUpdates(ids: ["${ex.importexport}"]) { id state } }`,
      }),
    });
    expect((await raw.text()).match(/^event: (\w+)$/gm)).toEqual([
      'event: next',
      'event: complete',
    ]);
  });
});

describe('Apollo Client', () => {
  it('queries through HttpLink with the possibleTypes `jobgraph schema --possible-types` prints, keeping a fragment on Job', async () => {
    const { possibleTypes: computePossibleTypes } = await import('../../src/cli/schema.ts');
    const possibleTypes = computePossibleTypes();
    const client = new ApolloClient({
      link: new HttpLink({ uri: gw.server.url, headers: bearer() }),
      cache: new InMemoryCache({ possibleTypes }),
    });
    const { data, error } = await client.query({
      query: apolloGql`query($id: ID!) { job(id: $id) { ...Basics } } fragment Basics on Job { id state terminal }`,
      variables: { id: ex.omics },
    });
    expect(error).toBeUndefined();
    expect(data).toEqual({
      job: {
        __typename: 'OmicsReferenceImportJob',
        id: ex.omics,
        state: 'SUCCEEDED',
        terminal: true,
      },
    });
  });

  it("keeps the rest of a reader's answer with errorPolicy 'all' when a secret field is refused", async () => {
    const client = new ApolloClient({
      link: new HttpLink({ uri: gw.server.url, headers: bearer() }),
      cache: new InMemoryCache(),
    });
    const { data, error } = await client.query({
      query: apolloGql`query($id: ID!) { job(id: $id) { id ... on ImportExportJob { signature } } }`,
      variables: { id: ex.importexport },
      errorPolicy: 'all',
    });
    expect(data).toEqual({
      job: { __typename: 'ImportExportJob', id: ex.importexport, signature: null },
    });
    expect(JSON.stringify(error)).toContain('FORBIDDEN');
  });

  it('subscribes through GraphQLWsLink', async () => {
    const wsClient = createWsClient({
      url: gw.server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: bearer(),
    });
    const client = new ApolloClient({
      link: new GraphQLWsLink(wsClient),
      cache: new InMemoryCache(),
    });
    try {
      const first = await new Promise<unknown>((resolve, reject) => {
        const sub = client
          .subscribe({
            query: apolloGql`subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }`,
            variables: { ids: [ex.panorama] },
          })
          .subscribe({ next: (r) => (sub.unsubscribe(), resolve(r.data)), error: reject });
      });
      expect(first).toEqual({
        jobUpdates: { __typename: 'PanoramaPackageImportJob', id: ex.panorama, state: 'SUCCEEDED' },
      });
    } finally {
      await wsClient.dispose();
    }
  });
});

describe("graphql-sse's client on its defaults", () => {
  it("hands a refused subscription's errors to the app after one request, without retrying", async () => {
    // Its one request counted through its own `fetchFn` option, which calls the global fetch as
    // its default does: a retry would be a second request (and seconds of its back-off).
    let requests = 0;
    const client = createSseClient({
      url: gw.server.url,
      headers: bearer(),
      fetchFn: (...args: Parameters<typeof fetch>) => ((requests += 1), fetch(...args)),
    });
    const events: unknown[] = [];
    try {
      for await (const event of client.iterate({
        query: 'subscription { jobUpdates(ids: ["importexport:PNDG1"]) { nope } }',
      }))
        events.push(event);
    } finally {
      client.dispose();
    }
    expect(requests).toBe(1);
    expect(events).toEqual([
      { errors: [expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })] },
    ]);
  });

  it('names why a request was refused in the error it throws (the status line says it; the body has the code)', async () => {
    // The client reads no body of a refused request: its error is "Server responded with
    // <status>: <statusText>", so the reason phrase is where its users read why.
    const client = createSseClient({
      url: gw.server.url,
      headers: { Authorization: 'Bearer not.a.jwt' },
      retryAttempts: 0,
    });
    // The refusal ends the client's one subscription, so nothing is left to dispose of.
    const caught = await client
      .iterate({ query: `subscription { jobUpdates(ids: ["${ex.importexport}"]) { id } }` })
      .next()
      .catch((err: unknown) => err);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toBe(
      'Server responded with 401: Unauthorized: The bearer token is not valid: it is not a JWT.',
    );
    const body = (await (caught as { response: Response }).response.json()) as {
      errors: { extensions: { code: string } }[];
    };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('runs a query over SSE: one result, then complete', async () => {
    const client = createSseClient({ url: gw.server.url, headers: bearer() });
    const events: unknown[] = [];
    try {
      for await (const event of client.iterate({ query: JOB, variables: { id: ex.importexport } }))
        events.push(event);
    } finally {
      client.dispose();
    }
    expect(events).toEqual([
      { data: { job: { id: ex.importexport, state: 'SUCCEEDED', jobType: 'Import' } } },
    ]);
  });

  it('serves GET in distinct connections mode, the operation in the URL, with Cache-Control: no-store', async () => {
    const search = new URLSearchParams({
      query: 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }',
      variables: JSON.stringify({ ids: [ex.cosbatch] }),
    });
    const res = await fetch(`${gw.server.url}?${search}`, {
      headers: { accept: 'text/event-stream', ...bearer() },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    expect(text).toContain(`"id":"${ex.cosbatch}"`);
    expect(text).toMatch(/event: complete\ndata:\n\n$/);
  });
});

describe('GraphQL over HTTP (graphql-http server audits)', () => {
  it('passes every MUST and at least as many SHOULDs as a bare Apollo Server 5 with the same schema', async () => {
    const withToken: typeof fetch = (input, init) =>
      fetch(input, {
        ...init,
        headers: { ...Object.fromEntries(new Headers(init?.headers)), ...bearer() },
      });
    const ours = await auditServer({ url: gw.server.url, fetchFn: withToken });
    const bare = new ApolloServer({ schema: buildSchema().schema });
    const { url } = await startStandaloneServer(bare, { listen: { port: 0, host: '127.0.0.1' } });
    let theirs: Awaited<ReturnType<typeof auditServer>>;
    try {
      theirs = await auditServer({ url: new URL('/graphql', url).href, fetchFn: withToken });
    } finally {
      await bare.stop();
    }
    const failedMust = ours.filter((a) => a.name.startsWith('MUST') && a.status !== 'ok');
    expect(failedMust.map((a) => `${a.name}: ${a.status}`)).toEqual([]);
    const shouldOk = (results: typeof ours) =>
      results.filter((a) => a.name.startsWith('SHOULD') && a.status === 'ok').length;
    expect(shouldOk(ours)).toBeGreaterThanOrEqual(shouldOk(theirs));
  });
});
