import { createHash } from 'node:crypto';
import type http from 'node:http';
import { isIPv6 } from 'node:net';
import type { RequestHandler } from 'express';
import type { Identity } from '../auth/identity.ts';
import type { CallerRates, RateLimit } from '../cache/callerRates.ts';
import { JobgraphError } from '../errors.ts';
import type { GatewayMetrics } from '../observability/index.ts';
import { writeErrorAnswer } from './errors.ts';

/** The transports a refusal is counted under (`jobgraph_caller_rate_limited_total{transport}`). */
export type RateTransport = 'http' | 'sse' | 'ws';

/**
 * The request rate per caller (JOBGRAPH_CALLER_RATE, docs/security.md#a-rate-per-caller): every
 * GraphQL request and operation, on every transport, spends one of its caller's; over the rate it
 * is refused `RATE_LIMITED` before anything runs (so before any upstream call).
 */
export interface CallerRate {
  readonly limit: RateLimit;
  /**
   * Spend one request of the caller of `identity` (its token; without one, the client address of
   * `req`): null when it may go, else the refusal (counted under `transport`).
   */
  spend(
    identity: Identity,
    req: http.IncomingMessage,
    transport: RateTransport,
  ): Promise<JobgraphError | null>;
  /** Whether that caller is over its rate now, spending nothing: null when it is not, else the refusal (counted under `transport`). */
  check(
    identity: Identity,
    req: http.IncomingMessage,
    transport: RateTransport,
  ): Promise<JobgraphError | null>;
}

export function createCallerRate(
  limit: RateLimit,
  rates: CallerRates,
  metrics?: GatewayMetrics,
): CallerRate {
  const refusal = (waitMs: number, transport: RateTransport) => {
    if (!(waitMs > 0)) return null;
    metrics?.callerRateLimited(transport);
    return rateLimitedError(limit, waitMs);
  };
  return {
    limit,
    spend: async (identity, req, transport) =>
      refusal(await rates.take(callerOf(identity, req)), transport),
    check: async (identity, req, transport) =>
      refusal(await rates.peek(callerOf(identity, req)), transport),
  };
}

/**
 * The key a caller's requests are counted under: its token's (Identity.callerKey), else a digest
 * of the address the connection comes from. That is the socket's peer: jobgraph reads no
 * `X-Forwarded-For` (nothing tells it which proxy to trust), so behind a proxy every anonymous
 * caller is the proxy's one address. An IPv6 address counts by its /64, which one host usually
 * holds whole.
 */
export function callerOf(identity: Identity, req: http.IncomingMessage): string {
  if (identity.authenticated && identity.callerKey) return identity.callerKey;
  const address = clientAddress(req.socket.remoteAddress);
  return `a:${createHash('sha256').update(address).digest('base64url')}`;
}

/** The address a rate is kept for: IPv4 as is (an IPv4-mapped IPv6 address too), IPv6 by its first 64 bits. */
export function clientAddress(remote: string | undefined): string {
  if (remote === undefined) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  if (mapped) return mapped[1] as string;
  if (!isIPv6(remote)) return remote;
  const [head = '', tail = ''] = (remote.split('%')[0] ?? '').toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = remote.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** The Retry-After a wait makes: whole seconds, rounded up, at least 1. */
export const retryAfterSeconds = (waitMs: number): number => Math.max(1, Math.ceil(waitMs / 1000));

/** The error of a request over its caller's rate, with `extensions.retryAfterMs` (whole ms, rounded up). */
function rateLimitedError(limit: RateLimit, waitMs: number): JobgraphError {
  const seconds = retryAfterSeconds(waitMs);
  return new JobgraphError(
    'RATE_LIMITED',
    `Too many requests from this caller: the rate is ${limit.count} per ${limit.periodMs / 1000} s, ${limit.burst} at once (JOBGRAPH_CALLER_RATE); try again in ${seconds} s.`,
    { retryAfterMs: Math.ceil(waitMs) },
  );
}

/** The HTTP answer to a request over its caller's rate: 429, `Retry-After`, the error, through the one error writer. */
export function writeRateLimited(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  refused: JobgraphError,
): void {
  const waitMs = refused.extensions.retryAfterMs as number;
  writeErrorAnswer(
    req,
    res,
    429,
    [{ message: refused.message, extensions: { code: 'RATE_LIMITED', retryAfterMs: waitMs } }],
    { 'retry-after': String(retryAfterSeconds(waitMs)) },
  );
}

/**
 * The middleware that spends one request of its caller's rate (after the caller is admitted,
 * before the body is read) for each request `transportOf` counts (null: not counted), and
 * answers 429 over it.
 */
export function callerRateMiddleware(
  rate: CallerRate,
  transportOf: (req: http.IncomingMessage) => Exclude<RateTransport, 'ws'> | null,
  onRefused?: () => void,
): RequestHandler {
  return (req, res, next) => {
    const transport = transportOf(req);
    if (transport === null) return next();
    rate.spend(res.locals.identity as Identity, req, transport).then((refused) => {
      if (!refused) return next();
      onRefused?.();
      writeRateLimited(req, res, refused);
    }, next);
  };
}
