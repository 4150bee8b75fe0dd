/** The Relay connections of notification rules and of a rule's deliveries: page sizes and cursors. */
import { BadUserInputError } from '../errors.ts';

/** Most items one page holds. */
const MAX_RULES_PAGE = 100;

/** `first` of a page: 1 to MAX_RULES_PAGE, else BAD_USER_INPUT. */
export function pageSize(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_RULES_PAGE)
    throw new BadUserInputError(`Argument "first" must be between 1 and ${MAX_RULES_PAGE}.`, {
      argument: 'first',
    });
}

/** A Relay connection's fields of one page of `edges`. */
export function connection<T>(
  edges: { cursor: string; node: T }[],
  hasNextPage: boolean,
  hasPrevious: boolean,
) {
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

export const encodeCursor = (row: { created_at: string; id: string }) =>
  Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');

export function decodeCursor(cursor: string, of: string): { createdAt: string; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string')
      return { createdAt: v[0], id: v[1] };
  } catch {
    // refused below
  }
  throw new BadUserInputError(`Argument "after" is not a cursor of ${of}.`, {
    argument: 'after',
  });
}
