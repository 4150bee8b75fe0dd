import { McpServer, type CallToolResult } from '@modelcontextprotocol/server';
import { isEnumType, type GraphQLSchema } from 'graphql';
import * as z from 'zod';
import { SCOPE_LOGS, SCOPE_READ, SCOPE_WRITE, type Identity } from '../auth/identity.ts';
import type { Config } from '../config/index.ts';
import type { Admitted } from '../http/authenticator.ts';
import * as doc from './documents.ts';
import {
  answer,
  errorsText,
  fitted,
  fittedTail,
  refusal,
  RESULT_BUDGET_BYTES,
  type RunOperation,
  type ToolParts,
} from './results.ts';
import { registerQueueTools } from './queueTools.ts';
import { jobTasks, registerTasks } from './tasks.ts';
import { registerWriteTools } from './writeTools.ts';

/** The package's version as the server names itself. */
const SERVER_INFO = { name: 'jobgraph', version: '1' };

const jobRecord = z.record(z.string(), z.unknown());
const READ_ONLY = { readOnlyHint: true, destructiveHint: false, openWorldHint: false } as const;

/** The values a filter may take, read from the schema's enums (never a list of our own). */
export interface FilterChoices {
  providers: [string, ...string[]];
  states: [string, ...string[]];
  failureCategories: [string, ...string[]];
}

/**
 * The filter choices of `schema`: JobProvider, JobState and FailureCategory's values; null for a
 * schema that is not jobgraph's graph (a test's own schema), which gets no /mcp.
 */
export function choicesOf(schema: GraphQLSchema): FilterChoices | null {
  const values = (name: string): [string, ...string[]] | null => {
    const type = schema.getType(name);
    if (!isEnumType(type)) return null;
    const [first, ...rest] = type.getValues().map((v) => v.name);
    return first === undefined ? null : [first, ...rest];
  };
  const providers = values('JobProvider');
  const states = values('JobState');
  const failureCategories = values('FailureCategory');
  if (!providers || !states || !failureCategories) return null;
  return { providers, states, failureCategories };
}

/** Whether the caller's token holds `scope`. */
const holds = (identity: Identity, scope: string) => identity.scopes.has(scope);

/**
 * A fresh MCP server for one request's caller: the read tools when its token has `jobs:read`,
 * the write tools when it also has `jobs:write` and JOBGRAPH_MCP_WRITE_TOOLS is on.
 */
export function mcpServerFor(
  admitted: Admitted,
  { config, run, choices }: { config: Config; run: RunOperation; choices: FilterChoices },
): McpServer {
  const server = new McpServer(SERVER_INFO, {
    instructions:
      'jobgraph: one view of batch jobs across cloud providers. find_jobs to list, get_job for one, why_failed for a failure, job_timeline for its history, queue_status for AWS Batch queues, why_waiting for a job not started.',
  });
  const parts: ToolParts & { choices: FilterChoices } = {
    admitted,
    run,
    choices,
    clientName: () => server.server.getClientVersion()?.name ?? null,
  };
  if (holds(admitted.identity, SCOPE_READ)) {
    registerReadTools(server, parts);
    registerTasks(server, parts, config);
  }
  registerWriteTools(
    server,
    parts,
    {
      on: config.mcpWriteTools,
      allowed: holds(admitted.identity, SCOPE_READ) && holds(admitted.identity, SCOPE_WRITE),
    },
    jobTasks(parts, config),
  );
  return server;
}

/** One job by ID, or the graph's refusal. */
async function oneJob(
  parts: ToolParts,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ job: Record<string, unknown> } | { error: CallToolResult }> {
  const res = await parts.run(parts.admitted, query, variables);
  const job = res.data?.job as Record<string, unknown> | null | undefined;
  if (!job) return { error: refusal(errorsText(res.errors) || 'NOT_FOUND: no such job') };
  return { job };
}

function registerReadTools(server: McpServer, parts: ToolParts & { choices: FilterChoices }): void {
  registerFindJobs(server, parts);
  server.registerTool(
    'get_job',
    {
      title: 'Get one job',
      description:
        'One job by its global ID (as find_jobs returns it, e.g. batch:us-east-1:<jobId>): provider, account, state, times, failure summary, and the actions the caller may take.',
      inputSchema: z.object({ id: z.string().min(1).max(512).describe('The job’s global ID') }),
      outputSchema: z.object({ job: jobRecord }),
      annotations: READ_ONLY,
    },
    async ({ id }) => {
      const got = await oneJob(parts, doc.GET_JOB, { id });
      return 'error' in got ? got.error : answer({ job: got.job });
    },
  );
  registerWhyFailed(server, parts);
  server.registerTool(
    'job_timeline',
    {
      title: 'Job timeline',
      description:
        'What happened to one job step by step as jobgraph saw it (its history store): each state change with when, from, to and how it was learnt; newest last.',
      inputSchema: z.object({ id: z.string().min(1).max(512).describe('The job’s global ID') }),
      outputSchema: z.object({
        id: z.string(),
        state: z.string(),
        transitions: z.array(jobRecord),
        truncated: z.boolean(),
        note: z.string().optional(),
      }),
      annotations: READ_ONLY,
    },
    async ({ id }) => {
      const got = await oneJob(parts, doc.TIMELINE, { id });
      if ('error' in got) return got.error;
      const transitions = (got.job.transitions ?? []) as Record<string, unknown>[];
      return answer(
        fittedTail(transitions, (kept, cut) => ({
          id: got.job.id,
          state: got.job.state,
          transitions: kept,
          truncated: cut,
          ...(cut
            ? { note: `older transitions left out to stay under ${RESULT_BUDGET_BYTES} bytes` }
            : {}),
        })),
      );
    },
  );
  registerQueueTools(server, parts);
}

/** find_jobs' input: the filters of listJobs and jobHistory, their enums the schema's. */
const findInputOf = (choices: FilterChoices) =>
  z.object({
    source: z
      .enum(['live', 'history'])
      .default('live')
      .describe(
        'live: ask the providers now (listJobs); history: jobs jobgraph has seen (jobHistory), with text and finish-time filters',
      ),
    providers: z.array(z.enum(choices.providers)).max(10).optional().describe('default: all'),
    accounts: z
      .array(z.string())
      .max(20)
      .optional()
      .describe('account aliases; default: every account the token reads'),
    states: z.array(z.enum(choices.states)).max(10).optional().describe('default: any'),
    failureCategories: z
      .array(z.enum(choices.failureCategories))
      .max(20)
      .optional()
      .describe('only failed or cancelled jobs of these causes'),
    text: z
      .string()
      .min(3)
      .max(200)
      .optional()
      .describe('history only: text in the name, queue or status message'),
    createdAfter: z.string().optional().describe('ISO 8601 time'),
    createdBefore: z.string().optional().describe('ISO 8601 time'),
    first: z.number().int().min(1).max(50).default(20).describe('page size, 1..50'),
    cursor: z
      .string()
      .optional()
      .describe('nextCursor of the previous answer, with the same filters'),
  });

function registerFindJobs(server: McpServer, parts: ToolParts & { choices: FilterChoices }): void {
  server.registerTool(
    'find_jobs',
    {
      title: 'Find jobs',
      description:
        'List jobs across providers and accounts, newest first, filtered by provider, account, state, failure category, text (history) and creation time. A bounded page: when nextCursor is set, ask again with cursor = nextCursor and the same filters.',
      inputSchema: findInputOf(parts.choices),
      outputSchema: z.object({
        jobs: z.array(jobRecord),
        nextCursor: z.string().nullable(),
        note: z.string().optional(),
      }),
      annotations: READ_ONLY,
    },
    async (args) => {
      const history = args.source === 'history';
      const { source: _source, first, cursor, text, ...rest } = args;
      const filter = Object.fromEntries(
        Object.entries({ ...rest, ...(history && text ? { text } : {}) }).filter(
          ([, v]) => v !== undefined,
        ),
      );
      if (!history && text) return refusal('BAD_USER_INPUT: text needs source "history"');
      const res = await parts.run(parts.admitted, history ? doc.FIND_HISTORY : doc.FIND_LIVE, {
        filter,
        first,
        after: cursor ?? null,
      });
      const page = res.data?.[history ? 'jobHistory' : 'listJobs'] as
        | {
            edges: { cursor: string; node: Record<string, unknown> }[];
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
          }
        | undefined;
      if (!page) return refusal(errorsText(res.errors));
      return answer(
        fitted(page.edges, (kept, cut) => {
          const next = cut
            ? (kept.at(-1)?.cursor ?? cursor ?? null)
            : page.pageInfo.hasNextPage
              ? page.pageInfo.endCursor
              : null;
          return {
            jobs: kept.map((e) => e.node),
            nextCursor: next,
            ...(cut || next ? { note: `more jobs: ask again with cursor "${next}"` } : {}),
          };
        }),
      );
    },
  );
}

function registerWhyFailed(server: McpServer, parts: ToolParts): void {
  const logs = holds(parts.admitted.identity, SCOPE_LOGS);
  server.registerTool(
    'why_failed',
    {
      title: 'Why a job failed',
      description: `Why one failed or cancelled job ended: its category, whether a rerun would likely pass, one sentence, the provider's evidence${logs ? ', and the newest lines of its log' : ` (its log lines need the ${SCOPE_LOGS} scope)`}.`,
      inputSchema: z.object({
        id: z.string().min(1).max(512).describe('The job’s global ID'),
        lines: z
          .number()
          .int()
          .min(1)
          .max(200)
          .default(50)
          .describe('how many of the newest log lines'),
      }),
      outputSchema: z.object({
        id: z.string(),
        state: z.string(),
        failure: jobRecord.nullable(),
        logLines: z.array(z.string()).optional(),
        note: z.string().optional(),
      }),
      annotations: READ_ONLY,
    },
    async ({ id, lines }) => {
      const got = await oneJob(parts, logs ? doc.WHY_FAILED_WITH_LOGS : doc.WHY_FAILED, {
        id,
        ...(logs ? { last: lines } : {}),
      });
      if ('error' in got) return got.error;
      const { job } = got;
      const base = { id: job.id, state: job.state, failure: job.failure ?? null };
      if (!logs) return answer({ ...base, note: `log lines need the ${SCOPE_LOGS} scope` });
      const tail = job.logTail as {
        lines: { message: string }[];
        unavailable: string | null;
      } | null;
      const all = (tail?.lines ?? []).map((l) => l.message);
      return answer(
        fittedTail(all, (kept, cut) => ({
          ...base,
          logLines: kept,
          ...(cut
            ? {
                note: `older lines left out to stay under ${RESULT_BUDGET_BYTES} bytes: ask for fewer lines`,
              }
            : tail?.unavailable
              ? { note: tail.unavailable }
              : {}),
        })),
      );
    },
  );
}
