import type { RequestContext } from '../context.ts';
import type { HistoryFilter } from '../history/reader.ts';
import { BadUserInputError } from '../errors.ts';

/** `jobHistory`'s arguments as GraphQL gives them (an explicit null is absent). */
export interface JobHistoryArgs {
  filter?: { [K in keyof HistoryFilter]?: HistoryFilter[K] | null } | null;
  first?: number | null;
  after?: string | null;
}

const MAX_FIRST = 100;

/**
 * `Query.jobHistory`: one page of the history store under the caller's grant (in the query's
 * SQL), newest first. Its nodes are the records the store keeps (no upstream call, secret fields
 * null); with history off, an empty page.
 */
export async function jobHistory(_source: unknown, args: JobHistoryArgs, ctx: RequestContext) {
  const first = args.first ?? 25;
  if (!Number.isInteger(first) || first < 1 || first > MAX_FIRST)
    throw new BadUserInputError(`Argument "first" must be between 1 and ${MAX_FIRST}.`, {
      argument: 'first',
    });
  const filter: HistoryFilter = Object.fromEntries(
    Object.entries(args.filter ?? {}).filter(([, v]) => v !== null && v !== undefined),
  );
  const page = ctx.history
    ? await ctx.history.search(filter, first, args.after ?? null)
    : { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
  const edges = page.edges.map((e) => ({ cursor: e.cursor, node: e.node }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: page.pageInfo.hasNextPage,
      hasPreviousPage: args.after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: page.pageInfo.endCursor,
    },
    sources: [],
  };
}
