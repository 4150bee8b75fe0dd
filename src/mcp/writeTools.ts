import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import * as doc from './documents.ts';
import { answer, clip, errorsText, refusal } from './results.ts';
import type { ToolParts } from './results.ts';

/** The audit's actor for an MCP call: the token's subject, and the MCP client it came through. */
export function mcpActor(subject: string | null, clientName: string | null): string {
  const client = clip((clientName ?? 'unknown').replace(/[^\w .@:/-]/g, '_'), 64);
  return `${subject ?? 'anonymous'} via MCP client "${client}"`;
}

const input = z.object({
  id: z.string().min(1).max(512).describe('The job’s global ID'),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .describe('Why, in words the job’s owner will read (the provider shows it)'),
});
const output = z.object({
  id: z.string(),
  action: z.string(),
  outcome: z.string(),
  message: z.string(),
  providerCode: z.string().nullable(),
  state: z.string().nullable(),
  rerun: z
    .object({ id: z.string(), state: z.string() })
    .nullable()
    .describe('rerun_job: the new job (watch it with watch_job); null for the others'),
  task: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('rerun_job: the new job as a task (its ID the job’s), as watch_job answers it'),
});

const WRITE_TOOLS = [
  {
    name: 'cancel_job',
    title: 'Cancel a job',
    description:
      'Cancel one job not yet started (AWS Batch SUBMITTED/PENDING/RUNNABLE, COS Batch unfinished, Import/Export Pending); a started Batch job answers NOT_APPLIED (use terminate_job). Audited under the token’s subject and this client.',
    document: doc.CANCEL,
    field: 'cancelJob',
  },
  {
    name: 'terminate_job',
    title: 'Terminate a job',
    description:
      'Stop one AWS Batch job or service job in any unfinished state, a running container or training job included; NOT_SUPPORTED elsewhere. Audited under the token’s subject and this client.',
    document: doc.TERMINATE,
    field: 'terminateJob',
  },
  {
    name: 'rerun_job',
    title: 'Rerun a failed job',
    description:
      'Submit a failed job again as it ran: an AWS Batch job (its definition revision, queue, parameters, command, environment, resources, tags; a child’s rerun is its parent’s) or service job, a COS Batch job, a failed or cancelled HealthOmics workflow run (duplicated by its run ID). Asked again with the same reason, it answers the same new job (one submission). Answers the new job’s ID: watch it with watch_job. NOT_SUPPORTED for the other kinds. Audited under the token’s subject and this client.',
    document: doc.RERUN,
    field: 'rerunJob',
  },
] as const;

/** The write tools' names. */
const WRITE_TOOL_NAMES: readonly string[] = WRITE_TOOLS.map((t) => t.name);

/**
 * The write tool a JSON-RPC body calls when its caller may not (`allowed` false), else null: the
 * route answers it with the step-up challenge (403, the scope named) before any server is built.
 */
export function refusedWriteCall(body: unknown, allowed: boolean): string | null {
  if (allowed || typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { method, params } = body as { method?: unknown; params?: { name?: unknown } };
  if (method !== 'tools/call' || typeof params?.name !== 'string') return null;
  return WRITE_TOOL_NAMES.includes(params.name) ? params.name : null;
}

/**
 * `cancel_job` and `terminate_job` run the graph's own mutations as the caller, its subject
 * recorded beside the MCP client's name. With the write tools off on this gateway they are not
 * served; with them on but a token without `jobs:write` they are not listed, and a call is
 * answered with the scope challenge (403, `scope="jobs:read jobs:write"`: `refusedWriteCall`).
 */
export function registerWriteTools(
  server: McpServer,
  parts: ToolParts,
  gate: { on: boolean; allowed: boolean },
  /** The task of a job by ID (tasks.ts), for the job a rerun made. */
  taskOf: (id: string) => Promise<object | null>,
): void {
  if (!gate.on) return;
  for (const tool of WRITE_TOOLS) {
    const registered = server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: input,
        outputSchema: output,
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
      },
      async ({ id, reason }) => {
        const { identity } = parts.admitted;
        const actor = mcpActor(identity.subject, parts.clientName());
        const res = await parts.run(
          { ...parts.admitted, identity: { ...identity, subject: actor } },
          tool.document,
          { id, reason },
        );
        const result = res.data?.[tool.field] as Record<string, unknown> | null | undefined;
        if (!result) return refusal(errorsText(res.errors));
        const job = result.job as { state?: string } | null;
        const rerun = (result.rerun as { id: string; state: string } | null | undefined) ?? null;
        return answer({
          id: result.id,
          action: result.action,
          outcome: result.outcome,
          message: result.message,
          providerCode: result.providerCode ?? null,
          state: job?.state ?? null,
          rerun,
          task: rerun ? await taskOf(rerun.id) : null,
        });
      },
    );
    if (!gate.allowed) registered.disable();
  }
}
