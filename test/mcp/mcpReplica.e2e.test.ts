// Any replica answers an MCP task (issue 104, item 3): `watch_job` asked of the demo, `tasks/get`
// of a second gateway process (live mode) on the same emulators and the same SQLite history,
// verifying the same tokens. That second process keeps the write tools off (the default).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { decodeJwt } from 'jose';
import { mintToken } from '../../src/auth/mintToken.ts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { mcpClients, mcpUrlOf, useMcpDemo } from '../support/mcpClients.ts';

const SECRET = 'mcp-replica-test-secret-0123456789abcdef';
const TaskSchema = z.looseObject({ taskId: z.string(), status: z.string() });

describe('An MCP task asked of one gateway and read on another sharing its history', () => {
  const { demo, dataDir } = useMcpDemo('jobgraph-mcp-replica-', SECRET);
  const mcp = mcpClients('replica-agent');
  let replica: LiveProcess;
  let operator: string;
  beforeAll(async () => {
    operator = /\d\. Operator — [^\n]*\n {4}Authorization: Bearer (\S+)/.exec(
      demo.output.stdout,
    )?.[1] as string;
    const exported = Object.fromEntries(
      [...demo.output.stdout.matchAll(/^ {4}export (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    replica = await startLiveProcess({
      ...exported,
      PORT: '0',
      HOST: '127.0.0.1',
      JOBGRAPH_JWT_SECRET: SECRET,
      JOBGRAPH_HISTORY_URL: `sqlite:${join(dataDir, 'history.sqlite')}`,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });
  afterAll(async () => {
    await mcp.close();
    replica?.child.kill('SIGTERM');
    await replica?.exited;
  });

  const connect = (graphqlUrl: string) => mcp.connect(mcpUrlOf(graphqlUrl), operator);

  it('answers tasks/get on the replica: working, then failed once the demo terminated the job', async () => {
    const id = `batch:us-east-1:${BATCH_JOB_IDS.running}`;
    const first = await connect(demo.url);
    const watched = (await first.callTool({ name: 'watch_job', arguments: { id } }))
      .structuredContent as { task: { taskId: string; status: string } };
    expect(watched.task).toMatchObject({ taskId: id, status: 'working' });
    const second = await connect(replica.url);
    const getTask = () =>
      second.request({ method: 'tasks/get', params: { taskId: id } }, TaskSchema);
    expect(await getTask()).toMatchObject({ taskId: id, status: 'working' });
    const stopped = await first.callTool({
      name: 'terminate_job',
      arguments: { id, reason: 'replica test' },
    });
    expect(stopped.isError).toBeFalsy();
    await expect.poll(async () => (await getTask()).status).toBe('failed');
    // The replica reads the history the demo wrote: the action taken through MCP is in it.
    const res = await fetch(replica.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
      body: JSON.stringify({
        query: 'query($id: ID!) { job(id: $id) { actionsTaken { subject action } } }',
        variables: { id },
      }),
    });
    const body = (await res.json()) as {
      data: { job: { actionsTaken: { subject: string; action: string }[] } };
    };
    expect(body.data.job.actionsTaken).toContainEqual({
      subject: 'demo-operator via MCP client "replica-agent"',
      action: 'TERMINATE',
    });
  });

  it('keeps the write tools off where JOBGRAPH_MCP_WRITE_TOOLS is not set, for a jobs:write token too', async () => {
    const names = (await (await connect(replica.url)).listTools()).tools.map((t) => t.name);
    expect(names).toContain('watch_job');
    expect(names).not.toContain('cancel_job');
    expect(names).not.toContain('terminate_job');
    const cancel = await (
      await connect(replica.url)
    )
      .request(
        { method: 'tasks/cancel', params: { taskId: `batch:us-east-1:${BATCH_JOB_IDS.runnable}` } },
        TaskSchema,
      )
      .then(
        () => null,
        (err: unknown) => String(err),
      );
    expect(cancel).toContain('JOBGRAPH_MCP_WRITE_TOOLS=on');
  });

  it('answers an expired token 401 naming the metadata at the request’s own address (no public URL)', async () => {
    const claims = decodeJwt(operator);
    const expired = await mintToken({
      secret: SECRET,
      scopes: ['jobs:read'],
      subject: 'expired-agent',
      issuer: typeof claims.iss === 'string' ? claims.iss : null,
      audience: typeof claims.aud === 'string' ? claims.aud : null,
      ttlSeconds: -600,
    });
    expect(decodeJwt(expired).exp).toBeLessThan(Date.now() / 1000);
    const mcpUrl = mcpUrlOf(replica.url);
    const res = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${expired}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: {} }),
    });
    expect(res.status).toBe(401);
    const host = new URL(mcpUrl).host;
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", resource_metadata="http://${host}/.well-known/oauth-protected-resource"`,
    );
  });
});
