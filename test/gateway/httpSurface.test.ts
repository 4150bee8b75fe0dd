import { beforeEach, describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { clearCalls, upstreamCallCount } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const dev = useTestGateway();
const prod = useTestGateway({ JOBGRAPH_INTROSPECTION: 'false' });
beforeEach(() => {
  clearCalls(dev);
  clearCalls(prod);
});

const QUERY = JSON.stringify({ query: `{ job(id: "${exampleGlobalIds().importexport}") { id } }` });

describe('The Sandbox landing page', () => {
  it('is served on GET /graphql when introspection is on', async () => {
    const res = await fetch(dev.server.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('embeddable-sandbox');
  });

  it('is not served when introspection is off', async () => {
    // Without a preflight header CSRF prevention answers 400; with one, there is no HTML to negotiate: 406.
    for (const [headers, status] of [
      [{ accept: 'text/html' }, 400],
      [{ accept: 'text/html', 'apollo-require-preflight': 'true' }, 406],
    ] as const) {
      const res = await fetch(prod.server.url, { headers });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).not.toMatch(/html/);
      expect(await res.text()).not.toMatch(/sandbox/i);
    }
  });
});

describe('CSRF prevention', () => {
  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'refuses a POST with content-type %s, which a browser sends cross-site without a preflight',
    async (contentType) => {
      for (const gw of [dev, prod]) {
        const res = await fetch(gw.server.url, {
          method: 'POST',
          headers: { 'content-type': contentType },
          body: QUERY,
        });
        expect(res.status).toBe(400);
        const body = (await res.json()) as {
          data?: unknown;
          errors: { message: string; extensions: { code: string } }[];
        };
        expect(body.data).toBeUndefined();
        expect(body.errors).toEqual([
          {
            message: expect.stringMatching(/blocked as a potential Cross-Site Request Forgery/),
            extensions: { code: 'BAD_REQUEST' },
          },
        ]);
        expect(upstreamCallCount(gw)).toBe(0);
      }
    },
  );

  it('refuses a GET query without a preflight-forcing header', async () => {
    const res = await fetch(`${prod.server.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/Cross-Site Request Forgery/);
  });

  it('answers the same POST sent as application/json', async () => {
    const res = await fetch(prod.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${prod.tokens.read}` },
      body: QUERY,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { job: { id: string } } }).data.job.id).toBe(
      exampleGlobalIds().importexport,
    );
  });
});
