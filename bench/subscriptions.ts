/**
 * `node --expose-gc --import tsx bench/subscriptions.ts` (about a minute): what `Subscription.jobUpdates` costs.
 *
 * 1. Upstream calls per watched job per minute, for 1 and for 200 subscribers of one running job
 *    that does not change (the poller backs off from JOBGRAPH_WATCH_POLL_MS towards
 *    JOBGRAPH_WATCH_MAX_POLL_MS): an in-process demo gateway whose pollers run on a virtual clock,
 *    moved through one minute poll by poll, so the figure does not depend on this machine's speed.
 * 2. Memory per open subscription: a live gateway started by the rig (bench/rig/stack.ts, the
 *    emulators in their own process); its RSS before and after
 *    opening BENCH_SUBSCRIPTIONS (1000) subscriptions over one graphql-ws connection and over
 *    BENCH_SSE_SUBSCRIPTIONS (200) SSE connections, read from /proc (Linux).
 *
 * 3. With `node --expose-gc`: heap per open subscription below the transports, after a full GC.
 *
 * Prints one JSON object.
 */
import { DEFAULT_ACCOUNTS_ONLY } from '../src/auth/accountGrant.ts';
import { parse, subscribe as graphqlSubscribe } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startDemo } from '../src/app.ts';
import { SCOPE_READ } from '../src/auth/identity.ts';
import { mintToken } from '../src/auth/mintToken.ts';
import { ManualScheduler } from '../test/support/scheduler.ts';
import { subscribe } from '../test/support/subscriptions.ts';
import { logger, release, runBench, startStack } from './rig/stack.ts';

const JOB = 'INPG1'; // Import/Export, InProgress: running, and the demo data never changes it
const ID = `importexport:${JOB}`;
const QUERY = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }';

async function callsPerMinute(subscribers: number): Promise<number> {
  const clock = new ManualScheduler();
  const gw = await startDemo({
    port: 0,
    env: { LOG_LEVEL: 'silent', JOBGRAPH_CACHE_MAX_ENTRIES: '0' },
    watchScheduler: clock,
  });
  try {
    const claims = { issuer: gw.config.auth.issuer, audience: gw.config.auth.audience };
    const secret = gw.config.auth.jwtSecret as string;
    const tokens = await Promise.all(
      Array.from({ length: subscribers }, (_, i) =>
        mintToken({ secret, scopes: [SCOPE_READ], subject: `bench-${i}`, ...claims }),
      ),
    );
    const subs = tokens.map((token) =>
      subscribe(gw.server.url, 'sse', QUERY, { token, variables: { ids: [ID] } }),
    );
    await Promise.all(subs.map((s) => s.next()));
    const end = clock.now() + 60_000;
    for (;;) {
      // Each subscription's token-expiry timer, plus the poller's next poll.
      await clock.timersPending(subscribers + 1);
      if (clock.now() + (clock.pending()[0] as number) > end) break;
      const before = gw.emulators.importexport.calls.length;
      clock.fireNext();
      while (gw.emulators.importexport.calls.length === before)
        await new Promise((r) => setImmediate(r));
    }
    const calls = gw.emulators.importexport.calls.filter((c) => c.job === JOB).length;
    await Promise.all(subs.map((s) => s.close()));
    return calls;
  } finally {
    await gw.close();
  }
}

async function memoryPerSubscription(wsCount: number, sseCount: number) {
  const stack = await startStack();
  const gateway = await stack.gateway({
    label: 'subscriptions',
    extraEnv: { JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER: '100000' },
  });
  const { url } = gateway;
  const { token } = stack;
  const rssKb = () => gateway.rss() / 1024;
  try {
    // Warm up: one subscription of each kind, so code loading is not counted.
    const warm = subscribe(url, 'sse', QUERY, { token, variables: { ids: [ID] } });
    await warm.next();
    const before = rssKb();
    const ws = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const wsIterators = Array.from({ length: wsCount }, () =>
      ws.iterate({ query: QUERY, variables: { ids: [ID] } }),
    );
    await Promise.all(wsIterators.map((it) => it.next()));
    const afterWs = rssKb();
    const sse = Array.from({ length: sseCount }, () =>
      subscribe(url, 'sse', QUERY, { token, variables: { ids: [ID] } }),
    );
    await Promise.all(sse.map((s) => s.next()));
    const afterSse = rssKb();
    await Promise.all([
      ...wsIterators.map((it) => it.return?.()),
      ...sse.map((s) => s.close()),
      warm.close(),
    ]);
    await ws.dispose();
    return {
      rssBeforeMb: Math.round(before / 102.4) / 10,
      wsSubscriptions: wsCount,
      kbPerWsSubscription: Math.round(((afterWs - before) / wsCount) * 10) / 10,
      sseSubscriptions: sseCount,
      kbPerSseSubscription: Math.round(((afterSse - afterWs) / sseCount) * 10) / 10,
    };
  } finally {
    await release(gateway);
    await release(stack.emulators);
  }
}

/**
 * Heap per open subscription below the transports (the hub's stream, its poller share and
 * graphql-js's subscription), after a full GC: needs `node --expose-gc`; null without it.
 */
async function heapPerSubscription(count: number): Promise<number | null> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  const gw = await startDemo({
    port: 0,
    env: {
      LOG_LEVEL: 'silent',
      JOBGRAPH_CACHE_MAX_ENTRIES: '0',
      JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER: String(count + 1),
    },
    watchScheduler: new ManualScheduler(),
  });
  try {
    const hub = gw.server.subscriptions.hub;
    const identity = {
      authenticated: true,
      subject: 'bench',
      scopes: new Set([SCOPE_READ]),
      accounts: DEFAULT_ACCOUNTS_ONLY,
      expiresAt: Date.now() + 3_600_000,
    };
    const document = parse(QUERY);
    const open = () =>
      graphqlSubscribe({
        schema: gw.built.schema,
        document,
        variableValues: { ids: [ID] },
        contextValue: hub.context(identity, 'bench'),
      }) as Promise<AsyncIterableIterator<unknown>>;
    await (await open()).next();
    gc();
    const before = process.memoryUsage().heapUsed;
    const iterators = await Promise.all(Array.from({ length: count }, open));
    await Promise.all(iterators.map((it) => it.next()));
    gc();
    const bytes = (process.memoryUsage().heapUsed - before) / count;
    await Promise.all(iterators.map(async (it) => it.return?.()));
    return Math.round(bytes);
  } finally {
    await gw.close();
  }
}

async function main(): Promise<void> {
  const heapBytes = await heapPerSubscription(2000);
  const one = await callsPerMinute(1);
  const many = await callsPerMinute(200);
  const memory = await memoryPerSubscription(
    Number(process.env.BENCH_SUBSCRIPTIONS ?? 1000),
    Number(process.env.BENCH_SSE_SUBSCRIPTIONS ?? 200),
  );
  process.stdout.write(
    `${JSON.stringify({ upstreamCallsPerJobPerMinute: { subscribers1: one, subscribers200: many }, pollMs: 2000, maxPollMs: 30000, heapBytesPerSubscriptionBelowTransport: heapBytes, memory }, null, 2)}\n`,
  );
}

runBench(logger('subscriptions'), main);
