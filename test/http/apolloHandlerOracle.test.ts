import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { makeExecutableSchema } from '@graphql-tools/schema';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apolloHandler } from '../../src/http/apolloHandler.ts';
import { sendRaw, type RawHttpAnswer } from '../support/rawHttp.ts';

/**
 * The oracle of src/http/apolloHandler.ts: `@as-integrations/express5`, the library whose steps it
 * takes. One Apollo Server behind both, each behind express.json as /graphql is; every request
 * goes to both over real HTTP, and the answers must be the same — status, body and every header —
 * but for what the handler leaves out on purpose: a POST's ETag (and the date).
 */
const schema = makeExecutableSchema({
  typeDefs: /* GraphQL */ `
    type Query {
      hello(name: String): String
      fail: String
    }
    type Mutation {
      touch: Int
    }
  `,
  resolvers: {
    Query: {
      hello: (_: unknown, { name }: { name?: string }) => `hello ${name ?? 'world'}`,
      fail: () => {
        throw new Error('resolver failed');
      },
    },
    Mutation: { touch: () => 1 },
  },
});

const apollo = new ApolloServer<{ caller: string }>({ schema, allowBatchedHttpRequests: false });
const context = async () => ({ caller: 'oracle' });
let server: http.Server;
let port = 0;

beforeAll(async () => {
  await apollo.start();
  const app = express();
  app.use(express.json());
  app.use('/library', expressMiddleware(apollo, { context }));
  app.use(
    '/ours',
    apolloHandler(apollo, () => context()),
  );
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await apollo.stop();
});

interface Case {
  name: string;
  method: string;
  search?: string;
  headers?: Record<string, string>;
  body?: string;
}

const json = { 'content-type': 'application/json' };
const preflight = { 'apollo-require-preflight': 'true' };
const q = (query: string, extra = '') => `?query=${encodeURIComponent(query)}${extra}`;

const CASES: Case[] = [
  { name: 'a POST query', method: 'POST', headers: json, body: '{"query":"{ hello }"}' },
  {
    name: 'a POST with variables and an operation name',
    method: 'POST',
    headers: json,
    body: JSON.stringify({
      query: 'query A($n: String) { hello(name: $n) } query B { hello }',
      operationName: 'A',
      variables: { n: 'ö ✓' },
    }),
  },
  { name: 'a syntax error', method: 'POST', headers: json, body: '{"query":"{ hello"}' },
  { name: 'a validation error', method: 'POST', headers: json, body: '{"query":"{ nope }"}' },
  { name: "a resolver's error", method: 'POST', headers: json, body: '{"query":"{ fail }"}' },
  {
    name: 'a POST mutation',
    method: 'POST',
    headers: json,
    body: '{"query":"mutation { touch }"}',
  },
  { name: 'a batch refused', method: 'POST', headers: json, body: '[{"query":"{ hello }"}]' },
  { name: 'no query', method: 'POST', headers: json, body: '{}' },
  {
    name: 'a simple cross-site POST refused by CSRF prevention',
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: '{"query":"{ hello }"}',
  },
  {
    name: 'the GraphQL over HTTP media type',
    method: 'POST',
    headers: { ...json, accept: 'application/graphql-response+json' },
    body: '{"query":"{ nope }"}',
  },
  { name: 'a GET query', method: 'GET', search: q('{ hello }'), headers: preflight },
  {
    name: 'a GET with variables',
    method: 'GET',
    search: q(
      'query($n: String) { hello(name: $n) }',
      `&variables=${encodeURIComponent('{"n":"x y"}')}`,
    ),
    headers: preflight,
  },
  {
    name: 'a GET mutation refused',
    method: 'GET',
    search: q('mutation { touch }'),
    headers: preflight,
  },
  { name: 'a GET refused by CSRF prevention', method: 'GET', search: q('{ hello }') },
  { name: 'a GET without a query', method: 'GET', headers: preflight },
  { name: "a browser's GET: the landing page", method: 'GET', headers: { accept: 'text/html' } },
  { name: 'a HEAD', method: 'HEAD', search: q('{ hello }'), headers: preflight },
  { name: 'a PUT refused', method: 'PUT', headers: json, body: '{"query":"{ hello }"}' },
];

function send(path: string, c: Case, extra: Record<string, string> = {}): Promise<RawHttpAnswer> {
  return sendRaw(
    {
      host: '127.0.0.1',
      port,
      path: `${path}${c.search ?? ''}`,
      method: c.method,
      headers: { ...c.headers, ...extra },
    },
    c.body,
  );
}

/** A landing page's CSP nonce, new in every answer (and so is its page's ETag). */
const NONCE = /nonce([-=]"?)[0-9a-f]+/g;

/** An answer as compared: what the handler leaves out on purpose taken out of the library's. */
function comparable(answer: RawHttpAnswer, method: string) {
  const { date: _date, etag, ...headers } = answer.headers;
  const body = answer.body.replace(NONCE, 'nonce$1…');
  const sameEtag = body === answer.body ? etag : etag !== undefined;
  return {
    status: answer.status,
    body,
    headers: method === 'POST' ? headers : { ...headers, etag: sameEtag },
  };
}

describe('apolloHandler answers as @as-integrations/express5 does', () => {
  it.each(CASES)('$name', async (c) => {
    const library = await send('/library', c);
    const ours = await send('/ours', c);
    expect(comparable(ours, c.method)).toEqual(comparable(library, c.method));
    // What it leaves out: a POST's ETag (no client revalidates an answer to a POST).
    if (c.method === 'POST') expect(ours.headers.etag).toBeUndefined();
  });

  it("answers a GET's revalidation with the library's 304", async () => {
    const c: Case = {
      name: 'revalidated',
      method: 'GET',
      search: q('{ hello }'),
      headers: preflight,
    };
    const etag = (await send('/library', c)).headers.etag as string;
    expect(etag).toMatch(/^W\//);
    const library = await send('/library', c, { 'if-none-match': etag });
    const ours = await send('/ours', c, { 'if-none-match': etag });
    expect(library.status).toBe(304);
    expect(comparable(ours, 'GET')).toEqual(comparable(library, 'GET'));
  });
});
