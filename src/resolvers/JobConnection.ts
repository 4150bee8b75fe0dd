import {
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import type { JobListFilter, JobListPage, ListedJob, RequestContext } from '../context.ts';
import type { JobRecord } from '../model/job.ts';
import { typeNameOf } from '../model/jobKeys.ts';
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

/** Where a listed node keeps its row, its request's context and, once a field asked for it, its record's load. */
const ROW = Symbol('listed row');
const CTX = Symbol('listed request');
const RECORD = Symbol('listed record');

interface ListedNode {
  [ROW]: ListedJob;
  [CTX]: RequestContext;
  [RECORD]: Promise<JobRecord> | undefined;
}

/** Whether `job` is a `listJobs` node, whose fields beyond its summary load the job's record. */
export const isListedNode = (job: object): boolean => ROW in job;

/**
 * The readers of one concrete type's fields: a getter a field, shared by every node of that type
 * (their prototype) in every request. A getter reads the field from the job's full record, loaded
 * once a node through its request's batched, budgeted describe loader (the node holds its
 * request's context); a node's own summary fields shadow it. graphql-js's default resolver reads
 * a getter as any property. Made once a schema and type, not once a request: a prototype made per
 * request gave every page new hidden classes and prototype bookkeeping, allocated where only a
 * full collection frees them.
 */
function readersOf(type: GraphQLObjectType): object {
  const readers = {};
  for (const field of Object.values(type.getFields())) {
    const name = field.name;
    Object.defineProperty(readers, name, {
      get(this: ListedNode): Promise<unknown> {
        const job = this[ROW];
        return (this[RECORD] ??= this[CTX].loadJob(job.key, 'listJobs', job.summary)).then(
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

/** Each schema's readers, by concrete type name (readersOf). */
const READERS = new WeakMap<GraphQLSchema, Map<string, object>>();

function readersFor(schema: GraphQLSchema, typeName: string): object {
  let byType = READERS.get(schema);
  if (!byType) READERS.set(schema, (byType = new Map<string, object>()));
  let readers = byType.get(typeName);
  if (!readers) {
    const type = schema.getType(typeName);
    byType.set(typeName, (readers = isObjectType(type) ? readersOf(type) : {}));
  }
  return readers;
}

/**
 * A listed job as a `Job` value: what its list summary carries, as the record would have it, over
 * its type's readers (readersOf) for every other field. So a selection the summary answers makes
 * no describe call, and one that needs more makes one per job (all of the page's in one batch),
 * with the describe path's authorization and secret handling; a failed describe is that job's
 * field errors (see unreadValue), not the page's. A node holds its summary's fields and three
 * slots, nothing a field: a page of 100 nodes is 100 objects, not a closure per field per node.
 */
function nodeOf(job: ListedJob, readers: object, ctx: RequestContext): Record<string, unknown> {
  // A literal's spread defines own properties: the readers' getters are shadowed, never called.
  return { __proto__: readers, ...job.summary, [ROW]: job, [CTX]: ctx, [RECORD]: undefined };
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
  const readers = (job: ListedJob) => readersFor(info.schema, typeNameOf(job.key));
  const edges = page.edges.map((edge) => new Edge(edge, nodeOf(edge.job, readers(edge.job), ctx)));
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
