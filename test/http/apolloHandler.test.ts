import http from 'node:http';
import { parse as urlParse } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { searchOf } from '../../src/http/apolloHandler.ts';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { sendRaw } from '../support/rawHttp.ts';

const ex = exampleGlobalIds();
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => gw?.close());

const QUERY = `query One($id: ID!) { job(id: $id) { id state } }`;

function post(body: string, headers: Record<string, string> = {}) {
  const url = new URL(gw.server.url);
  return sendRaw(
    {
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${gw.tokens.read}`,
        ...headers,
      },
    },
    body,
  );
}

function get(search: string, headers: Record<string, string> = {}) {
  const url = new URL(gw.server.url);
  return sendRaw({
    host: url.hostname,
    port: url.port,
    path: `${url.pathname}${search}`,
    headers: { authorization: `Bearer ${gw.tokens.read}`, ...headers },
  });
}

describe("/graphql's answer from Apollo Server", () => {
  it('reads the query string of a target as url.parse did, as Apollo reads it (URLSearchParams)', () => {
    const targets = [
      '/',
      '/graphql',
      '/?',
      '/?query=%7B__typename%7D',
      '/?query={__typename}&variables={"id":"a b"}',
      "/?query=q'&x=1#fragment?y=2",
      '/graphql?a=1&a=2&b=%2B+c',
      '/?a=^`|\\',
    ];
    for (const target of targets) {
      const ours = [...new URLSearchParams(searchOf(target))];
      expect(ours, target).toEqual([...new URLSearchParams(urlParse(target).search ?? '')]);
    }
    expect(searchOf('/graphql')).toBe('');
    expect(searchOf('/?a=1#b')).toBe('?a=1');
  });

  it("writes a POST's answer whole with Apollo's and jobgraph's headers, its length, and no ETag", async () => {
    const answer = await post(JSON.stringify({ query: QUERY, variables: { id: ex.panorama } }), {
      'x-request-id': 'post-1',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-request-id']).toBe('post-1');
    expect(answer.headers.vary).toMatch(/\bOrigin\b/);
    expect(answer.headers.etag).toBeUndefined();
    expect(JSON.parse(answer.body)).toEqual({
      data: { job: { id: ex.panorama, state: 'SUCCEEDED' } },
    });

    // A refused request is written the same way, with Apollo's status and formatted errors.
    const refused = await post(JSON.stringify({ query: '{ nope }' }), { 'x-request-id': 'post-2' });
    expect(refused.status).toBe(400);
    expect(refused.headers['x-request-id']).toBe('post-2');
    expect(Number(refused.headers['content-length'])).toBe(Buffer.byteLength(refused.body));
    expect(refused.headers.etag).toBeUndefined();
    expect(
      (JSON.parse(refused.body) as { errors: { extensions: { code: string } }[] }).errors[0]
        ?.extensions.code,
    ).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('sets each header of an answer once: the request ID by the middleware that reads it, not again by Apollo', async () => {
    const setHeader = vi.spyOn(http.ServerResponse.prototype, 'setHeader');
    try {
      const answer = await post(JSON.stringify({ query: QUERY, variables: { id: ex.omics } }), {
        'x-request-id': 'once-1',
      });
      expect(answer.status).toBe(200);
      expect(answer.headers['x-request-id']).toBe('once-1');
      // The gateway and the test's client share the process: only the answers' headers count.
      const names = setHeader.mock.calls
        .filter((_, i) => setHeader.mock.contexts[i] instanceof http.ServerResponse)
        .map(([name]) => name.toLowerCase());
      expect(names.filter((n) => n === 'x-request-id')).toEqual(['x-request-id']);
      expect(new Set(names).size).toBe(names.length);
      // Node writes content-length, date and keep-alive itself, without setHeader's checks.
      expect(names.sort()).toEqual(['cache-control', 'content-type', 'vary', 'x-request-id']);
    } finally {
      setHeader.mockRestore();
    }
  });

  it("keeps express's ETag and 304 for a GET's answer, which a client may revalidate", async () => {
    const search = `?query=${encodeURIComponent(QUERY)}&variables=${encodeURIComponent(JSON.stringify({ id: ex.panorama }))}`;
    const first = await get(search);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({
      data: { job: { id: ex.panorama, state: 'SUCCEEDED' } },
    });
    expect(first.headers.etag).toMatch(/^W\/"/);
    const again = await get(search, { 'if-none-match': first.headers.etag as string });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });
});
