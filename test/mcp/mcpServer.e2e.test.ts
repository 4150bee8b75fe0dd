// jobgraph as a remote MCP server (issue 104): the official MCP client against a real gateway
// process (`jobgraph demo`, its emulators), with the tokens the demo banner prints.
import { isDeepStrictEqual } from 'node:util';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { mintToken } from '../../src/auth/mintToken.ts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { GET_JOB, QUEUE, QUEUE_FRONT, QUEUES, WHY_WAITING } from '../../src/mcp/documents.ts';
import { FRONT_SHOWN } from '../../src/mcp/queueTools.ts';
import { RESULT_BUDGET_BYTES } from '../../src/mcp/results.ts';
import { mcpClients, mcpUrlOf, useMcpDemo } from '../support/mcpClients.ts';

/** The token of the banner's entry `name` (Reader, Operator, … reader). */
function bannerToken(stdout: string, name: RegExp): string {
  const found = [...stdout.matchAll(/^ {2}\d\. ([^\n]+)\n {4}Authorization: Bearer (\S+)$/gm)].find(
    (m) => name.test(m[1] as string),
  );
  if (!found) throw new Error(`no ${String(name)} token in the banner`);
  return found[2] as string;
}

const READ_TOOLS = [
  'find_jobs',
  'get_job',
  'job_timeline',
  'queue_status',
  'watch_job',
  'why_failed',
  'why_waiting',
];
/** The demo's token secret, so a test can mint a token the demo verifies. */
const SECRET = 'mcp-server-test-secret-0123456789abcdef';
const TaskSchema = z.looseObject({
  taskId: z.string(),
  status: z.string(),
  pollIntervalMs: z.number(),
  ttlMs: z.number(),
});
type Structured = Record<string, unknown>;

describe('jobgraph’s MCP server, through the official client on a demo gateway', () => {
  const { demo } = useMcpDemo('jobgraph-mcp-', SECRET);
  const mcp = mcpClients('e2e-agent');
  let mcpUrl: string;
  let reader: string;
  let operator: string;
  let staging: string;
  let nobody: string;
  beforeAll(async () => {
    mcpUrl = mcpUrlOf(demo.url);
    reader = bannerToken(demo.output.stdout, /^Reader —/);
    operator = bannerToken(demo.output.stdout, /^Operator —/);
    staging = bannerToken(demo.output.stdout, /^\S+ reader — jobs:read, the "/);
    nobody = await mintToken({ secret: SECRET, scopes: ['jobs:read'], accounts: ['nobody'] });
  });
  afterAll(async () => {
    await mcp.close();
  });

  const connect = (token: string) => mcp.connect(mcpUrl, token);
  const call = async (client: Client, name: string, args: Record<string, unknown>) =>
    client.callTool({ name, arguments: args });
  const graph = async (token: string, query: string, variables: unknown) => {
    const res = await fetch(demo.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: Record<string, unknown> | null; errors?: unknown[] };
  };

  it('answers 401 naming its protected resource metadata without a token or with a bad one', async () => {
    const challenges: (string | null)[] = [];
    for (const headers of [{}, { authorization: 'Bearer not-a-token' }]) {
      const res = await fetch(mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      expect(res.status).toBe(401);
      challenges.push(res.headers.get('www-authenticate'));
    }
    // The demo's public URL is its own address, as its banner prints it (localhost).
    const base = `http://localhost:${new URL(mcpUrl).port}`;
    const metadataUrl = `${base}/.well-known/oauth-protected-resource`;
    expect(challenges).toEqual([
      `Bearer error="invalid_token", resource_metadata="${metadataUrl}"`,
      `Bearer error="invalid_token", resource_metadata="${metadataUrl}"`,
    ]);
    const metadata = (await (
      await fetch(metadataUrl.replace('localhost', '127.0.0.1'))
    ).json()) as Structured;
    expect(metadata.resource).toBe(`${base}/mcp`);
    // The demo verifies its own tokens: no authorization server to name (no JOBGRAPH_JWT_ISSUER).
    expect(metadata.authorization_servers).toBeUndefined();
    expect(demo.output.stdout).toContain(`MCP server (for agents, docs/mcp.md):  ${base}/mcp`);
    expect(metadata.scopes_supported).toEqual(['jobs:read', 'jobs:logs:read', 'jobs:write']);
  });

  it('lists the read tools, annotated read-only, to a jobs:read token and no write tool', async () => {
    const { tools } = await (await connect(reader)).listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(READ_TOOLS);
    for (const tool of tools) expect(tool.annotations?.readOnlyHint).toBe(true);
    // The filter choices are the schema's own enums.
    const find = tools.find((t) => t.name === 'find_jobs');
    const providers = (find?.inputSchema.properties?.providers as { items: { enum: string[] } })
      .items.enum;
    const schemaEnum = await graph(
      reader,
      '{ __type(name: "JobProvider") { enumValues { name } } }',
      {},
    );
    expect(providers).toEqual(
      (schemaEnum.data?.__type as { enumValues: { name: string }[] }).enumValues.map((v) => v.name),
    );
  });

  it('serves a 2025-revision client (initialize, no version negotiation) the same tools', async () => {
    const client = await mcp.connect(mcpUrl, reader, { name: 'legacy-agent', negotiate: false });
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(READ_TOOLS);
    const id = `batch:us-east-1:${BATCH_JOB_IDS.succeeded}`;
    const got = (await call(client, 'get_job', { id })).structuredContent as Structured;
    expect((got.job as Structured).state).toBe('SUCCEEDED');
  });

  it('lists cancel_job, terminate_job and rerun_job, destructive, to a jobs:write token with the write tools on', async () => {
    const { tools } = await (await connect(operator)).listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [...READ_TOOLS, 'cancel_job', 'rerun_job', 'terminate_job'].sort(),
    );
    const terminate = tools.find((t) => t.name === 'terminate_job');
    expect(terminate?.annotations?.destructiveHint).toBe(true);
  });

  /**
   * A tool's answer beside the graph's to the same document, asked together until they agree: the
   * demo's jobs progress, so a queue's counts and waits may move between two reads.
   */
  const agreeing = async <T, U>(tool: () => Promise<T>, graphOf: () => Promise<U>) => {
    let last: [T, U] | null = null;
    await expect
      .poll(async () => {
        last = await Promise.all([tool(), graphOf()]);
        return isDeepStrictEqual(last[0], last[1]);
      })
      .toBe(true);
    return last as unknown as [T, U];
  };

  it('answers get_job as the graph answers the same document, for a job of each provider', async () => {
    const page = await graph(reader, '{ listJobs(first: 100) { nodes { id provider } } }', {});
    const nodes = (page.data?.listJobs as { nodes: { id: string; provider: string }[] }).nodes;
    const byProvider = new Map(nodes.map((n) => [n.provider, n.id]));
    expect(byProvider.size).toBeGreaterThanOrEqual(5);
    const client = await connect(reader);
    // Asked together until they agree: a demo job's `liveBy` turns EVENTS once its event queue
    // first answers, and its progressing jobs move, either of which may fall between two reads.
    for (const id of byProvider.values()) {
      const [answered, expected] = await agreeing(
        async () => (await call(client, 'get_job', { id })).structuredContent,
        async () => ({ job: (await graph(reader, GET_JOB, { id })).data?.job }),
      );
      expect(answered).toEqual(expected);
      expect((expected as { job: { id: string } | null }).job?.id).toBe(id);
    }
  });

  it('says why a failed Batch job failed, with its last log lines only for jobs:logs:read', async () => {
    const id = `batch:us-east-1:${BATCH_JOB_IDS.outOfMemory}`;
    const withLogs = (await call(await connect(operator), 'why_failed', { id }))
      .structuredContent as Structured;
    expect((withLogs.failure as Structured).category).toBe('OUT_OF_MEMORY');
    const tail = await graph(
      operator,
      `query($id: ID!) { job(id: $id) { logTail(last: 50) { lines { message } } } }`,
      { id },
    );
    const lines = ((tail.data?.job as Structured).logTail as { lines: { message: string }[] })
      .lines;
    expect(lines.length).toBeGreaterThan(0);
    expect(withLogs.logLines).toEqual(lines.map((l) => l.message));
    const without = (await call(await connect(reader), 'why_failed', { id }))
      .structuredContent as Structured;
    expect((without.failure as Structured).category).toBe('OUT_OF_MEMORY');
    expect(without.logLines).toBeUndefined();
    expect(without.note).toContain('jobs:logs:read');
  });

  it('shows a staging-only token no default-account job and refuses it why_failed of one', async () => {
    const client = await connect(staging);
    const found = (await call(client, 'find_jobs', { first: 50 })).structuredContent as {
      jobs: { accountAlias: string }[];
    };
    expect(found.jobs.length).toBeGreaterThan(0);
    expect(found.jobs.filter((j) => j.accountAlias === 'default')).toEqual([]);
    const failed = (await call(client, 'find_jobs', { states: ['FAILED'] })).structuredContent as {
      jobs: { state: string }[];
    };
    expect(failed.jobs.filter((j) => j.state !== 'FAILED')).toEqual([]);
    const refused = await call(client, 'why_failed', {
      id: `batch:us-east-1:${BATCH_JOB_IDS.outOfMemory}`,
    });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toMatch(/FORBIDDEN|NOT_FOUND/);
  });

  it('lists queue_status and why_waiting with their input schemas', async () => {
    const { tools } = await (await connect(reader)).listTools();
    const queue = tools.find((t) => t.name === 'queue_status');
    expect(Object.keys(queue?.inputSchema.properties ?? {}).sort()).toEqual([
      'account',
      'queue',
      'region',
    ]);
    expect(queue?.inputSchema.required ?? []).toEqual([]);
    expect(queue?.outputSchema?.properties).toHaveProperty('queues');
    const waiting = tools.find((t) => t.name === 'why_waiting');
    expect(Object.keys(waiting?.inputSchema.properties ?? {})).toEqual(['id']);
    expect(waiting?.inputSchema.required).toEqual(['id']);
    expect(waiting?.outputSchema?.properties).toHaveProperty('waiting');
  });

  it('answers queue_status with the demo’s queues as jobQueues does, gpu-spot INVALID', async () => {
    const client = await connect(reader);
    type Queues = { id: string; name: string; computeEnvironments: Structured[] }[];
    const [queues] = await agreeing(
      async () => ((await call(client, 'queue_status', {})).structuredContent as Structured).queues,
      async () => (await graph(reader, QUEUES, { filter: {} })).data?.jobQueues,
    );
    const all = queues as Queues;
    const spot = all.find((q) => q.name === 'ml-training-spot');
    expect(spot?.computeEnvironments).toEqual([
      expect.objectContaining({ name: 'gpu-spot', status: 'INVALID' }),
    ]);
    expect(Buffer.byteLength(JSON.stringify({ queues }))).toBeLessThanOrEqual(RESULT_BUDGET_BYTES);
    // One queue: its description as jobQueue(id) answers it, then its front as the graph's.
    const id = spot!.id;
    const [one] = await agreeing(
      async () =>
        (await call(client, 'queue_status', { queue: id })).structuredContent as Structured,
      async () => {
        const described = await graph(reader, QUEUE, { id });
        const front = await graph(reader, QUEUE_FRONT, { id });
        const got = front.data?.jobQueue as { front: unknown[]; capacityInUse: unknown } | null;
        if (got)
          return {
            queue: described.data?.jobQueue,
            capacityInUse: got.capacityInUse,
            front: got.front.slice(0, FRONT_SHOWN),
            ...(got.front.length > FRONT_SHOWN
              ? { note: `the first ${FRONT_SHOWN} of the ${got.front.length} jobs at the front` }
              : {}),
          };
        // A snapshot refused: the queue is answered without its front, the graph's error said.
        const error = front.errors?.[0] as { message: string; extensions?: { code?: string } };
        return {
          queue: described.data?.jobQueue,
          note: `front unavailable: ${error.extensions?.code}: ${error.message}`,
        };
      },
    );
    expect((one.queue as Structured).name).toBe('ml-training-spot');
    const both = await call(client, 'queue_status', { queue: id, region: 'us-east-1' });
    expect(both.isError).toBe(true);
  });

  it('says why the RUNNABLE demo job waits, its compute environment INVALID first; a running job waits not', async () => {
    const client = await connect(reader);
    const id = `batch:us-east-1:${BATCH_JOB_IDS.runnable}`;
    const [answered] = await agreeing(
      async () => (await call(client, 'why_waiting', { id })).structuredContent,
      async () => (await graph(reader, WHY_WAITING, { id })).data?.job,
    );
    const result = answered as { waiting: { reasons: { code: string; evidence: string[] }[] } };
    expect(result.waiting.reasons[0]?.code).toBe('COMPUTE_ENVIRONMENT_INVALID');
    expect(result.waiting.reasons[0]?.evidence[0]).toMatch(/^computeEnvironment gpu-spot: /);
    const running = `batch:us-east-1:${BATCH_JOB_IDS.running}`;
    const not = (await call(client, 'why_waiting', { id: running }))
      .structuredContent as Structured;
    expect(not).toMatchObject({ id: running, state: 'IN_PROGRESS', waiting: null });
    expect(not.note).toContain('is not waiting: it is IN_PROGRESS');
  });

  it('answers a token reading no account no queue, and FORBIDDEN for a queue or a job, as the graph does', async () => {
    const client = await connect(nobody);
    const none = (await call(client, 'queue_status', {})).structuredContent as Structured;
    expect((await graph(nobody, QUEUES, { filter: {} })).data?.jobQueues).toEqual([]);
    expect(none.queues).toEqual([]);
    const id = 'batchqueue:us-east-1:ml-training-spot';
    const refused = await call(client, 'queue_status', { queue: id });
    const graphRefusal = await graph(nobody, QUEUE, { id });
    const code = (graphRefusal.errors?.[0] as { extensions: { code: string } }).extensions.code;
    expect(code).toBe('FORBIDDEN');
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain('FORBIDDEN: ');
    const job = await call(client, 'why_waiting', {
      id: `batch:us-east-1:${BATCH_JOB_IDS.runnable}`,
    });
    expect(job.isError).toBe(true);
    expect(JSON.stringify(job.content)).toMatch(/FORBIDDEN|NOT_FOUND/);
  });

  it('refuses a write tool to a token without jobs:write, naming the scope', async () => {
    const client = await connect(reader);
    const id = `batch:us-east-1:${BATCH_JOB_IDS.runnable}`;
    const error = await call(client, 'cancel_job', { id, reason: 'no' }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(String(error)).toContain('jobs:write');
    const job = await graph(reader, `query($id: ID!) { job(id: $id) { state } }`, { id });
    expect((job.data?.job as Structured).state).not.toBe('CANCELLED');
  });

  it('terminates a job for a jobs:write token, audited under its subject beside the client’s name', async () => {
    const id = `batch:us-east-1:${BATCH_JOB_IDS.running}`;
    const result = (
      await call(await connect(operator), 'terminate_job', { id, reason: 'mcp test' })
    ).structuredContent as Structured;
    expect(result.outcome).toBe('REQUESTED');
    const job = await graph(
      operator,
      `query($id: ID!) { job(id: $id) { actionsTaken { subject action } } }`,
      { id },
    );
    const taken = (job.data?.job as { actionsTaken: { subject: string; action: string }[] })
      .actionsTaken;
    expect(taken).toContainEqual({
      subject: 'demo-operator via MCP client "e2e-agent"',
      action: 'TERMINATE',
    });
  });

  it('reruns a failed Batch job once for a jobs:write token: the new job, the same one when asked again', async () => {
    const id = `batch:us-east-1:${BATCH_JOB_IDS.outOfMemory}`;
    const client = await connect(operator);
    const first = (await call(client, 'rerun_job', { id, reason: 'mcp rerun test' }))
      .structuredContent as Structured;
    expect(first).toMatchObject({ action: 'RERUN', outcome: 'REQUESTED' });
    const rerun = first.rerun as { id: string; state: string };
    expect(rerun.id).toMatch(/^batch:us-east-1:/);
    // It answers the new job as a task, as watch_job would.
    expect(first.task).toMatchObject({ taskId: rerun.id, status: 'working' });
    expect(rerun.id).not.toBe(id);
    const again = (await call(client, 'rerun_job', { id, reason: 'mcp rerun test' }))
      .structuredContent as Structured;
    expect((again.rerun as { id: string }).id).toBe(rerun.id);
    // The graph links the two, and the new job can be watched as a task.
    const linked = await graph(operator, `query($id: ID!) { job(id: $id) { rerunOf { id } } }`, {
      id: rerun.id,
    });
    expect((linked.data?.job as { rerunOf: { id: string } }).rerunOf.id).toBe(id);
    const watched = (await call(client, 'watch_job', { id: rerun.id }))
      .structuredContent as Structured;
    expect(watched.task).toMatchObject({ taskId: rerun.id, status: 'working' });
  });

  it('keeps every result under its byte budget and says how to ask for more', async () => {
    const client = await connect(reader);
    const found = await call(client, 'find_jobs', { first: 50 });
    const structured = found.structuredContent as { jobs: unknown[]; nextCursor: string | null };
    expect(Buffer.byteLength(JSON.stringify(structured))).toBeLessThanOrEqual(RESULT_BUDGET_BYTES);
    expect(structured.nextCursor).toEqual(expect.any(String));
    const next = (await call(client, 'find_jobs', { first: 50, cursor: structured.nextCursor }))
      .structuredContent as { jobs: { id: string }[] };
    const firstIds = new Set((structured.jobs as { id: string }[]).map((j) => j.id));
    expect(next.jobs.length).toBeGreaterThan(0);
    expect(next.jobs.filter((j) => firstIds.has(j.id))).toEqual([]);
  });

  const getTask = (client: Client, taskId: string) =>
    client.request({ method: 'tasks/get', params: { taskId } }, TaskSchema);

  it('answers watch_job with a task named by the job’s ID: working, then ended once the job is', async () => {
    const id = `batch:us-east-1:${BATCH_JOB_IDS.starting}`;
    const client = await connect(reader);
    const watched = (await call(client, 'watch_job', { id })).structuredContent as Structured;
    expect(watched.task).toMatchObject({ taskId: id, status: 'working' });
    expect(await getTask(client, id)).toMatchObject({ taskId: id, status: 'working' });
    const stop = await graph(
      operator,
      `mutation($id: ID!) { terminateJob(id: $id, reason: "task test") { outcome } }`,
      { id },
    );
    expect(stop.errors).toBeUndefined();
    await expect.poll(async () => (await getTask(client, id)).status).toBe('failed');
    const done = (await getTask(client, id)) as {
      ttlMs: number;
      result?: { structuredContent?: Structured };
    };
    expect(done.ttlMs).toBe(400 * 86_400_000);
    expect((done.result?.structuredContent?.job as Structured).state).toBe('FAILED');
    const succeeded = `batch:us-east-1:${BATCH_JOB_IDS.succeeded}`;
    expect(await getTask(client, succeeded)).toMatchObject({ status: 'completed' });
  });

  it('refuses tasks/cancel without jobs:write, and tasks/get of a job outside the token’s accounts', async () => {
    const id = `batch:us-east-1:${BATCH_JOB_IDS.runnable}`;
    const cancel = await (
      await connect(reader)
    )
      .request({ method: 'tasks/cancel', params: { taskId: id } }, TaskSchema)
      .then(
        () => null,
        (err: unknown) => String(err),
      );
    expect(cancel).toContain('cannot cancel');
    expect(cancel).toContain('jobs:write');
    const other = await getTask(await connect(staging), id).then(
      () => null,
      (err: unknown) => String(err),
    );
    expect(other).toMatch(/FORBIDDEN|NOT_FOUND/);
  });

  it('cancels the job behind a task for a jobs:write token with the write tools on', async () => {
    const id = `batch:us-east-1:${BATCH_JOB_IDS.pending}`;
    const client = await connect(operator);
    const task = await client.request(
      { method: 'tasks/cancel', params: { taskId: id } },
      TaskSchema,
    );
    expect(task.taskId).toBe(id);
    const job = await graph(
      operator,
      `query($id: ID!) { job(id: $id) { actionsTaken { subject action } } }`,
      { id },
    );
    expect((job.data?.job as { actionsTaken: unknown[] }).actionsTaken).toContainEqual({
      subject: 'demo-operator via MCP client "e2e-agent"',
      action: 'CANCEL',
    });
  });
});
