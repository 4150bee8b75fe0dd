import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTestGateway } from '../support/gateway.ts';
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
    const bin = fileURLToPath(new URL('../../bin/jobgraph.mjs', import.meta.url));
    const child = spawn(process.execPath, [bin, 'demo'], { env: { PATH: process.env.PATH ?? '', PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          if (/AWS_ENDPOINT_URL_IMPORTEXPORT=\S+\n/.test(stdout)) resolve();
        });
        child.once('exit', () => reject(new Error(`demo exited early: ${stderr}`)));
      });
      const url = (stdout.match(/GraphQL \+ Apollo Sandbox:\s+(\S+)/)?.[1] as string).replace('localhost', '127.0.0.1');
      const token = stdout.match(/Authorization: Bearer (\S+)/)?.[1] as string;
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
