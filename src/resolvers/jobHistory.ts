import type { RequestContext } from '../context.ts';
import type { HistoryFilter } from '../history/reader.ts';
import type { HistorySummary } from '../history/summary.ts';
import { BadUserInputError } from '../errors.ts';
import { storableText } from '../history/storableText.ts';

/** `jobHistory`'s arguments as GraphQL gives them (an explicit null is absent). */
export interface JobHistoryArgs {
  filter?: { [K in keyof HistoryFilter]?: HistoryFilter[K] | null } | null;
  first?: number | null;
  after?: string | null;
}

const MAX_FIRST = 100;

/** The longest `filter.text` a search takes, in characters (UTF-16 code units, as GraphQL counts a String). */
const MAX_TEXT_LENGTH = 200;
/**
 * The fewest characters other than white space `filter.text` must hold: the index a search reads
 * (trigrams: SQLite FTS5, PostgreSQL pg_trgm) serves a text of three characters or more, and a
 * shorter one would read every row.
 */
const MIN_TEXT_CHARACTERS = 3;

/** Refuses a `filter.text` out of bounds, before any query: BAD_USER_INPUT naming the argument and the bound. */
function checkHistoryText(text: string): void {
  if (text.length > MAX_TEXT_LENGTH)
    throw new BadUserInputError(
      `Argument "filter.text" is at most ${MAX_TEXT_LENGTH} characters long (it has ${text.length}).`,
      { argument: 'filter.text', maxLength: MAX_TEXT_LENGTH },
    );
  if ([...text.replace(/\s/gu, '')].length < MIN_TEXT_CHARACTERS)
    throw new BadUserInputError(
      `Argument "filter.text" needs at least ${MIN_TEXT_CHARACTERS} characters other than spaces.`,
      { argument: 'filter.text', minCharacters: MIN_TEXT_CHARACTERS },
    );
}

/**
 * A `JobHistoryFilter` as the store asks it, refused (BAD_USER_INPUT) when its text is out of
 * bounds. Each text value as the store keeps text (storableText: a NUL or a lone surrogate is
 * U+FFFD): PostgreSQL refuses a NUL in a parameter, and the stored text holds U+FFFD where it held one.
 */
function historyFilterOf(given: JobHistoryArgs['filter']): HistoryFilter {
  const filter: HistoryFilter = Object.fromEntries(
    Object.entries(given ?? {})
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [
        k,
        typeof v === 'string'
          ? storableText(v)
          : Array.isArray(v)
            ? v.map((x: unknown) => (typeof x === 'string' ? storableText(x) : x))
            : v,
      ]),
  );
  if (filter.text !== undefined) checkHistoryText(filter.text);
  return filter;
}

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
  const filter = historyFilterOf(args.filter);
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

/**
 * `Query.jobHistorySummary`: how many jobs `jobHistory` holds for the filter (every page), by
 * state and failure category, under the caller's grant; with history off, none.
 */
export async function jobHistorySummary(
  _source: unknown,
  args: Pick<JobHistoryArgs, 'filter'>,
  ctx: RequestContext,
): Promise<HistorySummary> {
  const filter = historyFilterOf(args.filter);
  return ctx.history
    ? ctx.history.summary(filter)
    : { jobs: 0, byState: [], byFailureCategory: [] };
}
