import { OperationTypeNode, getOperationAST, parse, type ParseOptions } from 'graphql';

/** The media types of `Accept` with a quality above zero, lower-case. */
export function acceptedTypes(accept: string | undefined): string[] {
  return (accept ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase().split(';'))
    .filter(([, ...params]) => !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p)))
    .map(([type]) => (type ?? '').trim())
    .filter(Boolean);
}

const JSON_TYPES = new Set([
  'application/json',
  'application/graphql-response+json',
  'application/*',
  '*/*',
]);

/**
 * Whether a GraphQL request gets an event stream (the SSE adapter) rather than JSON (Apollo):
 * when `Accept` lists `text/event-stream` and no JSON type, or lists both and the operation is a
 * subscription (urql's fetch lists both for every operation). Only then is the document parsed
 * here; one that does not parse goes to Apollo, which answers the syntax error.
 */
export function wantsEventStream(
  accept: string | undefined,
  params: unknown,
  parseOptions: ParseOptions,
): boolean {
  const types = acceptedTypes(accept);
  if (!types.includes('text/event-stream')) return false;
  if (!types.some((t) => JSON_TYPES.has(t))) return true;
  return operationTypeOf(params, parseOptions) === OperationTypeNode.SUBSCRIPTION;
}

/**
 * A GET request's operation from its URL parameters, as GraphQL over HTTP has them: `variables`
 * and `extensions` are JSON text (left as text when it does not parse, so the refusal names it).
 */
export function paramsFromUrl(query: Record<string, unknown>): Record<string, unknown> {
  const json = (value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  };
  return {
    query: query.query,
    operationName: query.operationName,
    variables: json(query.variables),
    extensions: json(query.extensions),
  };
}

/** The type of the operation a request selects, when its document parses within the token limit; undefined otherwise. */
export function operationTypeOf(
  params: unknown,
  parseOptions: ParseOptions,
): OperationTypeNode | undefined {
  const { query, operationName } = (params ?? {}) as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return undefined;
  try {
    return getOperationAST(
      parse(query, parseOptions),
      typeof operationName === 'string' ? operationName : undefined,
    )?.operation;
  } catch {
    return undefined;
  }
}
