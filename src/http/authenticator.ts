import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type express from 'express';
import type { Logger } from 'pino';
import { ANONYMOUS, type Identity } from '../auth/identity.ts';
import { secretValues } from '../auth/secretValues.ts';
import { InvalidTokenError, type createTokenVerifier } from '../auth/verifyToken.ts';
import type { GatewayMetrics } from '../observability/index.ts';
import { writeRateLimited, type CallerRate, type RateTransport } from './callerRate.ts';
import { writeErrorAnswer } from './errors.ts';

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's ID: the caller's `x-request-id` when well-formed, else a new one; echoed in the response. */
function requestIdOf(req: http.IncomingMessage, res: http.ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const requestId =
    typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
  res.setHeader('x-request-id', requestId);
  return requestId;
}

/** Who a request's token says is calling, and the request's ID. */
export interface Admitted {
  requestId: string;
  identity: Identity;
  /** The `Idempotency-Key` header as sent (checked where a mutation reads it). */
  idempotencyKey?: string | undefined;
}

/** What one request's handlers read from `res.locals`: who is calling, and the request's ID. */
export function admittedOf(res: express.Response): Admitted {
  const header = res.req.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  return {
    identity: res.locals.identity as Identity,
    requestId: res.locals.requestId as string,
    ...(key === undefined ? {} : { idempotencyKey: key }),
  };
}

/** The callers' request rate as the authenticator spends it for a bad token (JOBGRAPH_CALLER_RATE). */
export interface BadTokenRate {
  rate: CallerRate;
  /** The transport the request is counted under (null: one the rate never counts, counted as `http` here). */
  transportOf(req: http.IncomingMessage): Exclude<RateTransport, 'ws'> | null;
}

/**
 * The middleware that admits a GraphQL request: its ID (`requestIdOf`) and its caller in
 * `res.locals`. A present but invalid token rejects the whole request before GraphQL runs: 401,
 * one error. That 401 spends one request of the rate of the address it came from (the anonymous
 * caller's budget), so over the rate it is 429 instead: a token is never verified for free, and
 * a flood of forged tokens is cut as a flood of anonymous requests is (the rate middleware, which
 * comes next, only sees admitted callers). `challengeOf` is the 401's `WWW-Authenticate` (/mcp
 * names its protected resource metadata there).
 */
export function authenticator(
  verifyToken: ReturnType<typeof createTokenVerifier>,
  operationLog: Logger,
  metrics: GatewayMetrics | undefined,
  badTokens?: BadTokenRate,
  challengeOf: (req: http.IncomingMessage) => string = () => 'Bearer error="invalid_token"',
): express.RequestHandler {
  // Resolves to the caller, or to null once the 401 (or 429) has been sent.
  const admit = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestId: string,
  ): Promise<Admitted | null> => {
    const authorization = req.headers.authorization;
    let identity: Identity;
    try {
      identity = await verifyToken(authorization);
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      const refused = await badTokens?.rate.spend(
        ANONYMOUS,
        req,
        badTokens.transportOf(req) ?? 'http',
      );
      if (refused) {
        // No log line per refusal: a flood must not become a flood of lines (the metric counts it).
        metrics?.graphqlRequest('unknown', 'RATE_LIMITED');
        writeRateLimited(req, res, refused);
        return null;
      }
      operationLog.info({ requestId, reason: err.message }, 'rejected bearer token');
      metrics?.graphqlRequest('unknown', 'UNAUTHENTICATED');
      writeErrorAnswer(
        req,
        res,
        401,
        [{ message: err.message, extensions: { code: 'UNAUTHENTICATED' } }],
        { 'www-authenticate': challengeOf(req) },
      );
      return null;
    }
    // A verified token is a secret the process now knows: never in a log line or message.
    // (Unverified ones are not registered, so garbage tokens cannot evict real secrets;
    // JWT-shaped strings are scrubbed by shape anyway.)
    if (identity.authenticated)
      secretValues.learn(authorization?.replace(/^\s*bearer\s+/i, '').trim());
    return { requestId, identity };
  };
  return (req, res, next) => {
    res.locals.requestId = requestIdOf(req, res);
    admit(req, res, res.locals.requestId as string).then((admitted) => {
      if (!admitted) return;
      res.locals.identity = admitted.identity;
      next();
    }, next);
  };
}
