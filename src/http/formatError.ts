import { randomUUID } from 'node:crypto';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { scrubSecrets } from '../auth/secretValues.ts';
import { JobgraphError, PUBLIC_ERROR_CODES } from '../errors.ts';
import { nameTokenLimit } from '../limits/index.ts';

// What a client sees of an error, for every transport (Apollo over HTTP, SSE, WebSocket).

/** Codes Apollo Server itself raises for bad requests; their messages are safe to show. */
const APOLLO_REQUEST_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * One decision on what a client sees: jobgraph's own errors and errors with an allow-listed
 * code (the public codes in errors.ts, Apollo's request errors) keep their message; anything
 * else becomes "Internal server error" with a correlation ID that the log line carries too.
 *
 * A kept error shows only the extensions meant for clients: all of a JobgraphError's (they
 * are written for the client), just `code` (and a numeric `retryAfterMs`) for any other. No
 * `stacktrace`, ever.
 *
 * `requestIds` maps an error to the ID of the request it happened in (filled by the request
 * plugin), so the internal-error log line names the request too.
 */
export function createFormatError(
  logger: Logger,
  requestIds: WeakMap<object, string> = new WeakMap(),
) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    if (original instanceof JobgraphError) {
      // `http` (a status for Apollo) is for the response head, not the client's extensions.
      const { http: _http, ...extensions } = original.extensions;
      return { ...publicShape(formatted), extensions: scrubStrings(extensions) };
    }
    if (
      typeof code === 'string' &&
      (APOLLO_REQUEST_CODES.has(code) ||
        (PUBLIC_ERROR_CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR'))
    ) {
      // And when to try again, where the error says (RATE_LIMITED and UPSTREAM_THROTTLED made
      // into an operation's own error, subscriptions/operation.ts): a number, nothing else.
      const retryAfterMs = formatted.extensions?.retryAfterMs;
      return {
        ...publicShape(formatted),
        extensions: typeof retryAfterMs === 'number' ? { code, retryAfterMs } : { code },
      };
    }
    const correlationId = randomUUID();
    const requestId =
      typeof error === 'object' && error !== null ? requestIds.get(error) : undefined;
    logger.error(
      { correlationId, ...(requestId ? { requestId } : {}), err: original, path: formatted.path },
      'internal error',
    );
    return {
      message: 'Internal server error',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId },
    };
  };
}

/**
 * Extensions that carry what an upstream sent (its error code and request ID, already held to
 * UPSTREAM_VALUE_PATTERN): scrubbed of every registered secret value like the message, since an
 * upstream may echo one there. The others — `code`, `provider`, an argument's name — are
 * jobgraph's own decisions and never rewritten, so no job's content can change them for anyone.
 */
const UPSTREAM_EXTENSIONS = ['upstreamCode', 'upstreamRequestId'] as const;

function scrubStrings(extensions: Record<string, unknown>): Record<string, unknown> {
  for (const k of UPSTREAM_EXTENSIONS) {
    const v = extensions[k];
    if (typeof v === 'string') extensions[k] = scrubSecrets(v);
  }
  return extensions;
}

/** Longest error message a client gets: 1 KB of UTF-8, the whole message. */
const MAX_MESSAGE_BYTES = 1024;

const utf8 = new TextEncoder();
const bytesOf = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * A message cut to MAX_MESSAGE_BYTES, its middle left out: graphql-js quotes a variable's
 * whole invalid value in its coercion errors (a 500 KB `DateTime` is a 500 KB message), so no
 * message may echo input unbounded. Cut between characters, never inside one.
 */
function boundedMessage(message: string): string {
  if (bytesOf(message) <= MAX_MESSAGE_BYTES) return message;
  // The reason is at the end ("…; DateTime must be …"), the echoed value in the middle. The
  // marker's room is reserved for the largest count it can say.
  const marker = (cut: number) => `…[${cut} characters cut]…`;
  const room = MAX_MESSAGE_BYTES - bytesOf(marker(message.length));
  const tailRoom = Math.floor(room / 4);
  // encodeInto writes whole characters only: `read` is how much of the head fits.
  const headText = message.slice(0, room - tailRoom);
  const head = headText.slice(0, utf8.encodeInto(headText, new Uint8Array(room - tailRoom)).read);
  let tail = message.slice(-tailRoom);
  while (bytesOf(tail) > tailRoom || /^[\uDC00-\uDFFF]/.test(tail)) tail = tail.slice(1);
  return `${head}${marker(message.length - head.length - tail.length)}${tail}`;
}

/**
 * Message, locations and path: the parts of a kept error that are not extensions. The message
 * is scrubbed of every registered secret value (and secret-shaped string), whatever built it.
 */
function publicShape(formatted: GraphQLFormattedError): GraphQLFormattedError {
  return {
    // Scrubbed whole, then cut: a secret cut in two would no longer be recognised.
    message: boundedMessage(scrubSecrets(nameTokenLimit(formatted.message))),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
}
