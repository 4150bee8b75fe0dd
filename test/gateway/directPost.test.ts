import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '../../src/emulators/index.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

// A JSON POST to /graphql with a Content-Length goes straight to Apollo (server.ts, graphqlPost);
// every other request goes through Express. Both must answer the same request the same way.

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** POST over node:http; `chunked` sends the body without a Content-Length (so through Express). */
function post(path: string, headers: Record<string, string>, body: string, chunked = false): Promise<Answer> {
  const url = new URL(gw.server.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        headers: chunked ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (chunked) req.write(body);
    req.end(chunked ? undefined : body);
  });
}

/** What must not differ between the two paths. */
const shape = (a: Answer) => ({
  status: a.status,
  contentType: a.headers['content-type'],
  cacheControl: a.headers['cache-control'],
  wwwAuthenticate: a.headers['www-authenticate'],
  requestId: a.headers['x-request-id'],
  body: JSON.parse(a.text) as unknown,
});

const JOB = JSON.stringify({ query: `query One($id: ID!) { job(id: $id) { id state } }`, variables: { id: exampleGlobalIds().importexport } });

describe('The direct POST /graphql path', () => {
  it('answers as Express does: data, errors, 401s, request IDs, empty and non-JSON bodies', async () => {
    const auth = { authorization: `Bearer ${gw.tokens.read}` };
    const cases: [string, Record<string, string>, string, number][] = [
      ['a job', { 'content-type': 'application/json', 'x-request-id': 'req-1', ...auth }, JOB, 200],
      ['anonymous', { 'content-type': 'application/json', 'x-request-id': 'req-2' }, JOB, 200],
      ['a bad token', { 'content-type': 'application/json', 'x-request-id': 'req-3', authorization: 'Bearer abc' }, JOB, 401],
      ['an empty body', { 'content-type': 'application/json', 'x-request-id': 'req-4' }, '', 400],
      ['not JSON', { 'content-type': 'application/json', 'x-request-id': 'req-5' }, '{"query": ', 400],
      ['a JSON string', { 'content-type': 'application/json', 'x-request-id': 'req-6' }, '"{ __typename }"', 400],
      ['a batch', { 'content-type': 'application/json', 'x-request-id': 'req-7' }, `[${JOB}]`, 400],
      ['a byte-order mark', { 'content-type': 'application/json', 'x-request-id': 'req-8', ...auth }, `\uFEFF${JOB}`, 200],
      ['a query string', { 'content-type': 'application/json; charset=UTF-8', 'x-request-id': 'req-9', ...auth }, JOB, 200],
    ];
    for (const [name, headers, body, status] of cases) {
      const path = name === 'a query string' ? '/graphql?debug=1' : '/graphql';
      const direct = await post(path, headers, body);
      const viaExpress = await post(path, headers, body, true);
      expect([name, direct.status]).toEqual([name, status]);
      expect([name, shape(direct)]).toEqual([name, shape(viaExpress)]);
    }
  });

  it('marks every GraphQL response no-store', async () => {
    const res = await post('/graphql', { 'content-type': 'application/json' }, JSON.stringify({ query: '{ __typename }' }));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('keeps the connection alive across requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL(gw.server.url);
    const sockets = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          { host: url.hostname, port: url.port, method: 'POST', path: '/graphql', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            sockets.add(res.socket);
            res.resume().on('end', () => resolve());
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ query: '{ __typename }' }));
      });
    }
    agent.destroy();
    expect(sockets.size).toBe(1);
  });
});
