import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { launchChromium } from '../support/browser.ts';
import { realPart } from '../support/realParts.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const ex = exampleGlobalIds();

/** A page server: an empty HTML page, so the page's origin is this server's. */
async function pageServer(host: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>'),
  );
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const chromiumPart = realPart('chromium');
let gw: TestGateway;
let browser: Browser;
let allowed: Awaited<ReturnType<typeof pageServer>>;
let other: Awaited<ReturnType<typeof pageServer>>;

beforeAll(async () => {
  // Two origins by address alone (127.0.0.0/8 is all loopback), so the browser resolves no name.
  [allowed, other] = await Promise.all([pageServer('127.0.0.1'), pageServer('127.0.0.2')]);
  gw = await startTestGateway({ JOBGRAPH_CORS_ORIGINS: allowed.origin });
  browser = await launchChromium(['127.0.0.1', '127.0.0.2']);
});
afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await Promise.all([allowed?.close(), other?.close()]);
});

/** In the page: a query with a bearer token, then a jobUpdates stream over SSE read to its end. */
async function callFrom(origin: string) {
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on('request', (r) => void requests.push(r.url()));
  try {
    await page.goto(origin);
    const outcome = await page.evaluate(
      async ({ url, token, id }) => {
        const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
        const result: { query?: unknown; stream?: string; error?: string } = {};
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers,
            body: JSON.stringify({ query: `{ job(id: "${id}") { id state } }` }),
          });
          result.query = await res.json();
          const stream = await fetch(url, {
            method: 'POST',
            headers: { ...headers, accept: 'text/event-stream' },
            body: JSON.stringify({
              query: 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }',
              variables: { ids: [id] },
            }),
          });
          result.stream = await stream.text();
        } catch (err) {
          result.error = String(err);
        }
        return result;
      },
      { url: gw.server.url, token: gw.tokens.read, id: ex.importexport },
    );
    return { outcome, requests };
  } finally {
    await page.close();
  }
}

describe.skipIf(chromiumPart.skip)('A browser page on another origin (Debian Chromium)', () => {
  it('calls jobgraph from an allowed origin: the query and the SSE stream both work', async () => {
    const { outcome, requests } = await callFrom(allowed.origin);
    expect(outcome.error).toBeUndefined();
    expect(outcome.query).toEqual({ data: { job: { id: ex.importexport, state: 'SUCCEEDED' } } });
    expect(outcome.stream).toContain(
      `event: next\ndata: {"data":{"jobUpdates":{"id":"${ex.importexport}","state":"SUCCEEDED"}}}`,
    );
    expect(outcome.stream).toMatch(/event: complete\ndata:\n\n$/);
    // Nothing but the page and jobgraph, both on this machine.
    for (const url of requests) expect(new URL(url).hostname).toBe('127.0.0.1');
  });

  it('is refused by the browser from an origin not allowed (no CORS header for it)', async () => {
    const { outcome } = await callFrom(other.origin);
    expect(outcome.query).toBeUndefined();
    expect(outcome.error).toMatch(/Failed to fetch/);
  });
});
