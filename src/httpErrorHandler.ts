import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.ts';

/** What body-parser, raw-body and the router attach to the errors they raise (http-errors). */
interface HttpLayerError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
}

type Body = { errors: [{ message: string; extensions: Record<string, unknown> }] };

const badRequest = (message: string): Body => ({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });

/**
 * Our own words for the HTTP layer's client errors, by body-parser's `type`. The library's
 * messages are not used: some echo request values and none are part of the API.
 */
function clientMessage(status: number, type: unknown, config: Pick<Config, 'limits'>): string {
  if (status === 413) return `Request body is larger than ${config.limits.maxBodyBytes} bytes.`;
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
export function httpErrorHandler(config: Pick<Config, 'limits'>, logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      // Too late for a JSON answer: let Express close the connection.
      next(err);
      return;
    }
    const requestId = typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined;
    const { status, body } = httpErrorAnswer(err, req.method, requestId, config, logger);
    res.status(status).json(body);
  };
}

/**
 * The status and JSON body for an error raised around Apollo (see {@link httpErrorHandler}),
 * logged as described there; also what server.ts's direct `POST /graphql` path answers.
 */
export function httpErrorAnswer(
  err: unknown,
  method: string | undefined,
  requestId: string | undefined,
  config: Pick<Config, 'limits'>,
  logger: Logger,
): { status: number; body: Body } {
  const status = clientStatus(err);
  if (status !== null) {
    const type = err instanceof URIError ? 'uri.malformed' : (err as HttpLayerError).type;
    const message = err instanceof URIError ? 'Request URL is not valid percent-encoding.' : clientMessage(status, type, config);
    logger.info({ requestId, status, type: typeof type === 'string' ? type : null, method }, 'request refused by the HTTP layer');
    return { status, body: badRequest(message) };
  }
  const correlationId = randomUUID();
  logger.error({ correlationId, requestId, err, method }, 'internal error');
  return { status: 500, body: { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId } }] } };
}

/** Any path or method the server does not serve: JSON 404, not Express's HTML page. */
export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json(badRequest('Not found: jobgraph serves /graphql, GET /healthz and GET /readyz.'));
};
