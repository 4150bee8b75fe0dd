import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DATA, exampleGlobalIds } from '../../src/emulators/index.ts';
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

  it('runs a known query as Apollo does: the same bytes, status, headers, log line and metric, first time and again', async () => {
    const ex = exampleGlobalIds();
    const read = { authorization: `Bearer ${gw.tokens.read}` };
    const body = (query: string, variables?: unknown, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ query, ...(variables ? { variables } : {}), ...extra });
    const ONE = `query One($id: ID!) { job(id: $id) { id provider state terminal createdAt } }`;
    const LIST = `query Many($ids: [ID!]!) { jobs(ids: $ids) { id provider state terminal } }`;
    /** `n` distinct well-formed Import/Export job IDs that no demo job has. */
    const importExportIds = (n: number) => Array.from({ length: n }, (_, i) => `importexport:JOB${i}`);
    const SECRET = `query Secret($id: ID!) { job(id: $id) { id ... on CodePipelineJob { continuationToken } } }`;
    const cases: [string, Record<string, string>, string][] = [
      ['a job', read, body(ONE, { id: ex.importexport })],
      ['a job, named', read, body(ONE, { id: ex.cosbatch }, { operationName: 'One' })],
      ['a job, null operation name and variables', read, JSON.stringify({ query: `{ job(id: "${ex.omics}") { id } }`, operationName: null, variables: null })],
      ['a malformed ID', read, body(ONE, { id: 'nope' })],
      ['a missing job', read, body(ONE, { id: DEMO_DATA.importexport.ERROR_CASE_GLOBAL_IDS.notFound })],
      ['a secret field without the scope', read, body(SECRET, { id: ex.codepipeline })],
      ['a secret field anonymously', {}, body(SECRET, { id: ex.codepipeline })],
      ['a secret field with the scope', { authorization: `Bearer ${gw.tokens.secrets}` }, body(SECRET, { id: ex.codepipeline })],
      ['graphql-response+json', { ...read, accept: 'application/graphql-response+json' }, body(ONE, { id: ex.importexport })],
      ['any media type', { ...read, accept: '*/*' }, body(ONE, { id: ex.importexport })],
      ['an unacceptable media type', { ...read, accept: 'text/html' }, body(ONE, { id: ex.importexport })],
      ['a negotiated media type', { ...read, accept: 'application/graphql-response+json, application/json;q=0.9' }, body(ONE, { id: ex.importexport })],
      ['a variable of the wrong type', read, body(ONE, { id: 5 })],
      ['a missing variable', read, body(ONE)],
      ['an unknown operation name', read, body(ONE, { id: ex.importexport }, { operationName: 'Two' })],
      ['two operations, none named', read, body(`${ONE} query Two { __typename }`, { id: ex.importexport })],
      ['an invalid document', read, body('{ job(id: "x") { nope } }')],
      ['a syntax error', read, body('{ job(id: ')],
      ['an APQ hash alone', read, JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } })],
      ['APQ with its query', read, body('{ __typename }', undefined, { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } })],
      ['introspection', read, body('{ __schema { queryType { name } } }')],
      ['over the job budget', read, body(LIST, { ids: importExportIds(101) })],
      [
        'a list of jobs: found, missing, malformed and repeated IDs',
        read,
        body(LIST, { ids: [...Object.values(ex), DEMO_DATA.importexport.ERROR_CASE_GLOBAL_IDS.notFound, 'nope', ex.omics] }),
      ],
      ['a list of jobs at the job budget', read, body(LIST, { ids: importExportIds(100) })],
      ['a list of jobs given one ID', read, body(LIST, { ids: ex.importexport })],
      ['a list of jobs, a variable of the wrong type', read, body(LIST, { ids: [{}] })],
      [
        'entities',
        read,
        body(`query E($r: [_Any!]!) { _entities(representations: $r) { ... on Job { id state } } }`, {
          r: [{ __typename: 'CosBatchJob', id: ex.cosbatch }, { __typename: 'ImportExportJob', nativeId: 'nope' }, { __typename: 'Nope' }],
        }),
      ],
      ['__typename', {}, body('{ __typename }')],
      ['an extra body key', read, body(ONE, { id: ex.importexport }, { foo: 1 })],
      ['an inline trace for a router', { ...read, 'apollo-federation-include-trace': 'ftv1' }, body(ONE, { id: ex.importexport })],
    ];
    const metric = async () =>
      (await (await fetch(new URL('/metrics', gw.server.url))).text())
        .split('\n')
        .filter((l) => l.startsWith('jobgraph_graphql_requests_total'))
        .sort();
    const logLine = (requestId: string) => {
      const lines = gw.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.requestId === requestId && l.msg === 'graphql request');
      return lines.map(({ time: _t, durationMs: _d, ...rest }) => rest);
    };
    let n = 0;
    for (const [name, extra, text] of cases) {
      for (const round of [1, 2]) {
        const headers = { 'content-type': 'application/json', ...extra };
        const id = `known-${++n}`;
        const before = await metric();
        const viaExpress = await post('/graphql', { ...headers, 'x-request-id': `${id}-e` }, text, true);
        const afterExpress = await metric();
        const direct = await post('/graphql', { ...headers, 'x-request-id': `${id}-d` }, text);
        const afterDirect = await metric();
        const label = `${name} (${round})`;
        // An upstream's own request ID differs per call; nothing else may.
        // So does an inline trace's (its timings); it must be there on both paths when asked for.
        const same = (a: Answer) => ({
          ...a,
          text: a.text.replace(/"upstreamRequestId":"[^"]*"/g, '"upstreamRequestId":"…"').replace(/"ftv1":"[^"]*"/g, '"ftv1":"…"'),
        });
        if (extra['apollo-federation-include-trace']) expect(direct.text).toContain('"ftv1":"');
        expect([label, { ...shape(same(direct)), requestId: null }]).toEqual([label, { ...shape(same(viaExpress)), requestId: null }]);
        expect([label, same(direct).text]).toEqual([label, same(viaExpress).text]);
        expect([label, logLine(`${id}-d`)]).toEqual([label, logLine(`${id}-e`).map((l) => ({ ...l, requestId: `${id}-d` }))]);
        // Each path adds the same sample to the same series.
        expect([label, afterDirect.filter((l) => !afterExpress.includes(l)).map((l) => l.replace(/ \d+$/, ''))]).toEqual([
          label,
          afterExpress.filter((l) => !before.includes(l)).map((l) => l.replace(/ \d+$/, '')),
        ]);
      }
    }
  });
});
