import {
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
} from 'graphql';
import type { JobListFilter, JobListPage, ListedJob, RequestContext } from '../context.ts';
import type { JobRecord } from '../model/job.ts';
import { JOB_TYPE_NAME } from '../model/jobKeys.ts';
import { listFilterOf } from '../limits/jobBudget.ts';

/** `listJobs`' arguments as GraphQL gives them (an explicit null is absent). */
export interface ListJobsArgs {
  filter?: { [K in keyof JobListFilter]?: JobListFilter[K] | null } | null;
  first?: number | null;
  after?: string | null;
}

/**
 * What a non-null field answers when the job's full record could not be read: `node` is `Job!`,
 * so a null there would take the whole page with it, and one job's failure must stay that job's.
 * The record's error is on every nullable field the caller selected (the console selects
 * `statusMessage` for this); `state` is UNKNOWN ("one jobgraph does not know"), `terminal` false
 * and a list empty. Identifiers are in every summary, so no other non-null field needs one.
 */
function unreadValue(type: GraphQLOutputType): unknown {
  if (!isNonNullType(type)) return undefined;
  const inner = type.ofType;
  if (isListType(inner)) return [];
  if (isEnumType(inner) && inner.name === 'JobState') return 'UNKNOWN';
  if (isScalarType(inner) && inner.name === 'Boolean') return false;
  return undefined;
}

/**
 * A listed job as a `Job` value: what its list summary carries, as the record would have it, and
 * for every other field of its concrete type a function graphql-js's default resolver calls
 * (it calls a function-valued property) to read the field from the job's full record, loaded
 * once through the request's batched, budgeted describe loader. So a selection the summary
 * answers makes no describe call, and one that needs more makes one per job (all of the page's
 * in one batch), with the describe path's authorization and secret handling; a failed describe
 * is that job's field errors (see unreadValue), not the page's.
 */
function nodeOf(
  job: ListedJob,
  ctx: RequestContext,
  info: GraphQLResolveInfo,
): Record<string, unknown> {
  // The summary already holds id, provider, createdAt, and state and terminal where known.
  const node: Record<string, unknown> = { ...job.summary };
  let record: Promise<JobRecord> | undefined;
  const type = info.schema.getType(JOB_TYPE_NAME[job.provider]);
  const fields = isObjectType(type) ? Object.values(type.getFields()) : [];
  for (const field of fields) {
    const name = field.name;
    if (name in node) continue;
    node[name] = () =>
      (record ??= ctx.loadJob(job.key, 'listJobs', job.summary)).then(
        (r) => (r as unknown as Record<string, unknown>)[name],
        (err: unknown) => {
          const fallback = unreadValue(field.type);
          if (fallback === undefined) throw err;
          return fallback;
        },
      );
  }
  return node;
}

/** The `JobConnection` of one page: edges and nodes share each job's value. */
function connectionOf(page: JobListPage, ctx: RequestContext, info: GraphQLResolveInfo) {
  const edges = page.edges.map((edge) => ({
    cursor: edge.cursor,
    node: nodeOf(edge.job, ctx, info),
  }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    sources: page.sources,
  };
}

/** `Query.listJobs`: the lister checks the arguments (before any upstream call) and pages. */
export async function listJobs(
  _source: unknown,
  args: ListJobsArgs,
  ctx: RequestContext,
  info: GraphQLResolveInfo,
) {
  const page = await ctx.listJobs({
    filter: listFilterOf(args.filter),
    first: args.first ?? 25,
    after: args.after ?? null,
  });
  return connectionOf(page, ctx, info);
}
