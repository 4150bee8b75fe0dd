import { createHook } from 'node:async_hooks';
import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { panorama } from '../../../src/datasources/panorama/index.ts';
import type { AttemptObserver } from '../../../src/datasources/shared/attempts.ts';
import {
  createAgents,
  destroyAgents,
  httpOrigin,
  httpRequest,
} from '../../../src/datasources/shared/http.ts';
import { handMadeRetryPolicy, retryUpstream } from '../../../src/datasources/shared/retry.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { createPanoramaEmulator } from '@jobgraph/emulators/panorama/emulator';
import { UpstreamError } from '../../../src/errors.ts';
import { loadFixture } from '../../support/fixtures.ts';
import { PANORAMA_TEST_KEY } from '../../support/keys.ts';
import { useEmulator } from '../../support/useEmulator.ts';

/**
 * The common path of an upstream call (no retry, breaker closed, no rate budget): what one call
 * arms and adds, counted — one deadline, one abort listener, no retry machinery — never how long
 * it takes.
 */
describe('An upstream call on the common path', () => {
  const emulator = useEmulator(createPanoramaEmulator);
  const missing = { ...PANORAMA_TEST_KEY, jobId: 'pkgimport-0000000000000000' };
  const outcomes: string[] = [];
  const observer: AttemptObserver = {
    start: () => (result) => outcomes.push(result.outcome),
  };
  const source = () =>
    createSource(panorama, {
      endpoint: emulator.url,
      credentials: { ...DEMO_AWS_CREDENTIALS },
      timeoutMs: 5000,
      maxAttempts: 3,
      maxSockets: 4,
      observer,
    });

  afterEach(() => {
    vi.restoreAllMocks();
    outcomes.length = 0;
  });

  it('arms one timer and adds one abort listener per call, and leaves none behind', async () => {
    const jobs = source();
    try {
      // The first call of a region resolves its endpoint and starts the pool's sweep: not counted.
      await jobs.fetchJob(PANORAMA_TEST_KEY);
      outcomes.length = 0;
      const timers = vi.spyOn(globalThis, 'setTimeout');
      for (const key of [PANORAMA_TEST_KEY, missing, PANORAMA_TEST_KEY]) {
        const controller = new AbortController();
        const listeners = vi.spyOn(controller.signal, 'addEventListener');
        const before = timers.mock.calls.length;
        const call = jobs.fetchJob(key, { signal: controller.signal });
        await call.catch(() => undefined);
        expect(timers.mock.calls.length - before).toBe(1);
        expect(listeners.mock.calls.map(([type]) => type)).toEqual(['abort']);
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      }
      // Each call one attempt, told to the observer once: NOT_FOUND is an answer, not retried.
      expect(outcomes).toEqual(['ok', 'NOT_FOUND', 'ok']);
      await expect(jobs.fetchJob(missing)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      jobs.close?.();
    }
  });

  it('makes a handful of promises per call, not one per layer', async () => {
    // An upstream that answers in the same turn, with no promise of its own (the emulator makes
    // some), so that every promise counted is the call's.
    const { status, headers, body } = loadFixture('panorama', 'success-full');
    const upstream = http.createServer((_req, res) => res.writeHead(status, headers).end(body));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const jobs = createSource(panorama, {
      endpoint: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      credentials: { ...DEMO_AWS_CREDENTIALS },
      timeoutMs: 5000,
      maxAttempts: 3,
      maxSockets: 4,
      observer,
    });
    let promises = 0;
    const hook = createHook({
      init(_id, type) {
        if (type === 'PROMISE') promises += 1;
      },
    });
    try {
      await jobs.fetchJob(PANORAMA_TEST_KEY);
      // Every warm call makes the same promises; the process may make others meanwhile (the test
      // runner's messages to its workers), so the fewest seen over a few calls is the call's.
      const counts: number[] = [];
      for (let i = 0; i < 5; i++) {
        promises = 0;
        hook.enable();
        await jobs.fetchJob(PANORAMA_TEST_KEY);
        hook.disable();
        counts.push(promises);
      }
      // The call's own and its credentials' (3), the exchange's (1), the retry's step for the first
      // attempt's value (1), the attempt's read (1), this test's await (1). Through the per-layer
      // async functions of before issue 60 it was 17.
      expect(Math.min(...counts)).toBeLessThanOrEqual(8);
    } finally {
      hook.disable();
      jobs.close?.();
      upstream.closeAllConnections();
      upstream.close();
    }
  });

  it('enters the retry loop (its jitter and sleep) only once an attempt has failed', async () => {
    const random = vi.fn(() => 0);
    const sleep = vi.fn(() => Promise.resolve());
    const policy = handMadeRetryPolicy(
      { maxAttempts: 3, timeoutMs: 1000, budgetMs: 5000 },
      { random, sleep },
    );
    const attempts: number[] = [];
    await expect(
      retryUpstream((_ms, n) => {
        attempts.push(n);
        return Promise.resolve('value');
      }, policy),
    ).resolves.toBe('value');
    expect([attempts, random.mock.calls.length, sleep.mock.calls.length]).toEqual([[1], 0, 0]);

    attempts.length = 0;
    const unavailable = new UpstreamError({
      provider: 'AWS_PANORAMA',
      code: 'UPSTREAM_UNAVAILABLE',
      message: 'down',
      retryable: true,
    });
    await expect(
      retryUpstream((_ms, n) => {
        attempts.push(n);
        return n === 1 ? Promise.reject(unavailable) : Promise.resolve('second');
      }, policy),
    ).resolves.toBe('second');
    expect([attempts, random.mock.calls.length, sleep.mock.calls.length]).toEqual([[1, 2], 1, 1]);
  });
});

/** Raw answers for the body reader: what a server sends, byte for byte, then whether it closes. */
describe('httpRequest reading a body with one listener pair', () => {
  let server: http.Server;
  let base: URL;
  const sockets = new Set<Socket>();
  const agents = createAgents(4);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/cut') {
        // Declares 100 bytes, sends 10, closes: the body ends before its end.
        res.writeHead(200, { 'content-length': '100' });
        res.write('0123456789', () => res.socket?.destroy());
        return;
      }
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': '1000' });
        res.end('x'.repeat(1000));
        return;
      }
      if (req.url === '/streamed') {
        res.writeHead(200);
        res.write('x'.repeat(60));
        res.end('y'.repeat(60));
        return;
      }
      res.writeHead(200);
      res.write('{"a":');
      res.end('1}');
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(() => {
    destroyAgents(agents);
    for (const socket of sockets) socket.destroy();
    server.close();
  });

  const get = (path: string) =>
    httpRequest(
      {
        method: 'GET',
        origin: httpOrigin(base),
        path,
        headers: {},
        timeoutMs: 5000,
        maxBodyBytes: 100,
      },
      agents,
    );

  it('reads a body sent in chunks whole', async () => {
    await expect(get('/chunks')).resolves.toMatchObject({ status: 200, body: '{"a":1}' });
  });

  it('refuses a declared length over the cap, and a streamed body once it passes the cap', async () => {
    await expect(get('/declared')).rejects.toMatchObject({ name: 'BodyTooLargeError' });
    await expect(get('/streamed')).rejects.toMatchObject({ name: 'BodyTooLargeError' });
  });

  it('ends a body cut short by a closed connection with ECONNRESET', async () => {
    await expect(get('/cut')).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});
