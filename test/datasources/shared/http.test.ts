import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAgents,
  destroyAgents,
  httpOrigin,
  httpRequest,
} from '../../../src/datasources/shared/http.ts';

describe('httpRequest', () => {
  let server: http.Server;
  let base: URL;
  const seen: { method: string; url: string; rawHeaders: string[]; body: string }[] = [];
  const agents = createAgents(4);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          rawHeaders: req.rawHeaders,
          body,
        });
        if (req.url === '/hang') return; // never answers
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(() => {
    destroyAgents(agents);
    server.close();
  });

  it('takes an origin apart once: IPv6 literals lose their brackets, the default port is none', () => {
    expect(httpOrigin(new URL('http://[::1]:8080/x'))).toEqual({
      https: false,
      hostname: '::1',
      port: 8080,
      host: '[::1]:8080',
    });
    expect(httpOrigin(new URL('https://example.com/'))).toEqual({
      https: true,
      hostname: 'example.com',
      port: undefined,
      host: 'example.com',
    });
  });

  it('sends the headers as given, the origin host when none is given, and the body with its length', async () => {
    seen.length = 0;
    const origin = httpOrigin(base);
    const res = await httpRequest(
      {
        method: 'POST',
        origin,
        path: '/p?q=1',
        headers: { 'x-amz-target': 'T', 'content-type': 'application/json' },
        body: 'héllo',
        timeoutMs: 5000,
        maxBodyBytes: 100,
      },
      agents,
    );
    expect(res).toMatchObject({ status: 200, body: '{"ok":true}' });
    const [got] = seen;
    expect(got).toMatchObject({ method: 'POST', url: '/p?q=1', body: 'héllo' });
    const headers = Object.fromEntries(
      (got?.rawHeaders ?? []).flatMap((v, i, all) =>
        i % 2 === 0 ? [[v.toLowerCase(), all[i + 1]]] : [],
      ),
    );
    expect(headers).toMatchObject({
      'x-amz-target': 'T',
      host: origin.host,
      'content-length': '6',
    });
  });

  it('keeps a signed host header as is', async () => {
    seen.length = 0;
    await httpRequest(
      {
        method: 'GET',
        origin: httpOrigin(base),
        path: '/',
        headers: { host: 'signed.example' },
        timeoutMs: 5000,
        maxBodyBytes: 100,
      },
      agents,
    );
    expect(seen[0]?.rawHeaders.filter((h) => h.toLowerCase() === 'host')).toHaveLength(1);
    expect(seen[0]?.rawHeaders).toContain('signed.example');
  });

  it('ends an exchange with an AbortError when its signal aborts, and at once when it already has', async () => {
    const controller = new AbortController();
    const pending = httpRequest(
      {
        method: 'GET',
        origin: httpOrigin(base),
        path: '/hang',
        headers: {},
        timeoutMs: 5000,
        maxBodyBytes: 100,
        signal: controller.signal,
      },
      agents,
    );
    while (!seen.some((s) => s.url === '/hang')) await new Promise((r) => setImmediate(r));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(
      httpRequest(
        {
          method: 'GET',
          origin: httpOrigin(base),
          path: '/',
          headers: {},
          timeoutMs: 5000,
          maxBodyBytes: 100,
          signal: AbortSignal.abort(),
        },
        agents,
      ),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
