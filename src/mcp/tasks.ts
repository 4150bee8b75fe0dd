import {
  ProtocolError,
  ProtocolErrorCode,
  RELATED_TASK_META_KEY,
  type McpServer,
} from '@modelcontextprotocol/server';
import * as z from 'zod';
import { SCOPE_READ, SCOPE_WRITE } from '../auth/identity.ts';
import type { Config } from '../config/index.ts';
import * as doc from './documents.ts';
import { answer, errorsText, refusal, type ToolParts } from './results.ts';
import { mcpActor } from './writeTools.ts';

/** How often an agent should ask again when a job is moved by its provider's events, in ms. */
const EVENTS_POLL_MS = 1000;

/** A task of the Tasks extension (`io.modelcontextprotocol/tasks`): a watched job. */
interface JobTask {
  taskId: string;
  status: 'working' | 'completed' | 'failed' | 'cancelled';
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number;
  pollIntervalMs: number;
}

type Job = Record<string, unknown>;

/**
 * A job as a task: `working` until it is terminal, then `completed` (SUCCEEDED), `cancelled`, or
 * `failed` with its failure's summary. Its ID is the job's global ID, so whichever replica is
 * asked reads it; `ttlMs` is the history's retention, `pollIntervalMs` from how the job is
 * followed (EVENTS: soon; POLLING: the watch poll interval).
 */
function taskOf(job: Job, config: Config, now: Date): JobTask {
  const state = job.state as string;
  const failure = job.failure as { summary?: string } | null;
  const status: JobTask['status'] = !job.terminal
    ? 'working'
    : state === 'SUCCEEDED' || state === 'SUCCEEDED_WITH_ERRORS'
      ? 'completed'
      : state === 'CANCELLED'
        ? 'cancelled'
        : 'failed';
  const message =
    status === 'failed' || status === 'cancelled' ? (failure?.summary ?? state) : state;
  return {
    taskId: job.id as string,
    status,
    statusMessage: message,
    createdAt: (job.createdAt as string | null) ?? now.toISOString(),
    lastUpdatedAt:
      (job.completedAt as string | null) ?? (job.updatedAt as string | null) ?? now.toISOString(),
    ttlMs: config.history.retainDays * 86_400_000,
    pollIntervalMs: job.liveBy === 'EVENTS' ? EVENTS_POLL_MS : config.watch.pollMs,
  };
}

/** The job behind a task, read through the graph as the caller (its account grant applies). */
async function readTask(parts: ToolParts, config: Config, taskId: string) {
  const res = await parts.run(parts.admitted, doc.TASK_STATE, { id: taskId });
  const job = res.data?.job as Job | null | undefined;
  if (!job)
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      errorsText(res.errors) || 'NOT_FOUND: no such task',
    );
  return { job, task: taskOf(job, config, new Date()) };
}

/** The task of a job by its global ID, as `watch_job` answers it; null when it cannot be read. */
export function jobTasks(parts: ToolParts, config: Config) {
  return (id: string): Promise<JobTask | null> =>
    readTask(parts, config, id).then(
      ({ task }) => task,
      () => null,
    );
}

/** The task's payload once it ended: the final record (failed: with its failure). */
function finalOf(job: Job, task: JobTask) {
  return task.status === 'working' ? {} : { result: answer({ job }) };
}

/**
 * `watch_job` (a task whose ID is the job's global ID), `tasks/get` and `tasks/cancel`. Cancel
 * cancels the job only with `jobs:write` and the write tools on; otherwise it says it cannot.
 */
export function registerTasks(server: McpServer, parts: ToolParts, config: Config): void {
  const mayCancel =
    config.mcpWriteTools &&
    parts.admitted.identity.scopes.has(SCOPE_READ) &&
    parts.admitted.identity.scopes.has(SCOPE_WRITE);
  server.registerTool(
    'watch_job',
    {
      title: 'Watch a job',
      description:
        'Follow one job until it ends, as a task (Tasks extension): the task ID is the job’s global ID; poll tasks/get every pollIntervalMs: working while the job runs, then completed with its final record, failed with its failure, or cancelled.',
      inputSchema: z.object({ id: z.string().min(1).max(512).describe('The job’s global ID') }),
      annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
    },
    async ({ id }) => {
      try {
        const { task } = await readTask(parts, config, id);
        // Not `resultType: "task"`: the SDK's 2.4.0 client refuses it (it has no Tasks extension
        // support), so the task rides in the result, related by the SDK's own `_meta` key.
        return { ...answer({ task }), _meta: { [RELATED_TASK_META_KEY]: { taskId: task.taskId } } };
      } catch (err) {
        return refusal((err as Error).message);
      }
    },
  );
  const params = z.object({ taskId: z.string().min(1).max(512) });
  server.server.setRequestHandler('tasks/get', { params }, async ({ taskId }) => {
    const { job, task } = await readTask(parts, config, taskId);
    return { ...task, ...finalOf(job, task) };
  });
  server.server.setRequestHandler('tasks/cancel', { params }, async ({ taskId }) => {
    if (!mayCancel)
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `cannot cancel: cancelling a watched job needs the ${SCOPE_WRITE} scope and JOBGRAPH_MCP_WRITE_TOOLS=on`,
      );
    const { identity } = parts.admitted;
    const actor = mcpActor(identity.subject, parts.clientName());
    const res = await parts.run(
      { ...parts.admitted, identity: { ...identity, subject: actor } },
      doc.CANCEL,
      {
        id: taskId,
        reason: 'cancelled through its MCP task',
      },
    );
    if (!res.data?.cancelJob)
      throw new ProtocolError(ProtocolErrorCode.InvalidRequest, errorsText(res.errors));
    const { task } = await readTask(parts, config, taskId);
    return { ...task };
  });
}
