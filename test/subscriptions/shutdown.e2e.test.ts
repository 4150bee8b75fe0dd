import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type ClientOptions } from 'graphql-ws';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { emulatorEnvironment, startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { startTestGateway } from '../support/gateway.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import {
  movableImportExportJob,
  subscribe,
  TRANSPORTS,
  WatchedUpdates,
} from '../support/subscriptions.ts';
import { startTcpProxy } from '../support/tcpProxy.ts';
import { freePort } from '../support/rawHttp.ts';

const QUERY = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }';

describe.each(TRANSPORTS)('Shutting down with open subscriptions over %s', (transport) => {
  it('ends every open stream without `complete` (WebSocket: close 1012 Service Restart), so the client knows to reconnect', async () => {
    const clock = new ManualScheduler();
    const gw = await startTestGateway({}, { watchScheduler: clock });
    const sub = subscribe(gw.server.url, transport, QUERY, {
      token: gw.tokens.read,
      variables: { ids: ['importexport:PNDG1'] },
    });
    let closed = false;
    try {
      expect(await sub.next()).toMatchObject({ data: { jobUpdates: { state: 'QUEUED' } } });
      // No retries in this client: an end without `complete` is an error it reports, not a completion.
      const ended = sub.next().then(
        (event) => ({ completed: event === null }),
        () => ({ completed: false }),
      );
      await gw.close();
      closed = true;
      expect(await ended).toEqual({ completed: false });
      if (transport === 'ws')
        expect(sub.closes).toEqual([{ code: 1012, reason: 'Service Restart' }]);
      expect(gw.server.subscriptions.hub.open()).toBe(0);
      expect(gw.server.subscriptions.hub.registry.size()).toBe(0);
      expect(clock.pending()).toEqual([]);
    } finally {
      await sub.close();
      if (!closed) await gw.close();
    }
  });
});

// Two kinds of restart, each with real jobgraph processes (live mode, the compiled CLI) in front of
// emulators that this test process runs, so that every process answers the same upstream job and
// the test moves it by hand. The processes share what resuming needs: the token key (the same token
// is valid on each) and the upstreams.

const SHARED_SECRET = 'a-token-key-the-replicas-share-of-at-least-32-characters';
const WATCHED = 'PNDG1';
const PAYLOAD = { query: QUERY, variables: { ids: [`importexport:${WATCHED}`] } };
const QUEUED = { id: `importexport:${WATCHED}`, state: 'QUEUED' };
const SUCCEEDED = { id: `importexport:${WATCHED}`, state: 'SUCCEEDED' };

/** A jobgraph process's environment: live mode against `emulators`, polling fast so the test is short. */
function processEnv(emulators: EmulatorSet, port = 0): Record<string, string> {
  return {
    ...emulatorEnvironment(emulators),
    HOST: '127.0.0.1',
    PORT: String(port),
    JOBGRAPH_JWT_SECRET: SHARED_SECRET,
    JOBGRAPH_WATCH_POLL_MS: '50',
    JOBGRAPH_WATCH_MAX_POLL_MS: '50',
    JOBGRAPH_SHUTDOWN_GRACE_MS: '3000',
  };
}

/**
 * Run `test` with the emulators and the watched job, then undo what it started: its `cleanups` in
 * reverse, its `processes` killed, the job and the emulators as they were.
 */
async function withEmulators(
  test: (run: {
    emulators: EmulatorSet;
    job: ReturnType<typeof movableImportExportJob>;
    processes: LiveProcess[];
    cleanups: (() => unknown)[];
  }) => Promise<void>,
): Promise<void> {
  const emulators = await startEmulators();
  const job = movableImportExportJob(WATCHED);
  const processes: LiveProcess[] = [];
  const cleanups: (() => unknown)[] = [];
  try {
    await test({ emulators, job, processes, cleanups });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
    for (const p of processes) p.child.kill('SIGKILL');
    job.restore();
    await emulators.close();
  }
}

/** Each client saw the job's state, the same state again once it resumed, and its end; no error. */
function expectResumedOnce(...watched: WatchedUpdates[]): void {
  for (const w of watched) {
    expect({ client: w.name, updates: w.updates, errors: w.errors }).toEqual({
      client: w.name,
      updates: [QUEUED, QUEUED, SUCCEEDED],
      errors: [],
    });
  }
}

/** A graphql-ws client of `url`, the token in its `connection_init`, on its defaults but for `options`. */
function wsClientOf(url: string, authorization: string, options: Partial<ClientOptions> = {}) {
  return createWsClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: authorization },
    ...options,
  });
}

/** What one client's subscription delivered, and the connection attempts refused while nothing listened. */
class Watched extends WatchedUpdates {
  /** Connection attempts that failed while nothing listened (counted by the test). */
  refusals = 0;

  refused(): void {
    this.refusals++;
    this.changed();
  }
}

describe('The official clients across a SIGTERM of one of two replicas (a rolling deploy)', () => {
  it('resume on their defaults on the replica that goes on serving, and see the job finish there', async () => {
    await withEmulators(async ({ emulators, job, processes, cleanups }) => {
      const env = processEnv(emulators);
      const a = await startLiveProcess(env);
      processes.push(a);
      const b = await startLiveProcess(env);
      processes.push(b);
      const proxy = await startTcpProxy([a.port, b.port]);
      cleanups.push(() => proxy.close());
      const url = `http://127.0.0.1:${proxy.port}/graphql`;
      const authorization = `Bearer ${await mintToken({ secret: SHARED_SECRET, scopes: ['jobs:read'] })}`;
      const sse = new Watched('graphql-sse');
      const ws = new Watched('graphql-ws');
      // Each client on its defaults (retries included), as an app makes it.
      const sseClient = createSseClient({ url, headers: { Authorization: authorization } });
      const wsClient = wsClientOf(url, authorization);
      cleanups.push(
        sseClient.subscribe(PAYLOAD, sse.sink),
        wsClient.subscribe(PAYLOAD, ws.sink),
        () => sseClient.dispose(),
        () => wsClient.dispose(),
      );
      await Promise.all(
        [sse, ws].map((w) => w.until('its first event', () => w.updates.length === 1)),
      );
      // Every connection so far went to A, the first replica in the balancer's list.
      expect(new Set(proxy.forwarded)).toEqual(new Set([a.port]));
      const beforeSigterm = proxy.forwarded.length;

      // A terminates: the balancer takes it out of its list (new connections go to B) and it gets SIGTERM.
      proxy.retire(a.port);
      a.child.kill('SIGTERM');
      // Each client resubscribed by itself and got the job's current state again, from B.
      await Promise.all(
        [sse, ws].map((w) => w.until('the current state from B', () => w.updates.length === 2)),
      );
      expect(await a.exited).toEqual([0, null]);
      expect(new Set(proxy.forwarded.slice(beforeSigterm))).toEqual(new Set([b.port]));

      // The job finishes upstream: B's poller sees it, and each stream ends with `complete`.
      job.setProgress('Complete');
      await Promise.all([sse, ws].map((w) => w.until('complete', () => w.completed)));
      expectResumedOnce(sse, ws);
    });
  });
});

describe('The official clients across a restart of the only process', () => {
  it('resume once a new process serves the port again: graphql-sse on its defaults, graphql-ws with shouldRetry: () => true', async () => {
    await withEmulators(async ({ emulators, job, processes, cleanups }) => {
      const env = processEnv(emulators, await freePort());
      const first = await startLiveProcess(env);
      processes.push(first);
      const url = first.url;
      const authorization = `Bearer ${await mintToken({ secret: SHARED_SECRET, scopes: ['jobs:read'] })}`;
      let nothingListens = false;
      const sse = new Watched('graphql-sse');
      const ws = new Watched('graphql-ws with shouldRetry: () => true');
      const wsOnDefaults = new Watched('graphql-ws on its defaults');

      // graphql-sse on its defaults: 5 retries of any network error or non-2xx answer, after
      // 1 s, 2 s, 4 s, 8 s, 16 s (each + 0.3–3 s). The fetch is the global one it uses by
      // default, wrapped only to count the attempts refused while no process listens.
      const sseClient = createSseClient({
        url,
        headers: { Authorization: authorization },
        fetchFn: (input: RequestInfo | URL, init?: RequestInit) =>
          fetch(input, init).catch((err: unknown) => {
            if (nothingListens) sse.refused();
            throw err;
          }),
      });
      // graphql-ws with the setting docs/clients.md gives for one process: retry a refused
      // connection too. For the test, retry every 50 ms for as long as the restart takes.
      const wsClient = wsClientOf(url, authorization, {
        shouldRetry: () => true,
        retryAttempts: Infinity,
        retryWait: () => new Promise((resolve) => setTimeout(resolve, 50)),
        on: { error: () => void (nothingListens && ws.refused()) },
      });
      // graphql-ws on its defaults, for contrast: a refused connection is fatal to it.
      const wsDefaultsClient = wsClientOf(url, authorization);
      cleanups.push(
        sseClient.subscribe(PAYLOAD, sse.sink),
        wsClient.subscribe(PAYLOAD, ws.sink),
        wsDefaultsClient.subscribe(PAYLOAD, wsOnDefaults.sink),
        () => sseClient.dispose(),
        () => wsClient.dispose(),
        () => wsDefaultsClient.dispose(),
      );
      await Promise.all(
        [sse, ws, wsOnDefaults].map((w) =>
          w.until('its first event', () => w.updates.length === 1),
        ),
      );

      first.child.kill('SIGTERM');
      expect(await first.exited).toEqual([0, null]);
      nothingListens = true;
      // Each client tried to reconnect while the port was closed; graphql-ws on its defaults gave up
      // at its first failed attempt (refused, or 503 while the first process was still draining).
      await Promise.all([
        sse.until('a refused attempt', () => sse.refusals > 0),
        ws.until('a refused attempt', () => ws.refusals > 0),
        wsOnDefaults.until('its error', () => wsOnDefaults.errors.length > 0, {
          mayEnd: true,
        }),
      ]);
      expect(wsOnDefaults.errors).toHaveLength(1);
      expect(String((wsOnDefaults.errors[0] as { message?: unknown }).message)).toMatch(
        /ECONNREFUSED|Unexpected server response: 503/,
      );

      const second = await startLiveProcess(env);
      processes.push(second);
      nothingListens = false;
      expect(second.url).toBe(first.url);
      await Promise.all(
        [sse, ws].map((w) =>
          w.until('the current state from the new process', () => w.updates.length === 2),
        ),
      );
      job.setProgress('Complete');
      await Promise.all([sse, ws].map((w) => w.until('complete', () => w.completed)));
      expectResumedOnce(sse, ws);
      expect({ updates: wsOnDefaults.updates, completed: wsOnDefaults.completed }).toEqual({
        updates: [QUEUED],
        completed: false,
      });
    });
  });
});
