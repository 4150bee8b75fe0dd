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

/** Where a listed node keeps its row and, once a field asked for it, its record's load. */
const ROW = Symbol('listed row');
const RECORD = Symbol('listed record');

interface ListedNode {
  [ROW]: ListedJob;
  [RECORD]: Promise<JobRecord> | undefined;
}

/** Whether `job` is a `listJobs` node, whose fields beyond its summary load the job's record. */
export const isListedNode = (job: object): boolean => ROW in job;

/**
 * The readers of one concrete type's fields for one request: a getter a field, shared by every
 * node of that type on the page (their prototype). A getter reads the field from the job's full
 * record, loaded once a node through the request's batched, budgeted describe loader; a node's
 * own summary fields shadow it. graphql-js's default resolver reads a getter as any property.
 */
function readersOf(typeName: string, ctx: RequestContext, info: GraphQLResolveInfo): object {
  const readers = {};
  const type = info.schema.getType(typeName);
  for (const field of isObjectType(type) ? Object.values(type.getFields()) : []) {
    const name = field.name;
    Object.defineProperty(readers, name, {
      get(this: ListedNode): Promise<unknown> {
        const job = this[ROW];
        return (this[RECORD] ??= ctx.loadJob(job.key, 'listJobs', job.summary)).then(
          (r) => (r as unknown as Record<string, unknown>)[name],
          (err: unknown) => {
            const fallback = unreadValue(field.type);
            if (fallback === undefined) throw err;
            return fallback;
          },
        );
      },
    });
  }
  return readers;
}

/**
 * A listed job as a `Job` value: what its list summary carries, as the record would have it, over
 * its type's readers (readersOf) for every other field. So a selection the summary answers makes
 * no describe call, and one that needs more makes one per job (all of the page's in one batch),
 * with the describe path's authorization and secret handling; a failed describe is that job's
 * field errors (see unreadValue), not the page's. A node holds its summary's fields and two
 * slots, nothing a field: a page of 100 nodes is 100 objects, not a closure per field per node.
 */
function nodeOf(job: ListedJob, readers: object): Record<string, unknown> {
  // A literal's spread defines own properties: the readers' getters are shadowed, never called.
  return { __proto__: readers, ...job.summary, [ROW]: job, [RECORD]: undefined };
}

/** A page's edge: its node, and its cursor made only when the caller selects it. */
class Edge {
  constructor(
    private readonly listed: JobListPage['edges'][number],
    readonly node: Record<string, unknown>,
  ) {}

  get cursor(): string {
    return this.listed.cursor;
  }
}

/** The `JobConnection` of one page: edges and nodes share each job's value. */
function connectionOf(page: JobListPage, ctx: RequestContext, info: GraphQLResolveInfo) {
  const readers = new Map<string, object>();
  const readersFor = (typeName: string) => {
    let r = readers.get(typeName);
    if (!r) readers.set(typeName, (r = readersOf(typeName, ctx, info)));
    return r;
  };
  const edges = page.edges.map(
    (edge) => new Edge(edge, nodeOf(edge.job, readersFor(JOB_TYPE_NAME[edge.job.provider]))),
  );
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
