import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { SCOPE_READ } from '../../src/auth/identity.ts';
import { mintToken } from '../../src/auth/mintToken.ts';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { gql, upstreamCallCount } from '../support/gateway.ts';
import { openOperationSocket } from '../support/wsOperations.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

// A caller over its request rate (JOBGRAPH_CALLER_RATE) is answered 429 with Retry-After on every
// transport — HTTP POST and GET, SSE in both of graphql-sse's modes, WebSocket operations and
// upgrades — with no upstream call, while another caller is served. The rate is 3 a minute, 3 at
// once: the fourth request within the minute is over whatever the machine's speed, so nothing
// here depends on timing. Each test has callers of its own.

const SECRET = randomBytes(32).toString('base64url');
const JOB = `query { job(id: "${exampleGlobalIds().importexport}") { id state } }`;
const gw = useTestGateway({ JOBGRAPH_JWT_SECRET: SECRET, JOBGRAPH_CALLER_RATE: '3/60s' });

/** Every token and subject the tests used: none may reach a log line. */
const used: string[] = [];
const tokenFor = async (name: string) => {
  const subject = `${name}-${randomBytes(4).toString('hex')}`;
  const token = await mintToken({ secret: SECRET, scopes: [SCOPE_READ], subject });
  used.push(token, subject);
  return token;
};

/** A 429 as the rate answers it: Retry-After in whole seconds within the minute, and RATE_LIMITED with the wait in ms. */
async function expectRateLimited(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(20);
  const body = (await res.json()) as {
    errors: { message: string; extensions: Record<string, unknown> }[];
  };
  expect(body.errors).toHaveLength(1);
  const [error] = body.errors;
  expect(error?.extensions.code).toBe('RATE_LIMITED');
  expect(Math.ceil((error?.extensions.retryAfterMs as number) / 1000)).toBe(retryAfter);
  expect(error?.message).toMatch(/3 per 60 s.*JOBGRAPH_CALLER_RATE/);
}

const post = (token: string | undefined, query: string, accept = 'application/json') =>
  fetch(gw.server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query }),
  });

describe('The request rate per caller (JOBGRAPH_CALLER_RATE=3/60s)', () => {
  it('answers HTTP POST over the rate 429 with Retry-After and no upstream call, while another caller is served', async () => {
    const [over, other] = await Promise.all([tokenFor('post'), tokenFor('other')]);
    for (let i = 0; i < 3; i++) expect((await post(over, '{ __typename }')).status).toBe(200);
    const calls = upstreamCallCount(gw);
    await expectRateLimited(await post(over, JOB));
    expect(upstreamCallCount(gw)).toBe(calls);
    const served = await gql(gw, JOB, { token: other });
    expect(served.status).toBe(200);
    expect(served.body.errors).toBeUndefined();
  });

  it('counts GET requests too', async () => {
    const token = await tokenFor('get');
    const get = () =>
      fetch(`${gw.server.url}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      });
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
    await expectRateLimited(await get());
  });

  it("keys anonymous requests by the client's address, and counts neither /healthz, /metrics nor /console", async () => {
    const other = await tokenFor('named');
    for (let i = 0; i < 3; i++) expect((await post(undefined, '{ __typename }')).status).toBe(200);
    await expectRateLimited(await post(undefined, '{ __typename }'));
    expect((await post(other, '{ __typename }')).status).toBe(200);
    const base = new URL(gw.server.url).origin;
    for (const path of ['/healthz', '/metrics', '/console'])
      for (let i = 0; i < 4; i++) expect((await fetch(base + path)).status, path).not.toBe(429);
  });

  it('counts each SSE request of the distinct connections mode', async () => {
    const token = await tokenFor('sse');
    for (let i = 0; i < 3; i++) {
      const res = await post(token, '{ __typename }', 'text/event-stream');
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('event: complete');
    }
    await expectRateLimited(await post(token, '{ __typename }', 'text/event-stream'));
  });

  it("counts the single connection mode's reservation, stream and each operation, never a stop", async () => {
    const token = await tokenFor('single');
    const headers = (streamToken?: string) => ({
      authorization: `Bearer ${token}`,
      ...(streamToken ? { 'x-graphql-event-stream-token': streamToken } : {}),
    });
    const reserved = await fetch(gw.server.url, { method: 'PUT', headers: headers() });
    expect(reserved.status).toBe(201);
    const streamToken = await reserved.text();
    const stream = await fetch(gw.server.url, {
      headers: { ...headers(streamToken), accept: 'text/event-stream' },
    });
    expect(stream.status).toBe(200);
    const operation = (id: string) =>
      fetch(gw.server.url, {
        method: 'POST',
        headers: { ...headers(streamToken), 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }', extensions: { operationId: id } }),
      });
    expect((await operation('one')).status).toBe(202);
    await expectRateLimited(await operation('two'));
    // A stop only ends work: it is never refused for the rate.
    const stop = await fetch(`${gw.server.url}?operationId=one`, {
      method: 'DELETE',
      headers: headers(streamToken),
    });
    expect(stop.status).toBe(200);
    await stream.body?.cancel();
  });

  it('answers a WebSocket operation over the rate with an error message, and an upgrade by that caller 429', async () => {
    const [token, other] = await Promise.all([tokenFor('ws'), tokenFor('ws-other')]);
    const socket = await openOperationSocket(gw, token);
    for (const id of ['1', '2', '3'])
      expect((await socket.operation(id, '{ __typename }')).type).toBe('next');
    const calls = upstreamCallCount(gw);
    const refused = await socket.operation('4', JOB);
    expect(upstreamCallCount(gw)).toBe(calls);
    expect(refused.type).toBe('error');
    const [error] = refused.payload as { extensions: Record<string, unknown> }[];
    expect(error?.extensions.code).toBe('RATE_LIMITED');
    expect(error?.extensions.retryAfterMs).toBeGreaterThan(0);
    expect(error?.extensions.retryAfterMs).toBeLessThanOrEqual(20_000);
    socket.close();

    const upgrade = await upgradeStatus(token);
    expect(upgrade.status).toBe(429);
    expect(Number(upgrade.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(upgrade.retryAfter)).toBeLessThanOrEqual(20);
    expect((await upgradeStatus(other)).status).toBe(101);
    const served = await openOperationSocket(gw, other);
    expect((await served.operation('1', '{ __typename }')).type).toBe('next');
    served.close();
  });

  it('counts the refusals by transport in jobgraph_caller_rate_limited_total, naming no caller, and logs no token or subject', async () => {
    const logged = gw.logs.text();
    for (const secret of used) expect(logged).not.toContain(secret);
    const text = await (await fetch(new URL('/metrics', gw.server.url))).text();
    const lines = text
      .split('\n')
      .filter((l) => l.startsWith('jobgraph_caller_rate_limited_total'));
    for (const transport of ['http', 'sse', 'ws'])
      expect(
        lines.some(
          (l) =>
            l.startsWith(`jobgraph_caller_rate_limited_total{transport="${transport}"}`) &&
            Number(l.split(' ')[1]) >= 1,
        ),
        transport,
      ).toBe(true);
    expect(
      lines.every((l) =>
        /^jobgraph_caller_rate_limited_total\{transport="(http|sse|ws)"\} \d+$/.test(l),
      ),
    ).toBe(true); // HTTP refusals are GraphQL requests too, with their code as the outcome.
    expect(text).toMatch(
      /^jobgraph_graphql_requests_total\{operation_type="unknown",outcome="RATE_LIMITED"\} [1-9]/m,
    );
  });
});

describe('The request rate turned off (JOBGRAPH_CALLER_RATE=off)', () => {
  const off = useTestGateway({ JOBGRAPH_JWT_SECRET: SECRET, JOBGRAPH_CALLER_RATE: 'off' });

  it('refuses nobody', async () => {
    const token = await tokenFor('unlimited');
    for (let i = 0; i < 10; i++)
      expect((await gql(off, '{ __typename }', { token })).status).toBe(200);
  });
});

/** The status (and Retry-After) an upgrade carrying `token` in its Authorization header is answered with. */
function upgradeStatus(token: string): Promise<{ status: number; retryAfter?: string }> {
  const socket = new WebSocket(gw.server.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
    headers: { authorization: `Bearer ${token}` },
  });
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101 });
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string });
      res.resume();
    });
    socket.once('error', () => undefined);
  });
}
