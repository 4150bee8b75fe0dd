import { describe, expect, it } from 'vitest';
import { SCOPE_READ } from '../../src/auth/identity.ts';
import { mintToken } from '../../src/auth/mintToken.ts';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { clearCalls, gql, upstreamCallCount } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import { subscribe, TRANSPORTS, type Subscription } from '../support/subscriptions.ts';

const ex = exampleGlobalIds();
const QUERY = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }';
const RUNNING = 'importexport:PNDG1';

const gw = useTestGateway(
  {
    JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER: '1',
    JOBGRAPH_MAX_JOBS_PER_REQUEST: '2',
    JOBGRAPH_MAX_ALIASES: '1',
  },
  { watchScheduler: new ManualScheduler(), bounds: { heartbeatMs: 20 } },
);
const capped = useTestGateway(
  { JOBGRAPH_MAX_SUBSCRIPTIONS: '1' },
  { watchScheduler: new ManualScheduler() },
);

/** The refusal a library client reports, as text: graphql-ws hands the operation's errors, graphql-sse the HTTP status. */
async function refusal(sub: Subscription): Promise<string> {
  try {
    const event = await sub.next();
    return JSON.stringify(event);
  } catch (err) {
    return err instanceof Error ? err.message : JSON.stringify(err);
  } finally {
    await sub.close();
  }
}

describe.each(TRANSPORTS)('Subscription limits over %s', (transport) => {
  /** A subscription to the running job at gateway `g`, as the caller of `token`. */
  const watchRunning = (g: typeof gw, token: string) =>
    subscribe(g.server.url, transport, QUERY, { token, variables: { ids: [RUNNING] } });

  it('refuses more distinct jobs than JOBGRAPH_MAX_JOBS_PER_REQUEST before any upstream call', async () => {
    clearCalls(gw);
    const text = await refusal(
      subscribe(gw.server.url, transport, QUERY, {
        token: gw.tokens.read,
        variables: { ids: [ex.importexport, ex.panorama, ex.omics] },
      }),
    );
    // Both official clients hand the refusal's errors to the app (graphql-ws an `error` message, graphql-sse a `next` event).
    expect(text).toMatch(
      /3 distinct jobs; at most 2 are allowed per request \(JOBGRAPH_MAX_JOBS_PER_REQUEST\)/,
    );
    expect(upstreamCallCount(gw)).toBe(0);
  });

  it('applies the query limits (here aliases) to subscription documents', async () => {
    const query = `subscription { a: jobUpdates(ids: ["${RUNNING}"]) { id } b: jobUpdates(ids: ["${RUNNING}"]) { id } }`;
    const text = await refusal(
      subscribe(gw.server.url, transport, query, { token: gw.tokens.read }),
    );
    expect(text).toMatch(/GRAPHQL_VALIDATION_FAILED/);
  });

  it('caps open subscriptions per caller (JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER) and frees the slot when one closes', async () => {
    const first = watchRunning(gw, gw.tokens.read);
    try {
      expect(await first.next()).toMatchObject({ data: { jobUpdates: { state: 'QUEUED' } } });
      const second = await refusal(watchRunning(gw, gw.tokens.read));
      expect(second).toMatch(
        /at most 1 are allowed per caller \(JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER\)/,
      );
      expect(second).toMatch(/BAD_USER_INPUT/);
      // Another caller is not counted against this one.
      const other = watchRunning(gw, gw.tokens.secrets);
      expect(await other.next()).toMatchObject({ data: { jobUpdates: { state: 'QUEUED' } } });
      await other.close();
    } finally {
      await first.close();
    }
    await expect.poll(() => gw.server.subscriptions.hub.open()).toBe(0);
    const third = watchRunning(gw, gw.tokens.read);
    try {
      expect(await third.next()).toMatchObject({ data: { jobUpdates: { state: 'QUEUED' } } });
    } finally {
      await third.close();
    }
  });

  it('caps open subscriptions in the process (JOBGRAPH_MAX_SUBSCRIPTIONS)', async () => {
    const first = watchRunning(capped, capped.tokens.read);
    try {
      expect(await first.next()).toMatchObject({ data: { jobUpdates: { state: 'QUEUED' } } });
      const second = await refusal(watchRunning(capped, capped.tokens.secrets));
      expect(second).toMatch(/its limit \(JOBGRAPH_MAX_SUBSCRIPTIONS=1\)/);
    } finally {
      await first.close();
    }
  });
});

describe('Subscription transports on the wire', () => {
  const sse = (body: unknown, token?: string) =>
    fetch(gw.server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });

  /** The one `next` event's payload of a stream refused once accepted, after checking the stream's shape. */
  const refusedEvent = async (
    res: Response,
  ): Promise<{ errors: { message: string; extensions: Record<string, unknown> }[] }> => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    const match = /^event: next\ndata: (.*)\n\nevent: complete\ndata:\n\n$/s.exec(text);
    expect(match, text).not.toBeNull();
    return JSON.parse(match?.[1] ?? '{}') as {
      errors: { message: string; extensions: Record<string, unknown> }[];
    };
  };

  it('answers SSE refusals on the accepted stream (graphql-sse protocol): `next` with the errors, then `complete`; an invalid token 401', async () => {
    const tooMany = await refusedEvent(
      await sse(
        { query: QUERY, variables: { ids: [ex.importexport, ex.panorama, ex.omics] } },
        gw.tokens.read,
      ),
    );
    expect(tooMany).toEqual({
      errors: [
        expect.objectContaining({
          message: expect.stringMatching(/JOBGRAPH_MAX_JOBS_PER_REQUEST/),
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      ],
    });
    const anonymous = await refusedEvent(
      await sse({ query: QUERY, variables: { ids: [RUNNING] } }),
    );
    expect(anonymous.errors[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    const badToken = await sse({ query: QUERY, variables: { ids: [RUNNING] } }, 'not.a.jwt');
    expect(badToken.status).toBe(401);
  });

  it('streams `event: next` then `event: complete` for a terminal job, as curl -N sees it', async () => {
    const res = await sse({ query: QUERY, variables: { ids: [ex.importexport] } }, gw.tokens.read);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text).toContain(
      `event: next\ndata: {"data":{"jobUpdates":{"id":"${ex.importexport}","state":"SUCCEEDED"}}}\n\n`,
    );
    expect(text).toMatch(/event: complete\n/);
  });

  it('answers a query over SSE as one `next` then `complete` through Apollo, and refuses a subscription sent as a plain POST', async () => {
    const res = await sse(
      { query: `{ job(id: "${ex.importexport}") { id state } }` },
      gw.tokens.read,
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      `event: next\ndata: {"data":{"job":{"id":"${ex.importexport}","state":"SUCCEEDED"}}}\n\nevent: complete\ndata:\n\n`,
    );
    const plain = await gql(gw, QUERY, { token: gw.tokens.read, variables: { ids: [RUNNING] } });
    expect(plain.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(plain.body.errors?.[0]?.message).toMatch(/Server-Sent Events/);
  });

  it('takes the WebSocket token from the upgrade request header too, refuses an invalid one (4401, saying why), and pings idle sockets', async () => {
    const viaHeader = subscribe(gw.server.url, 'ws', QUERY, {
      token: gw.tokens.read,
      variables: { ids: [ex.importexport] },
      tokenInUpgradeHeader: true,
    });
    expect(await viaHeader.next()).toMatchObject({ data: { jobUpdates: { state: 'SUCCEEDED' } } });
    expect(await viaHeader.next()).toBeNull();
    await viaHeader.close();
    const invalid = subscribe(gw.server.url, 'ws', QUERY, {
      token: 'not.a.jwt',
      variables: { ids: [RUNNING] },
    });
    await expect(invalid.next()).rejects.toMatchObject({
      code: 4401,
      reason: 'Unauthorized: The bearer token is not valid: it is not a JWT.',
    });
    await invalid.close();
  });

  it('sends WebSocket pings at the heartbeat interval', async () => {
    const { default: WebSocket } = await import('ws');
    const socket = new WebSocket(gw.server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    try {
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      socket.send(
        JSON.stringify({
          type: 'connection_init',
          payload: { Authorization: `Bearer ${gw.tokens.read}` },
        }),
      );
      await new Promise((resolve) => socket.once('ping', resolve));
    } finally {
      socket.close();
    }
  });
});

describe('A per-caller cap with many callers', () => {
  it('counts each token subject on its own', async () => {
    const claims = { issuer: gw.config.auth.issuer, audience: gw.config.auth.audience };
    const tokens = await Promise.all(
      ['a', 'b', 'c'].map((subject) =>
        mintToken({
          secret: gw.config.auth.jwtSecret as string,
          scopes: [SCOPE_READ],
          subject,
          ...claims,
        }),
      ),
    );
    const subs = tokens.map((token) =>
      subscribe(gw.server.url, 'sse', QUERY, { token, variables: { ids: [RUNNING] } }),
    );
    try {
      for (const s of subs)
        expect(await s.next()).toMatchObject({ data: { jobUpdates: { state: 'QUEUED' } } });
      expect(gw.server.subscriptions.hub.slots.open()).toBe(3);
    } finally {
      await Promise.all(subs.map((s) => s.close()));
    }
  });
});
