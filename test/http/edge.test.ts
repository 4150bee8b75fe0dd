import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { originAllowed } from '../../src/http/cors.ts';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const ex = exampleGlobalIds();
const APP = 'https://app.example.com';

let demo: TestGateway;
let listed: TestGateway;
beforeAll(async () => {
  [demo, listed] = await Promise.all([
    startTestGateway(),
    startTestGateway({ JOBGRAPH_CORS_ORIGINS: `${APP}, https://other.example.com` }),
  ]);
});
afterAll(async () => Promise.all([demo?.close(), listed?.close()]));

const preflight = (gw: TestGateway, origin: string) =>
  fetch(gw.server.url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe('CORS (JOBGRAPH_CORS_ORIGINS)', () => {
  it('reads the variable: none by default live, loopback in the demo, a list or *; a path or a bad origin stops the start', () => {
    expect(loadConfig({ mode: 'live' }, {}).corsOrigins).toEqual([]);
    expect(loadConfig({ mode: 'demo' }, {}).corsOrigins).toBe('loopback');
    expect(loadConfig({ mode: 'live' }, { JOBGRAPH_CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(
      loadConfig({ mode: 'live' }, { JOBGRAPH_CORS_ORIGINS: `${APP},http://localhost:5173` })
        .corsOrigins,
    ).toEqual([APP, 'http://localhost:5173']);
    for (const bad of [
      'https://app.example.com/',
      'app.example.com',
      'ftp://x.example.com',
      'https://a.example.com/path',
      // Patterns would match nothing (origins are compared whole): refused, not silently kept.
      'https://*.example.com',
      'http://localhost:*',
      '*.example.com',
    ]) {
      expect(() => loadConfig({ mode: 'live' }, { JOBGRAPH_CORS_ORIGINS: bad })).toThrow(
        /JOBGRAPH_CORS_ORIGINS/,
      );
    }
    expect(originAllowed('loopback', 'http://localhost:5173')).toBe(true);
    expect(originAllowed('loopback', 'http://127.0.0.1:8080')).toBe(true);
    expect(originAllowed('loopback', 'http://localhost.evil.example')).toBe(false);
    expect(originAllowed('loopback', 'https://example.com')).toBe(false);
  });

  it('answers an allowed origin’s preflight 204 with its origin, the methods and headers, and Vary: Origin', async () => {
    const res = await preflight(listed, APP);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST,PUT,DELETE');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/content-type/);
    // A browser page's mutations carry Idempotency-Key (docs/actions.md): the console's do.
    expect(res.headers.get('access-control-allow-headers')?.split(',')).toContain(
      'idempotency-key',
    );
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });

  it('gives an origin not allowed no CORS header, on the preflight and on the request, but Vary: Origin on both', async () => {
    for (const origin of ['https://evil.example.com', 'http://localhost:3000']) {
      const pre = await preflight(listed, origin);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      // A shared cache keyed without Origin would hand this refusal to an allowed origin too.
      expect(pre.headers.get('vary')).toMatch(/Origin/);
      const res = await fetch(listed.server.url, {
        method: 'POST',
        headers: {
          origin,
          'content-type': 'application/json',
          authorization: `Bearer ${listed.tokens.read}`,
        },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('vary')).toMatch(/Origin/);
    }
  });

  it('allows loopback origins in the demo, on queries and event streams alike', async () => {
    const origin = 'http://localhost:5173';
    expect((await preflight(demo, origin)).headers.get('access-control-allow-origin')).toBe(origin);
    const stream = await fetch(demo.server.url, {
      method: 'POST',
      headers: {
        origin,
        accept: 'text/event-stream',
        'content-type': 'application/json',
        authorization: `Bearer ${demo.tokens.read}`,
      },
      body: JSON.stringify({
        query: 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id } }',
        variables: { ids: [ex.importexport] },
      }),
    });
    expect(stream.headers.get('access-control-allow-origin')).toBe(origin);
    expect(await stream.text()).toContain('event: complete');
  });
});

describe('CSRF prevention that fits bearer tokens', () => {
  const search = new URLSearchParams({ query: `{ job(id: "${ex.importexport}") { id } }` });

  it('serves a GET query that carries Authorization, and refuses one without (no preflight-forcing header)', async () => {
    const withToken = await fetch(`${demo.server.url}?${search}`, {
      headers: { authorization: `Bearer ${demo.tokens.read}` },
    });
    expect(withToken.status).toBe(200);
    expect(await withToken.json()).toEqual({ data: { job: { id: ex.importexport } } });
    const anonymous = await fetch(`${demo.server.url}?${search}`);
    expect(anonymous.status).toBe(400);
    expect(
      ((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0]
        ?.extensions.code,
    ).toBe('BAD_REQUEST');
  });

  it('keeps GET query-only', async () => {
    const res = await fetch(
      `${demo.server.url}?${new URLSearchParams({ query: 'subscription { jobUpdates(ids: ["x"]) { id } }' })}`,
      {
        headers: { authorization: `Bearer ${demo.tokens.read}`, accept: 'application/json' },
      },
    );
    expect(res.status).toBe(405);
  });
});

describe('Content type by Accept, for Apollo and for jobgraph’s own error answers', () => {
  it('answers application/graphql-response+json when asked, application/json otherwise', async () => {
    const post = (accept: string, token = demo.tokens.read) =>
      fetch(demo.server.url, {
        method: 'POST',
        headers: { accept, 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
    expect((await post('application/graphql-response+json')).headers.get('content-type')).toMatch(
      /^application\/graphql-response\+json/,
    );
    expect((await post('application/json')).headers.get('content-type')).toMatch(
      /^application\/json/,
    );
    const refused = await post('application/graphql-response+json', 'not.a.jwt');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    const missing = await fetch(new URL('/nope', demo.server.url), {
      headers: { accept: 'application/graphql-response+json' },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
  });
});
