import { once } from 'node:events';
import type { Server } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { gql, startTestGateway } from '../support/gateway.ts';
import { startDemoProcess } from '../support/demoProcess.ts';

const ex = exampleGlobalIds();

/** Resolves when `server.close()` is called: the gateway stopped accepting and its drain began. */
function closeCalled(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const close = server.close.bind(server);
    server.close = (callback) => {
      resolve();
      return close(callback);
    };
  });
}
const QUERY = 'query($id: ID!) { job(id: $id) { id state } }';

describe('Shutting the gateway down', () => {
  it('lets an in-flight query finish, then refuses new connections', async () => {
    const gw = await startTestGateway();
    // The emulator holds its answer, so the query is still running when close() starts.
    gw.emulators.importexport.setFaults({ hold: true });
    const atUpstream = once(gw.emulators.importexport.events, 'request');
    const inFlight = gql(gw, QUERY, { variables: { id: ex.importexport }, token: gw.tokens.read });
    await atUpstream;
    const draining = closeCalled(gw.server.httpServer);
    const closed = gw.close();
    await draining;
    gw.emulators.importexport.setFaults({ hold: false });
    await closed;
    // close() waited for the query: the upstream answer was in before it resolved.
    expect(gw.emulators.importexport.calls.map((c) => c.status)).toEqual([200]);
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.job).toEqual({ id: ex.importexport, state: expect.any(String) });
    await expect(
      fetch(gw.server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
      }),
    ).rejects.toMatchObject({
      cause: { code: 'ECONNREFUSED' },
    });
  });

  it('cuts a request still running when the grace period ends', async () => {
    const gw = await startTestGateway({
      JOBGRAPH_SHUTDOWN_GRACE_MS: '100',
      JOBGRAPH_UPSTREAM_MAX_ATTEMPTS: '1',
    });
    gw.emulators.codepipeline.setFaults({ hang: true });
    // Wait until the query is at the upstream (not merely at the gateway): a busy machine can take
    // longer than the grace period to get there, and then nothing would be in flight to cut.
    const arrived = once(gw.emulators.codepipeline.events, 'request');
    const inFlight = gql(gw, QUERY, {
      variables: { id: ex.codepipeline },
      token: gw.tokens.read,
    }).then(
      () => 'answered',
      () => 'cut',
    );
    await arrived;
    await gw.close();
    // The upstream never answered (its timeout is 5 s), yet close() returned and the client was cut off.
    expect(gw.emulators.codepipeline.calls.map((c) => c.status)).toEqual([0]);
    expect(await inFlight).toBe('cut');
  });
});

describe('The jobgraph command on SIGTERM', () => {
  it('drains an in-flight query and exits 0', async () => {
    const { child, url, token, exited, output } = await startDemoProcess();
    try {
      const emulator = output.stdout.match(/AWS_ENDPOINT_URL_IMPORTEXPORT=(\S+)/)?.[1] as string;
      // Hold the Import/Export emulator's answer through its HTTP fault knob, so the query is still
      // running at SIGTERM. The one-entry fault script is used up when the upstream call arrives (the
      // emulator runs in the child, so its knob is the only window on that event).
      const faults = `${emulator}/__emulator/faults`;
      await fetch(faults, { method: 'POST', body: JSON.stringify({ hold: true, script: ['ok'] }) });
      const inFlight = gql({ server: { url } }, QUERY, {
        variables: { id: ex.importexport },
        token,
      });
      await vi.waitFor(
        async () =>
          expect(((await (await fetch(faults)).json()) as { script: string[] }).script).toEqual([]),
        {
          interval: 20,
          timeout: 20_000,
        },
      );
      const draining = new Promise<void>((resolve) => {
        const seen = () => /SIGTERM: draining in-flight requests/.test(output.stderr) && resolve();
        seen();
        child.stderr.on('data', seen);
      });
      child.kill('SIGTERM');
      await draining;
      // Only now let the upstream answer: the drain must wait for it.
      await fetch(faults, { method: 'POST', body: JSON.stringify({ hold: false }) });
      const res = await inFlight;
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.job?.id).toBe(ex.importexport);
      expect(await exited).toEqual([0, null]);
      expect(output.stderr).toContain('SIGTERM: draining in-flight requests');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
