import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type http from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';

/** One error as a client sees it: a message of jobgraph's and its public code. */
export interface ErrorAnswerItem {
  message: string;
  extensions: { code: string } & Record<string, unknown>;
}

/**
 * The content type of a JSON answer: `application/graphql-response+json` when the client lists
 * it before `application/json` (or alone), as GraphQL over HTTP asks; `application/json` otherwise.
 */
function jsonContentType(accept: string | undefined): string {
  const types = (accept ?? '').split(',').map((part) => {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
  });
  const rank = (name: string) => types.findIndex((t) => t.type === name && t.q > 0);
  const graphql = rank('application/graphql-response+json');
  const json = rank('application/json');
  return graphql >= 0 && (json < 0 || graphql <= json)
    ? 'application/graphql-response+json; charset=utf-8'
    : 'application/json; charset=utf-8';
}

/** Longest reason phrase written: enough for one of jobgraph's messages, short of a header's worth. */
const MAX_REASON_PHRASE = 300;

/**
 * The status line's reason phrase for an error answer: the status's own words, then the first
 * error's message (`Unauthorized: The bearer token is not valid: it has expired.`). A client that
 * reads no body shows the reason phrase: graphql-sse's client turns any refused request into
 * "Server responded with <status>: <statusText>", so this is the only place its users can read
 * why. Printable ASCII only (Node refuses other characters there); the body stays the whole answer.
 */
function reasonPhrase(status: number, message: string | undefined): string {
  const base = STATUS_CODES[status] ?? 'Error';
  if (!message) return base;
  const text = `${base}: ${message.replace(/[^\x20-\x7e]+/g, ' ')}`;
  return text.length > MAX_REASON_PHRASE ? `${text.slice(0, MAX_REASON_PHRASE - 3)}...` : text;
}

/**
 * The one writer of every error answer jobgraph makes outside Apollo's pipeline (whose GraphQL
 * answers go through `formatError`): the status with a reason phrase naming the first error
 * ({@link reasonPhrase}), the errors with their codes, the content type the request's `Accept`
 * asks for, `Cache-Control: no-store`.
 */
export function writeErrorAnswer(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  errors: readonly ErrorAnswerItem[],
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, reasonPhrase(status, errors[0]?.message), {
    'content-type': jsonContentType(req.headers.accept),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(JSON.stringify({ errors }));
}

/** What body-parser, raw-body and the router attach to the errors they raise (http-errors). */
interface HttpLayerError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
}

const badRequest = (message: string): ErrorAnswerItem => ({
  message,
  extensions: { code: 'BAD_REQUEST' },
});

/**
 * Our own words for the HTTP layer's client errors, by body-parser's `type`. The library's
 * messages are not used: some echo request values and none are part of the API.
 */
function clientMessage(status: number, type: unknown, config: Pick<Config, 'limits'>): string {
  if (status === 413)
    return `Request body is larger than ${config.limits.maxBodyBytes} bytes (JOBGRAPH_MAX_BODY_BYTES).`;
  switch (type) {
    case 'charset.unsupported':
      return 'Request body charset is not supported: send application/json in UTF-8.';
    case 'encoding.unsupported':
      return 'Request Content-Encoding is not supported: send the body uncompressed, or as gzip, deflate or br.';
    case 'entity.parse.failed':
      return 'Request body is not valid JSON.';
    case 'request.size.invalid':
      return 'Request body length does not match its Content-Length.';
    case 'request.aborted':
      return 'Request was aborted before its body was read.';
  }
  if (status === 400) return 'Request body could not be read.';
  return `Request refused: ${STATUS_CODES[status] ?? 'client error'}.`;
}

/** The 4xx status a client mistake carries, or null for anything that is ours. */
function clientStatus(err: unknown): number | null {
  if (err instanceof URIError) return 400;
  if (typeof err !== 'object' || err === null) return null;
  const { status, statusCode } = err as HttpLayerError;
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && value >= 400 && value < 500 ? value : null;
}

/**
 * The last Express error handler: every error raised before or around Apollo answers JSON in
 * the GraphQL error shape, never Express's HTML page with a stack trace and file paths.
 *
 * - a client mistake the HTTP layer reports with a 4xx (bad JSON, unsupported charset or
 *   Content-Encoding, too large, a bad Content-Length, bad percent-encoding) keeps its status
 *   (415, 413, 400…) with code `BAD_REQUEST` and a message of ours, logged at info;
 * - anything else is ours: 500 `INTERNAL_SERVER_ERROR` with a correlation ID, logged at error
 *   with the cause.
 */
export function httpErrorHandler(
  config: Pick<Config, 'limits'>,
  logger: Logger,
): ErrorRequestHandler {
  // Four parameters: Express tells an error handler by its arity.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  return (err: unknown, req, res, _next) => {
    // A client that went away (a reset mid-stream, mid-write): nothing to answer and nobody to
    // answer it to. One line, never Express's default handler, which prints the raw error and
    // its stack to stderr (console.error).
    if (isDisconnect(err) || (res.headersSent && (res.destroyed || req.destroyed))) {
      logger.info(
        { requestId: res.locals.requestId, method: req.method, code: errorCode(err) },
        'client disconnected before the answer was written',
      );
      res.destroy();
      return;
    }
    if (res.headersSent) {
      // Too late for a JSON answer: one log line, then the connection is closed, as Express's
      // default handler would (without its console.error).
      logger.error(
        { requestId: res.locals.requestId, err, method: req.method },
        'internal error after the answer began',
      );
      res.destroy();
      return;
    }
    const requestId = typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined;
    const { status, error } = httpErrorAnswer(err, req.method, requestId, config, logger);
    writeErrorAnswer(req, res, status, [error]);
  };
}

/** Node's codes of a connection the peer closed or reset while jobgraph wrote to it. */
const DISCONNECT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_STREAM_WRITE_AFTER_END',
]);

function errorCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

/** Whether `err` says the client's connection is gone (reset, closed, aborted). */
function isDisconnect(err: unknown): boolean {
  const code = errorCode(err);
  return code !== null && DISCONNECT_CODES.has(code);
}

/** The status and error for an error raised around Apollo (see {@link httpErrorHandler}), logged as described there. */
function httpErrorAnswer(
  err: unknown,
  method: string | undefined,
  requestId: string | undefined,
  config: Pick<Config, 'limits'>,
  logger: Logger,
): { status: number; error: ErrorAnswerItem } {
  const status = clientStatus(err);
  if (status !== null) {
    const type = err instanceof URIError ? 'uri.malformed' : (err as HttpLayerError).type;
    const message =
      err instanceof URIError
        ? 'Request URL is not valid percent-encoding.'
        : clientMessage(status, type, config);
    logger.info(
      { requestId, status, type: typeof type === 'string' ? type : null, method },
      'request refused by the HTTP layer',
    );
    return { status, error: badRequest(message) };
  }
  const correlationId = randomUUID();
  logger.error({ correlationId, requestId, err, method }, 'internal error');
  return {
    status: 500,
    error: {
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId },
    },
  };
}

/** Any path or method the server does not serve: JSON 404, not Express's HTML page. */
export const notFoundHandler: RequestHandler = (req, res) => {
  writeErrorAnswer(req, res, 404, [
    badRequest(
      'Not found: jobgraph serves /graphql, GET /healthz, GET /readyz, and /console and GET /metrics unless turned off; GET / lists them.',
    ),
  ]);
};
