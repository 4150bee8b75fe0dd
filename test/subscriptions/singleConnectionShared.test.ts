import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPE_READ } from '../../src/auth/identity.ts';
import { mintToken } from '../../src/auth/mintToken.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { movableImportExportJob } from '../support/subscriptions.ts';
import { useRedis } from '../support/useRedis.ts';
import { redisServerMissing } from './clusterSupport.ts';
import { TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';

// Two gateways (replicas) sharing one real redis-server: a reservation made on one is streamed on
// the other, and operations and stops sent to either reach the stream, answered with the same
// status codes as on one replica. Raw requests, so each goes to the replica the test picks
// (singleConnectionCluster.e2e.test.ts does the same with the official client behind nginx).

const SECRET = 'a-token-key-both-replicas-share-of-at-least-32-characters';
const WATCH = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }';
const missing = redisServerMissing();

type SseEvent = { event: string; data: { id: string; payload?: unknown } };

/** The events of an event stream's body, as they arrive. */
async function* eventsOf(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let text = '';
  const reader = body.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    text += decoder.decode(chunk.value, { stream: true });
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const event = /^event: ?(.*)$/m.exec(block)?.[1];
      const data = /^data: ?(.*)$/m.exec(block)?.[1];
      if (event && data) yield { event, data: JSON.parse(data) as SseEvent['data'] };
    }
  }
}

describe.skipIf(missing !== null)(
  'Single connection reservations shared by two replicas through Redis',
  () => {
    const redis = useRedis();
    let one: TestGateway;
    let two: TestGateway;
    let other: string;
    const job = movableImportExportJob('PNDG1');

    beforeAll(async () => {
      const env = {
        JOBGRAPH_JWT_SECRET: SECRET,
        JOBGRAPH_CACHE_URL: redis.url,
        JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
        JOBGRAPH_CACHE_OP_TIMEOUT_MS: '2000',
      };
      one = await startTestGateway(env, { bounds: { maxReservationsPerCaller: 3 } });
      two = await startTestGateway(env, { bounds: { maxReservationsPerCaller: 3 } });
      other = await mintToken({
        secret: SECRET,
        issuer: one.config.auth.issuer,
        audience: one.config.auth.audience,
        scopes: [SCOPE_READ],
        subject: 'someone-else',
      });
    });
    afterAll(async () => {
      job.restore();
      await one?.close();
      await two?.close();
    });

    const headers = (bearer: string, token?: string) => ({
      authorization: `Bearer ${bearer}`,
      ...(token ? { 'x-graphql-event-stream-token': token } : {}),
    });
    /** A reservation on `gw`, which Redis holds as soon as the 201 is answered. */
    const reserve = async (gw: TestGateway, bearer: string): Promise<string> => {
      const before = (await redis.client.keys('jobgraph:sse:v2:r:*')).length;
      const res = await fetch(gw.server.url, { method: 'PUT', headers: headers(bearer) });
      expect(res.status).toBe(201);
      expect((await redis.client.keys('jobgraph:sse:v2:r:*')).length).toBe(before + 1);
      return res.text();
    };
    /** The GET that opens the event stream of reservation `token` at `gw`. */
    const openStream = (gw: TestGateway, bearer: string, token: string, signal?: AbortSignal) =>
      fetch(gw.server.url, {
        headers: { ...headers(bearer, token), accept: 'text/event-stream' },
        ...(signal ? { signal } : {}),
      });
    const post = (gw: TestGateway, bearer: string, token: string, body: object) =>
      fetch(gw.server.url, {
        method: 'POST',
        headers: { ...headers(bearer, token), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('streams a reservation made on one replica from the other, which runs the operations and stops sent to either', async () => {
      const bearer = one.tokens.read;
      const token = await reserve(one, bearer);
      const controller = new AbortController();
      const stream = await openStream(two, bearer, token, controller.signal);
      expect(stream.status).toBe(200);
      expect(stream.headers.get('cache-control')).toBe('no-store');
      const events = eventsOf(stream.body as ReadableStream<Uint8Array>);
      try {
        // A second stream for it, on either replica: 409.
        for (const gw of [one, two]) {
          const again = await openStream(gw, bearer, token);
          expect(again.status).toBe(409);
          await again.text();
        }
        // A query sent to the replica that made it runs on the stream's, through Apollo's pipeline.
        const query = { query: '{ job(id: "importexport:CMPL1") { id state } }' };
        const sent = await post(one, bearer, token, { ...query, extensions: { operationId: 'q' } });
        expect(sent.status).toBe(202);
        expect(sent.headers.get('cache-control')).toBe('no-store');
        expect((await events.next()).value).toEqual({
          event: 'next',
          data: {
            id: 'q',
            payload: { data: { job: { id: 'importexport:CMPL1', state: 'SUCCEEDED' } } },
          },
        });
        expect((await events.next()).value).toEqual({ event: 'complete', data: { id: 'q' } });

        // A subscription sent there too: its events on the stream; the same ID again is 409.
        const watch = {
          query: WATCH,
          variables: { ids: [job.id] },
          extensions: { operationId: 's' },
        };
        expect((await post(one, bearer, token, watch)).status).toBe(202);
        expect((await events.next()).value).toEqual({
          event: 'next',
          data: { id: 's', payload: { data: { jobUpdates: { id: job.id, state: 'QUEUED' } } } },
        });
        expect(two.server.subscriptions.hub.open()).toBe(1);
        expect(one.server.subscriptions.hub.open()).toBe(0);
        const twice = await post(one, bearer, token, watch);
        expect(twice.status).toBe(409);
        expect(await twice.json()).toMatchObject({ errors: [{ message: /already running/ }] });
        expect(two.logs.text()).toMatch(/"relayed":true.*"subscription started"/);

        // Another caller with the token, on the replica that does not hold it: 404, as for an unknown token.
        const unknown = await post(one, bearer, 'not-a-reservation', watch);
        const intruder = await post(one, other, token, watch);
        expect({ status: intruder.status, body: await intruder.text() }).toEqual({
          status: unknown.status,
          body: await unknown.text(),
        });
        expect(unknown.status).toBe(404);

        // Stopped from the replica that does not hold it: it stops where it runs.
        const stop = await fetch(`${one.server.url}?operationId=s`, {
          method: 'DELETE',
          headers: headers(bearer, token),
        });
        expect(stop.status).toBe(200);
        await expect.poll(() => two.server.subscriptions.hub.open()).toBe(0);
      } finally {
        controller.abort();
        await events.return(undefined).catch(() => undefined);
      }
      // Its stream gone, the reservation is gone from Redis and from every replica.
      await expect.poll(() => redis.client.keys('jobgraph:sse:v2:r:*')).toEqual([]);
      const after = await post(one, bearer, token, {
        query: WATCH,
        extensions: { operationId: 'x' },
      });
      expect(after.status).toBe(404);
      await after.text();
      expect(two.logs.text()).not.toContain(token);
      expect(one.logs.text()).not.toContain(token);
    });

    it('shares the first reservation a replica takes the moment it starts, and relays to a stream there from the first request', async () => {
      const env = {
        JOBGRAPH_JWT_SECRET: SECRET,
        JOBGRAPH_CACHE_URL: redis.url,
        JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      };
      const fresh = await startTestGateway(env);
      try {
        // Nothing awaited between its start and these requests: its Redis connection may still be on its way.
        const bearer = fresh.tokens.read;
        const token = await reserve(fresh, bearer);
        const controller = new AbortController();
        const stream = await openStream(one, bearer, token, controller.signal);
        expect(stream.status).toBe(200);
        const events = eventsOf(stream.body as ReadableStream<Uint8Array>);
        try {
          const query = { query: '{ job(id: "importexport:CMPL1") { id state } }' };
          const sent = await post(fresh, bearer, token, {
            ...query,
            extensions: { operationId: 'q' },
          });
          expect(sent.status).toBe(202);
          expect((await events.next()).value).toMatchObject({ event: 'next', data: { id: 'q' } });
          expect(fresh.logs.text()).not.toMatch(/"subscription started"|Redis is unavailable/);
        } finally {
          controller.abort();
          await events.return(undefined).catch(() => undefined);
        }
        await expect.poll(() => redis.client.keys('jobgraph:sse:v2:r:*')).toEqual([]);
      } finally {
        await fresh.close();
      }
    });

    it('answers an operation sent before the stream connected with 409, and counts a caller’s reservations across the replicas', async () => {
      const bearer = await mintToken({
        secret: SECRET,
        issuer: one.config.auth.issuer,
        audience: one.config.auth.audience,
        scopes: [SCOPE_READ],
        subject: 'three-reservations',
      });
      const tokens = [
        await reserve(one, bearer),
        await reserve(two, bearer),
        await reserve(one, bearer),
      ];
      const early = await post(two, bearer, tokens[0] as string, {
        query: WATCH,
        variables: { ids: [job.id] },
        extensions: { operationId: 'early' },
      });
      expect(early.status).toBe(409);
      expect(await early.text()).toMatch(/no event stream yet/);
      const over = await fetch(two.server.url, { method: 'PUT', headers: headers(bearer) });
      expect(over.status).toBe(429);
      expect(await over.text()).toMatch(/already holds 3 .*at most 3 are allowed per caller/);
    });
  },
);
