import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import * as doc from './documents.ts';
import {
  answer,
  errorsText,
  fitted,
  refusal,
  RESULT_BUDGET_BYTES,
  type ToolParts,
} from './results.ts';

/** How many of a queue's front `queue_status` shows (the graph's front holds up to 100). */
export const FRONT_SHOWN = 20;

const record = z.record(z.string(), z.unknown());
const READ_ONLY = { readOnlyHint: true, destructiveHint: false, openWorldHint: false } as const;

const queueInput = z.object({
  queue: z
    .string()
    .min(1)
    .max(300)
    .optional()
    .describe(
      'One queue by its ID (as this tool lists it, e.g. batchqueue:us-east-1:<name>); default: every queue',
    ),
  account: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe(
      'without queue: only this account, by alias (default: every account the token reads)',
    ),
  region: z
    .string()
    .min(1)
    .max(32)
    .optional()
    .describe('without queue: only this region (default: the gateway’s AWS region)'),
});

const queueOutput = z.object({
  queues: z.array(record).optional().describe('without queue: every queue asked'),
  queue: record.optional().describe('with queue: that queue'),
  front: z
    .array(record)
    .optional()
    .describe(`with queue: its first RUNNABLE jobs, at most ${FRONT_SHOWN}`),
  capacityInUse: z
    .array(record)
    .optional()
    .describe('with queue: the capacity in use, the queue’s total then by share and quota share'),
  note: z.string().optional(),
});

/** The read tools over job queues: `queue_status` and `why_waiting` (docs/mcp.md, docs/queues.md). */
export function registerQueueTools(server: McpServer, parts: ToolParts): void {
  server.registerTool(
    'queue_status',
    {
      title: 'Job queue status',
      description: `AWS Batch job queues across the accounts the token reads: each queue's state and status, its compute environments' status (an INVALID or DISABLED one starts no job), its jobs counted by state and its wait p50/p90 (seconds, last 24 h). With queue (an ID this tool lists): that queue with its environments' vCPUs, the capacity in use and its first ${FRONT_SHOWN} waiting jobs (use why_waiting on one). Other providers have no queues.`,
      inputSchema: queueInput,
      outputSchema: queueOutput,
      annotations: READ_ONLY,
    },
    async ({ queue, account, region }) => {
      if (queue === undefined) return allQueues(parts, account, region);
      if (account !== undefined || region !== undefined)
        return refusal(
          'BAD_USER_INPUT: a queue’s ID names its account and region: give queue alone',
        );
      return oneQueue(parts, queue);
    },
  );
  server.registerTool(
    'why_waiting',
    {
      title: 'Why a job waits',
      description:
        'Why one job has not started (AWS Batch SUBMITTED/PENDING/RUNNABLE): its place in its queue’s front, since when it waits, and the reasons in the order of AWS’s “stuck in RUNNABLE” checklist (an invalid or disabled compute environment, a disabled or blocked queue, no instance type large enough, maxvCpus reached, a share limit, a dependency, jobs ahead), each with a sentence and its evidence.',
      inputSchema: z.object({ id: z.string().min(1).max(512).describe('The job’s global ID') }),
      outputSchema: z.object({
        id: z.string(),
        name: z.string().nullable(),
        state: z.string(),
        waiting: record.nullable(),
        note: z.string().optional(),
      }),
      annotations: READ_ONLY,
    },
    async ({ id }) => {
      const res = await parts.run(parts.admitted, doc.WHY_WAITING, { id });
      const job = res.data?.job as
        | {
            id: string;
            name: string | null;
            state: string;
            waiting: Record<string, unknown> | null;
          }
        | null
        | undefined;
      if (!job) return refusal(errorsText(res.errors) || 'NOT_FOUND: no such job');
      if (job.waiting) return answer({ ...job });
      return answer({
        ...job,
        note: `${job.id} is not waiting: it is ${job.state}. Only an AWS Batch job that has not started (SUBMITTED, PENDING or RUNNABLE) waits in a queue jobgraph shows.`,
      });
    },
  );
}

/** `queue_status` without a queue: `jobQueues`, cut at the last queue that fits the budget. */
async function allQueues(parts: ToolParts, account?: string, region?: string) {
  const filter = {
    ...(account !== undefined ? { accounts: [account] } : {}),
    ...(region !== undefined ? { regions: [region] } : {}),
  };
  const res = await parts.run(parts.admitted, doc.QUEUES, { filter });
  const queues = res.data?.jobQueues as Record<string, unknown>[] | null | undefined;
  if (!queues) return refusal(errorsText(res.errors));
  return answer(
    fitted(queues, (kept, cut) => ({
      queues: kept,
      ...(cut
        ? {
            note: `${queues.length - kept.length} of ${queues.length} queues left out to stay under ${RESULT_BUDGET_BYTES} bytes: ask with account or region, or for one queue by its id`,
          }
        : queues.length === 0
          ? { note: 'no job queue in the accounts and region asked (only AWS Batch has queues)' }
          : {}),
    })),
  );
}

/**
 * `queue_status` of one queue: `jobQueue(id)`, then its snapshot's front (the first FRONT_SHOWN
 * that fit) and capacity in use; when the snapshot is refused the queue is answered without them
 * and the note carries the graph's error.
 */
async function oneQueue(parts: ToolParts, id: string) {
  const res = await parts.run(parts.admitted, doc.QUEUE, { id });
  const queue = res.data?.jobQueue as Record<string, unknown> | null | undefined;
  if (!queue) return refusal(errorsText(res.errors) || `NOT_FOUND: no job queue ${id}`);
  const snap = await parts.run(parts.admitted, doc.QUEUE_FRONT, { id });
  const got = snap.data?.jobQueue as
    | { front: Record<string, unknown>[]; capacityInUse: Record<string, unknown>[] }
    | null
    | undefined;
  if (!got)
    return answer({
      queue,
      note: `front unavailable: ${errorsText(snap.errors) || 'the queue’s snapshot was not answered'}`,
    });
  const shown = got.front.slice(0, FRONT_SHOWN);
  return answer(
    fitted(shown, (kept) => ({
      queue,
      capacityInUse: got.capacityInUse,
      front: kept,
      ...(kept.length < got.front.length
        ? {
            note: `the first ${kept.length} of the ${got.front.length} jobs at the front${kept.length < shown.length ? `, to stay under ${RESULT_BUDGET_BYTES} bytes` : ''}`,
          }
        : {}),
    })),
  );
}
