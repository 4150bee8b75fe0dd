import net from 'node:net';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { startTestGateway } from '../support/gateway.ts';
import { startDemoProcess } from '../support/demoProcess.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import { subscribe, TRANSPORTS } from '../support/subscriptions.ts';

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

/** A free loopback port, for two processes to take one after the other. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('The official clients across a SIGTERM of the serving process', () => {
  it('reconnect on their defaults to the process that takes its place and go on receiving the job', async () => {
    const port = String(await freePort());
    // Two replicas of the demo in turn on one address, sharing the token key as replicas do.
    const env = {
      PORT: port,
      JOBGRAPH_JWT_SECRET: 'a-shared-demo-key-of-at-least-32-characters',
      JOBGRAPH_SHUTDOWN_GRACE_MS: '3000',
    };
    const first = await startDemoProcess(env);
    let second: Awaited<ReturnType<typeof startDemoProcess>> | undefined;
    const authorization = `Bearer ${first.token}`;
    const url = first.url;
    const received: Record<'sse' | 'ws', { state: string }[]> = { sse: [], ws: [] };
    const completed: Record<'sse' | 'ws', boolean> = { sse: false, ws: false };
    const errors: unknown[] = [];
    // Each client on its defaults (retries included), as an app would make it.
    const sseClient = createSseClient({ url, headers: { Authorization: authorization } });
    const wsClient = createWsClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: authorization },
    });
    const payload = { query: QUERY, variables: { ids: ['importexport:PNDG1'] } };
    const sinkFor = (name: 'sse' | 'ws') => ({
      next: (value: { data?: { jobUpdates?: { state: string } } | null }) =>
        void (value.data?.jobUpdates && received[name].push(value.data.jobUpdates)),
      error: (err: unknown) => void errors.push(err),
      complete: () => void (completed[name] = true),
    });
    const unsubscribeSse = sseClient.subscribe(payload, sinkFor('sse'));
    const unsubscribeWs = wsClient.subscribe(payload, sinkFor('ws'));
    try {
      await expect.poll(() => [received.sse.length, received.ws.length]).toEqual([1, 1]);
      first.child.kill('SIGTERM');
      expect(await first.exited).toEqual([0, null]);
      expect(completed).toEqual({ sse: false, ws: false });
      second = await startDemoProcess(env);
      // Both clients resubscribed by themselves and got the job's current state from the new process.
      await expect
        .poll(() => [received.sse.length, received.ws.length], { timeout: 60_000 })
        .toEqual([2, 2]);
      expect(received.sse[1]).toEqual({ id: 'importexport:PNDG1', state: 'QUEUED' });
      expect(received.ws[1]).toEqual({ id: 'importexport:PNDG1', state: 'QUEUED' });
      expect(errors).toEqual([]);
      expect(completed).toEqual({ sse: false, ws: false });
    } finally {
      unsubscribeSse();
      unsubscribeWs();
      sseClient.dispose();
      await wsClient.dispose();
      first.child.kill('SIGKILL');
      second?.child.kill('SIGKILL');
    }
  });
});
