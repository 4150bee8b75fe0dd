import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

/** What a browser sends when it opens a page (Chromium's navigation Accept). */
const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

let on: TestGateway;
let off: TestGateway;
beforeAll(async () => {
  [on, off] = await Promise.all([
    startTestGateway(),
    startTestGateway({ JOBGRAPH_CONSOLE: 'off', JOBGRAPH_METRICS: 'off' }),
  ]);
});
afterAll(async () => Promise.all([on?.close(), off?.close()]));

const root = (gw: TestGateway, accept?: string) =>
  fetch(new URL('/', gw.server.url), {
    redirect: 'manual',
    ...(accept ? { headers: { accept } } : {}),
  });

describe('GET /', () => {
  it('sends a browser to the jobs console when it is on, by a relative redirect', async () => {
    const res = await root(on, BROWSER_ACCEPT);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('console');
    // The redirect lands on the console page.
    const page = await fetch(new URL(res.headers.get('location') as string, res.url));
    // 200, or 503 "run npm run build" when run from the sources without a build.
    expect([200, 503]).toContain(page.status);
    expect(new URL(page.url).pathname).toBe('/console');
  });

  it('answers any other client JSON naming what is served', async () => {
    for (const accept of [undefined, '*/*', 'application/json']) {
      const res = await root(on, accept);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({
        name: 'jobgraph',
        graphql: '/graphql',
        console: '/console',
        metrics: '/metrics',
        health: '/healthz',
        ready: '/readyz',
      });
    }
  });

  it('links only what is on when the console is off: a small page for a browser, JSON otherwise', async () => {
    const page = await root(off, BROWSER_ACCEPT);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<a href="graphql">/graphql</a>');
    expect(html).not.toContain('href="console"');
    expect(html).not.toContain('href="metrics"');
    expect(await (await root(off)).json()).toEqual({
      name: 'jobgraph',
      graphql: '/graphql',
      health: '/healthz',
      ready: '/readyz',
    });
  });

  it('says in its page that Sandbox needs the internet', async () => {
    // The demo (introspection on) serves Sandbox on /graphql; with the console off a browser gets the page.
    const html = await (await root(off, BROWSER_ACCEPT)).text();
    expect(html).toMatch(
      /Apollo Sandbox in a browser \(loaded from Apollo’s CDN: needs the internet\)/,
    );
  });
});
