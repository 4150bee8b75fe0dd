// The SSRF guard of notification targets (src/notifications/ssrfGuard.ts): each refused target is
// refused before any connection — counted at a local server and at the request function — and
// never is traffic sent beyond loopback: the refused addresses are refused, not tried.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockedAddressKind,
  HostGate,
  postToTarget,
  TargetConnections,
  TargetError,
  targetUrlRefusal,
  type Resolver,
} from '../../src/notifications/ssrfGuard.ts';

interface Local {
  server: http.Server;
  port: number;
  connections: number;
  requests: { host: string | undefined; url: string | undefined }[];
}

async function local(handler: http.RequestListener): Promise<Local> {
  const l: Local = { server: http.createServer(), port: 0, connections: 0, requests: [] };
  l.server.on('request', (req, res) => {
    l.requests.push({ host: req.headers.host, url: req.url });
    handler(req, res);
  });
  l.server.on('connection', () => (l.connections += 1));
  await new Promise<void>((r) => l.server.listen(0, '127.0.0.1', r));
  l.port = (l.server.address() as AddressInfo).port;
  return l;
}

/** http.request, counting the connections it is asked to make. */
function countedRequest() {
  const counted = {
    calls: 0,
    request: ((...args: Parameters<typeof http.request>) => {
      counted.calls += 1;
      return http.request(...args);
    }) as typeof http.request,
  };
  return counted;
}

/** A resolver answering from `names` (no real DNS), counting its lookups. */
function resolverOf(names: Record<string, string>) {
  const r = {
    lookups: 0,
    resolve: (async (host: string) => {
      r.lookups += 1;
      const address = names[host];
      if (address === undefined) throw new Error('ENOTFOUND');
      return [{ address, family: address.includes(':') ? 6 : 4 }];
    }) as Resolver,
  };
  return r;
}

async function refusal(p: Promise<unknown>): Promise<TargetError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TargetError);
  return e as TargetError;
}

describe('The notification targets guard', () => {
  let ok: Local;
  let other: Local;
  let redirecting: Local;
  beforeAll(async () => {
    ok = await local((_req, res) => res.writeHead(200).end('ok'));
    other = await local((_req, res) => res.writeHead(200).end('ok'));
    redirecting = await local((_req, res) =>
      res.writeHead(302, { location: `http://localhost:${other.port}/internal` }).end(),
    );
  });
  afterAll(async () => {
    for (const l of [ok, other, redirecting]) await new Promise((r) => l.server.close(r));
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'unique-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:7f00:1', 'loopback'],
    ['::', 'unspecified'],
    ['ff02::1', 'multicast'],
  ])('calls %s a %s address', (address, kind) => {
    expect(blockedAddressKind(address)).toBe(kind);
  });

  it('lets a public address through', () => {
    expect(blockedAddressKind('93.184.215.14')).toBeNull();
    expect(blockedAddressKind('2606:4700::1111')).toBeNull();
  });

  it('refuses plain http and credentials in the URL unless the host is allowed', () => {
    expect(targetUrlRefusal('http://hooks.example.com/x', [])).toContain('https');
    expect(targetUrlRefusal('http://hooks.example.com/x', ['hooks.example.com:80'])).toBeNull();
    expect(targetUrlRefusal('http://hooks.example.com/x', ['hooks.example.com:443'])).toContain(
      'https',
    );
    expect(targetUrlRefusal('https://user:pw@hooks.example.com/x', [])).toContain('user');
    expect(targetUrlRefusal('https://hooks.example.com/x', [])).toBeNull();
  });

  it('refuses 127.0.0.1 with a clear error and no connection', async () => {
    const counted = countedRequest();
    const e = await refusal(
      postToTarget(`https://127.0.0.1:${ok.port}/hook`, {}, '{}', {
        allowHosts: [],
        timeoutMs: 5000,
        request: counted.request,
      }),
    );
    expect(e.kind).toBe('refused');
    expect(e.message).toContain('loopback');
    expect(e.message).not.toContain('/hook');
    expect(counted.calls).toBe(0);
    expect(ok.connections).toBe(0);
  });

  it.each([
    ['https://169.254.169.254/latest/meta-data/', 'link-local'],
    ['https://10.0.0.5/hook', 'private'],
    ['https://[fd00:ec2::254]/latest', 'unique-local'],
    ['https://[::ffff:10.0.0.5]/hook', 'private'],
  ])('refuses %s (%s) with no connection', async (url, kind) => {
    const counted = countedRequest();
    const e = await refusal(
      postToTarget(url, {}, '{}', { allowHosts: [], timeoutMs: 5000, request: counted.request }),
    );
    expect(e.kind).toBe('refused');
    expect(e.message).toContain(kind);
    expect(counted.calls).toBe(0);
  });

  it('refuses a name resolving to a loopback or private address, checked at the attempt, with no connection', async () => {
    const names = resolverOf({ 'hooks.example.test': '127.0.0.1', 'db.example.test': '10.2.3.4' });
    const counted = countedRequest();
    for (const url of ['https://hooks.example.test/hook', 'https://db.example.test/hook']) {
      const e = await refusal(
        postToTarget(url, {}, '{}', {
          allowHosts: [],
          timeoutMs: 5000,
          resolve: names.resolve,
          request: counted.request,
        }),
      );
      expect(e.kind).toBe('refused');
      // The host's kind of address, never the address it resolved to.
      expect(e.message).toMatch(/resolves to a (loopback|private) address/);
      expect(e.message).not.toMatch(/127\.0\.0\.1|10\.2\.3\.4/);
    }
    expect(names.lookups).toBe(2);
    expect(counted.calls).toBe(0);
    expect(ok.connections).toBe(0);
  });

  it('follows no redirect: a 302 to an internal address is an answer, and nothing connects there', async () => {
    const answer = await postToTarget(`http://127.0.0.1:${redirecting.port}/hook`, {}, '{}', {
      allowHosts: ['127.0.0.1:*'],
      timeoutMs: 5000,
    });
    expect(answer.status).toBe(302);
    expect(redirecting.requests).toHaveLength(1);
    expect(other.connections).toBe(0);
  });

  it('connects to the address it checked, looking the name up once, with the Host the URL names', async () => {
    const names = resolverOf({ 'receiver.test': '127.0.0.1' });
    const before = ok.requests.length;
    const answer = await postToTarget(`http://receiver.test:${ok.port}/hook`, {}, '{"a":1}', {
      allowHosts: ['receiver.test:*'],
      timeoutMs: 5000,
      resolve: names.resolve,
    });
    expect(answer.status).toBe(200);
    expect(names.lookups).toBe(1);
    expect(ok.requests.slice(before)).toEqual([{ host: `receiver.test:${ok.port}`, url: '/hook' }]);
  });

  it('reads at most 64 KiB of an answer that never ends, then drops it', async () => {
    const endless = await local((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 120);
      const write = () => {
        while (res.write(chunk));
      };
      res.on('drain', write);
      write();
    });
    try {
      const answer = await postToTarget(`http://127.0.0.1:${endless.port}/`, {}, '{}', {
        allowHosts: ['127.0.0.1:*'],
        timeoutMs: 60_000,
      });
      expect(answer.status).toBe(200);
    } finally {
      endless.server.closeAllConnections();
      await new Promise((r) => endless.server.close(r));
    }
  });

  it('ends an attempt that gets no answer as a timeout', async () => {
    const silent = await local(() => undefined);
    try {
      const e = await refusal(
        postToTarget(`http://127.0.0.1:${silent.port}/`, {}, '{}', {
          allowHosts: ['127.0.0.1:*'],
          timeoutMs: 100,
        }),
      );
      expect(e.kind).toBe('timeout');
    } finally {
      silent.server.closeAllConnections();
      await new Promise((r) => silent.server.close(r));
    }
  });

  it('keeps at most its bound of attempts in flight to one host', async () => {
    const gate = new HostGate(2);
    const a = await gate.enter('h');
    const b = await gate.enter('h');
    let third = false;
    const c = gate.enter('h').then((release) => {
      third = true;
      return release;
    });
    await new Promise((r) => setImmediate(r));
    expect(third).toBe(false);
    expect(gate.active('h')).toBe(2);
    a();
    (await c)();
    expect(third).toBe(true);
    b();
    expect(gate.active('h')).toBe(0);
  });

  it('keeps a connection for the next attempt only while the name answers the address it was made to', async () => {
    const first = await local((_req, res) => res.writeHead(200).end('ok'));
    // A second server at the same port on another loopback address: where the name moves to.
    const moved = await new Promise<Local>((resolve) => {
      const l: Local = {
        server: http.createServer(),
        port: first.port,
        connections: 0,
        requests: [],
      };
      l.server.on('request', (req, res) => {
        l.requests.push({ host: req.headers.host, url: req.url });
        res.writeHead(200).end('ok');
      });
      l.server.on('connection', () => (l.connections += 1));
      l.server.listen(first.port, '127.0.0.2', () => resolve(l));
    });
    const answers = { 'receiver.test': '127.0.0.1' };
    const names = resolverOf(answers);
    const connections = new TargetConnections();
    const post = () =>
      postToTarget(`http://receiver.test:${first.port}/hook`, {}, '{}', {
        allowHosts: ['receiver.test:*'],
        timeoutMs: 5000,
        resolve: names.resolve,
        connections,
      });
    for (let i = 0; i < 3; i++) expect((await post()).status).toBe(200);
    // Resolved and checked at each attempt; one connection made, kept for the next.
    expect([names.lookups, first.requests.length, first.connections]).toEqual([3, 3, 1]);
    answers['receiver.test'] = '127.0.0.2';
    await post();
    expect([first.requests.length, moved.requests.length, moved.connections]).toEqual([3, 1, 1]);
    connections.close();
    await Promise.all([first, moved].map((l) => new Promise((r) => l.server.close(r))));
  });
});
