import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { beforeEach, describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { httpErrorHandler } from '../../src/http/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { clearCalls, LogCapture, upstreamCallCount } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { sendRaw } from '../support/rawHttp.ts';

const gw = useTestGateway();
beforeEach(() => clearCalls(gw));

interface Raw {
  status: number;
  contentType: string;
  text: string;
}

/** One request over node:http, so headers, bodies and URLs go out exactly as written (no fetch normalisation). */
async function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<Raw> {
  const url = new URL(base);
  const answer = await sendRaw({ host: url.hostname, port: url.port, method, path, headers }, body);
  return {
    status: answer.status,
    contentType: String(answer.headers['content-type'] ?? ''),
    text: answer.body,
  };
}

const JSON_CT = { 'content-type': 'application/json' };
const PREFLIGHT = { 'apollo-require-preflight': 'true' };
const body = (query: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ query, ...extra });
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type Case = [
  name: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
  status: number,
  code: string,
  message: RegExp,
];

/** Client mistakes, each a 4xx JSON answer with its code. */
const CASES: Case[] = [
  // Item 7: every syntax error is a parse failure, however it arrives.
  [
    'an unfinished document',
    'POST',
    '/graphql',
    JSON_CT,
    body('{ job('),
    400,
    'GRAPHQL_PARSE_FAILED',
    /^Syntax Error: Expected Name, found <EOF>\.$/,
  ],
  [
    'a blank document',
    'POST',
    '/graphql',
    JSON_CT,
    body(' '),
    400,
    'GRAPHQL_PARSE_FAILED',
    /^Syntax Error: Unexpected <EOF>\.$/,
  ],
  [
    'a stray character',
    'POST',
    '/graphql',
    JSON_CT,
    body('?'),
    400,
    'GRAPHQL_PARSE_FAILED',
    /^Syntax Error: Unexpected character: "\?"\.$/,
  ],
  [
    'an unterminated string',
    'POST',
    '/graphql',
    JSON_CT,
    body('{ job(id: "x) { id } }'),
    400,
    'GRAPHQL_PARSE_FAILED',
    /^Syntax Error: Unterminated string\.$/,
  ],
  [
    'a stray character in GET',
    'GET',
    '/graphql?query=%3F',
    PREFLIGHT,
    undefined,
    400,
    'GRAPHQL_PARSE_FAILED',
    /^Syntax Error:/,
  ],
  [
    'a bad percent-encoding in GET',
    'GET',
    '/graphql?query=%E0',
    PREFLIGHT,
    undefined,
    400,
    'GRAPHQL_PARSE_FAILED',
    /^Syntax Error:/,
  ],
  [
    'a half percent-escape in GET',
    'GET',
    '/graphql?query=%7B%',
    PREFLIGHT,
    undefined,
    400,
    'GRAPHQL_PARSE_FAILED',
    /^Syntax Error:/,
  ],
  // Item 8: errors the HTTP layer raises before Apollo.
  [
    'an unsupported charset',
    'POST',
    '/graphql',
    { 'content-type': 'application/json; charset=latin1' },
    body('{ __typename }'),
    415,
    'BAD_REQUEST',
    /charset is not supported/,
  ],
  [
    'an unknown charset',
    'POST',
    '/graphql',
    { 'content-type': 'application/json; charset=x-nonsense' },
    body('{ __typename }'),
    415,
    'BAD_REQUEST',
    /charset is not supported/,
  ],
  [
    'an unsupported Content-Encoding',
    'POST',
    '/graphql',
    { ...JSON_CT, 'content-encoding': 'x-bogus' },
    body('{ __typename }'),
    415,
    'BAD_REQUEST',
    /Content-Encoding is not supported/,
  ],
  [
    'a gzip body that is not gzip',
    'POST',
    '/graphql',
    { ...JSON_CT, 'content-encoding': 'gzip' },
    'not gzip at all',
    400,
    'BAD_REQUEST',
    /^Request body could not be read\.$/,
  ],
  [
    'a body that is not JSON',
    'POST',
    '/graphql',
    JSON_CT,
    '{"query": ',
    400,
    'BAD_REQUEST',
    /^Request body is not valid JSON\.$/,
  ],
  [
    'a JSON body in strict mode that is a bare string',
    'POST',
    '/graphql',
    JSON_CT,
    '"{ __typename }"',
    400,
    'BAD_REQUEST',
    /^Request body is not valid JSON\.$/,
  ],
  [
    'a body over the size limit',
    'POST',
    '/graphql',
    JSON_CT,
    body(`{ __typename } #${'x'.repeat(1024 * 1024)}`),
    413,
    'BAD_REQUEST',
    /^Request body is larger than 1048576 bytes \(JOBGRAPH_MAX_BODY_BYTES\)\.$/,
  ],
  [
    'a gzip body that inflates over the size limit',
    'POST',
    '/graphql',
    { ...JSON_CT, 'content-encoding': 'gzip' },
    gzipSync(body(`{ __typename } #${'x'.repeat(2 * 1024 * 1024)}`)),
    413,
    'BAD_REQUEST',
    /larger than/,
  ],
  [
    'a batch (HTTP batching is off)',
    'POST',
    '/graphql',
    JSON_CT,
    `[${body('{ __typename }')}]`,
    400,
    'BAD_REQUEST',
    /batching/i,
  ],
  [
    'an empty JSON object',
    'POST',
    '/graphql',
    JSON_CT,
    '{}',
    400,
    'BAD_REQUEST',
    /^POST body missing/,
  ],
  [
    'an empty query',
    'POST',
    '/graphql',
    JSON_CT,
    body(''),
    400,
    'BAD_REQUEST',
    /non-empty `query`/,
  ],
  [
    'a query that is not a string',
    'POST',
    '/graphql',
    JSON_CT,
    JSON.stringify({ query: 5 }),
    400,
    'BAD_REQUEST',
    /must be strings/,
  ],
  [
    'variables that are not an object',
    'POST',
    '/graphql',
    JSON_CT,
    JSON.stringify({ query: '{ __typename }', variables: [1] }),
    400,
    'BAD_REQUEST',
    /variables/,
  ],
  ['an unknown path', 'GET', '/graphql%E0', {}, undefined, 404, 'BAD_REQUEST', /^Not found/],
  [
    'an unknown route',
    'POST',
    '/admin',
    JSON_CT,
    body('{ __typename }'),
    404,
    'BAD_REQUEST',
    /^Not found/,
  ],
  [
    'a method /graphql does not serve',
    'PATCH',
    '/graphql',
    JSON_CT,
    body('{ __typename }'),
    405,
    'BAD_REQUEST',
    /supports only GET\/POST/,
  ],
  // Item 9: persisted queries and operation types the schema does not define.
  [
    'a persisted-query hash that does not match its query',
    'POST',
    '/graphql',
    JSON_CT,
    body('{ __typename }', {
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ other }') } },
    }),
    400,
    'BAD_REQUEST',
    /^provided sha does not match query$/,
  ],
  [
    'a persisted-query hash that is not hex',
    'POST',
    '/graphql',
    JSON_CT,
    body('{ __typename }', {
      extensions: { persistedQuery: { version: 1, sha256Hash: '<script>' } },
    }),
    400,
    'BAD_REQUEST',
    /does not match/,
  ],
  [
    'an unsupported persisted-query version',
    'POST',
    '/graphql',
    JSON_CT,
    body('{ __typename }', {
      extensions: { persistedQuery: { version: 2, sha256Hash: sha256('{ __typename }') } },
    }),
    400,
    'BAD_REQUEST',
    /^Unsupported persisted query version$/,
  ],
  [
    'a mutation field the schema lacks',
    'POST',
    '/graphql',
    JSON_CT,
    body('mutation { x }'),
    400,
    'GRAPHQL_VALIDATION_FAILED',
    /Cannot query field "x" on type "Mutation"/,
  ],
  [
    'a subscription field the schema lacks',
    'POST',
    '/graphql',
    JSON_CT,
    body('subscription { x }'),
    400,
    'GRAPHQL_VALIDATION_FAILED',
    /Cannot query field "x" on type "Subscription"/,
  ],
  [
    'a named mutation chosen by operationName',
    'POST',
    '/graphql',
    JSON_CT,
    body('query Q { __typename } mutation M { x }', { operationName: 'M' }),
    400,
    'GRAPHQL_VALIDATION_FAILED',
    /Cannot query field "x" on type "Mutation"/,
  ],
  [
    'a mutation over GET',
    'GET',
    `/graphql?query=${encodeURIComponent('mutation { cancelJob(id: "batch:us-east-1:x", reason: "r") { outcome } }')}`,
    PREFLIGHT,
    undefined,
    405,
    'BAD_REQUEST',
    /^GET requests only support query operations, not mutation operations$/,
  ],
];

describe('Every client mistake', () => {
  it.each(CASES)(
    'answers %s with JSON, its 4xx and its code, no stack, no path, no error-level log',
    async (_name, method, path, headers, payload, status, code, message) => {
      const before = gw.logs.lines.length;
      const res = await raw(gw.server.url, method, path, headers, payload);
      expect(res.status).toBe(status);
      expect(res.contentType).toMatch(/^application\/json/);
      const parsed = JSON.parse(res.text) as {
        data?: unknown;
        errors: { message: string; extensions: Record<string, unknown> }[];
      };
      expect(parsed.data ?? null).toBeNull();
      expect(parsed.errors).toHaveLength(1);
      expect(parsed.errors[0]?.message).toMatch(message);
      expect(parsed.errors[0]?.extensions).toEqual({ code });
      expect(res.text).not.toMatch(/<html|<pre|node_modules|\/work\/|\.ts:\d+|\.js:\d+|stack/i);
      expect(upstreamCallCount(gw)).toBe(0);
      const levels = gw.logs.lines
        .slice(before)
        .map((l) => (JSON.parse(l) as { level: number }).level);
      expect(levels.filter((l) => l >= 50)).toEqual([]);
    },
  );

  it('is answered while the server stays healthy for the next caller', async () => {
    const res = await raw(
      gw.server.url,
      'POST',
      '/graphql',
      { ...JSON_CT, authorization: `Bearer ${gw.tokens.read}` },
      body(`{ job(id: "${exampleGlobalIds().importexport}") { id } }`),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({
      data: { job: { id: exampleGlobalIds().importexport } },
    });
  });
});

describe('A persisted query', () => {
  it('registers with its correct hash and then runs by hash alone', async () => {
    const query = '{ __typename }';
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
    const first = await raw(
      gw.server.url,
      'POST',
      '/graphql',
      JSON_CT,
      body(query, { extensions }),
    );
    expect(JSON.parse(first.text)).toEqual({ data: { __typename: 'Query' } });
    const second = await raw(
      gw.server.url,
      'POST',
      '/graphql',
      JSON_CT,
      JSON.stringify({ extensions }),
    );
    expect(JSON.parse(second.text)).toEqual({ data: { __typename: 'Query' } });
  });

  it('unknown by hash is PERSISTED_QUERY_NOT_FOUND', async () => {
    const res = await raw(
      gw.server.url,
      'POST',
      '/graphql',
      JSON_CT,
      JSON.stringify({
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ nope }') } },
      }),
    );
    expect(JSON.parse(res.text).errors).toEqual([
      { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
    ]);
  });
});

describe('The HTTP error handler', () => {
  /** A bare Express app with only the handler, and routes that throw what nothing in jobgraph throws on purpose. */
  async function appWith(logs: LogCapture) {
    const app = express();
    app.get('/uri', () => {
      decodeURIComponent('%E0%A4%A');
    });
    app.get('/bug', () => {
      throw new Error('ECONNREFUSED https://internal.example/secret at /work/src/x.ts:12');
    });
    app.get('/teapot', () => {
      throw Object.assign(new Error('short and stout'), { status: 418, expose: true });
    });
    app.use(
      httpErrorHandler({ limits: { maxBodyBytes: 1024 } } as never, createLogger('info', [], logs)),
    );
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return {
      base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      close: () => new Promise<void>((r) => server.close(() => r())),
    };
  }

  it('answers a URIError as 400 BAD_REQUEST and anything unexpected as a JSON 500 with a logged correlation ID', async () => {
    const logs = new LogCapture();
    const { base, close } = await appWith(logs);
    try {
      const uri = await raw(base, 'GET', '/uri', {});
      expect(uri.status).toBe(400);
      expect(JSON.parse(uri.text)).toEqual({
        errors: [
          {
            message: 'Request URL is not valid percent-encoding.',
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      });

      const teapot = await raw(base, 'GET', '/teapot', {});
      expect(teapot.status).toBe(418);
      expect(JSON.parse(teapot.text).errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
      expect(teapot.text).not.toContain('short and stout'); // the library's words are not echoed

      const bug = await raw(base, 'GET', '/bug', {});
      expect(bug.status).toBe(500);
      expect(bug.contentType).toMatch(/^application\/json/);
      const parsed = JSON.parse(bug.text) as {
        errors: { message: string; extensions: { code: string; correlationId: string } }[];
      };
      expect(parsed.errors[0]?.message).toBe('Internal server error');
      expect(parsed.errors[0]?.extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(bug.text).not.toMatch(/ECONNREFUSED|internal\.example|\.ts:/);
      const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, any>);
      const errorLines = lines.filter((l) => l.level === 50);
      expect(errorLines).toEqual([
        expect.objectContaining({
          correlationId: parsed.errors[0]?.extensions.correlationId,
          msg: 'internal error',
        }),
      ]);
      expect(errorLines[0]?.err.message).toMatch(/ECONNREFUSED/); // the operator sees the cause
    } finally {
      await close();
    }
  });
});
