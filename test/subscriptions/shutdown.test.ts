import { describe, expect, it } from 'vitest';
import { startTestGateway } from '../support/gateway.ts';
import { startDemoProcess } from '../support/demoProcess.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import { subscribe, TRANSPORTS } from '../support/subscriptions.ts';

const QUERY = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }';

describe.each(TRANSPORTS)('Shutting down with open subscriptions over %s', (transport) => {
  it('completes every open stream (SSE complete, WebSocket close 1001 "going away") and stops', async () => {
    const clock = new ManualScheduler();
    const gw = await startTestGateway({}, { watchScheduler: clock });
    const sub = subscribe(gw.server.url, transport, QUERY, { token: gw.tokens.read, variables: { ids: ['importexport:PNDG1'] } });
    let closed = false;
    try {
      expect(await sub.next()).toMatchObject({ data: { jobUpdates: { state: 'QUEUED' } } });
      const ended = sub.next();
      await gw.close();
      closed = true;
      // The stream completed before the server stopped; the WebSocket then closed with 1001.
      await expect(ended).resolves.toBeNull();
      if (transport === 'ws') await expect.poll(() => sub.closes).toEqual([{ code: 1001, reason: 'Going away' }]);
      expect(gw.server.subscriptions.hub.open()).toBe(0);
      expect(gw.server.subscriptions.hub.registry.size()).toBe(0);
      expect(clock.pending()).toEqual([]);
    } finally {
      await sub.close();
      if (!closed) await gw.close();
    }
  });
});

describe('The jobgraph command on SIGTERM with open subscriptions', () => {
  it('completes the SSE stream, closes the WebSocket with 1001, and exits 0', async () => {
    const { child, url, token, exited } = await startDemoProcess();
    try {
      const subs = TRANSPORTS.map((t) => subscribe(url, t, QUERY, { token, variables: { ids: ['importexport:PNDG1'] } }));
      for (const sub of subs) expect(await sub.next()).toMatchObject({ data: { jobUpdates: { state: 'QUEUED' } } });
      const ends = subs.map((sub) => sub.next());
      child.kill('SIGTERM');
      for (const end of ends) await expect(end).resolves.toBeNull();
      await expect.poll(() => subs[1]?.closes).toEqual([{ code: 1001, reason: 'Going away' }]);
      expect(await exited).toEqual([0, null]);
      await Promise.all(subs.map((sub) => sub.close()));
    } finally {
      child.kill('SIGKILL');
    }
  });
});
