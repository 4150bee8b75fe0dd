import type http from 'node:http';
import type express from 'express';
import type { Logger } from 'pino';
import type { createTokenVerifier } from '../auth/verifyToken.ts';
import type { Observability } from '../observability/index.ts';
import { operationSpanMiddleware } from '../observability/graphqlPlugin.ts';
import { authenticator } from './authenticator.ts';
import { callerRateMiddleware, type CallerRate, type RateTransport } from './callerRate.ts';

/**
 * What a /graphql request passes before its body is read: its operation span (traces on), its
 * caller admitted (token, grant), and the caller's request rate spent (JOBGRAPH_CALLER_RATE), each
 * request under the transport `transportOf` names (null: not counted). Apart from startServer:
 * the middlewares depend on these parts alone, not on the server made.
 */
export function admission(
  observability: Observability | undefined,
  verifyToken: ReturnType<typeof createTokenVerifier>,
  operationLog: Logger,
  callerRate: CallerRate | undefined,
  transportOf: (req: http.IncomingMessage) => Exclude<RateTransport, 'ws'> | null,
  options: { challengeOf?: (req: http.IncomingMessage) => string } = {},
): {
  authenticate: express.RequestHandler;
  rate?: express.RequestHandler;
  spanMiddleware?: express.RequestHandler;
} {
  const metrics = observability?.metrics;
  return {
    authenticate: authenticator(
      verifyToken,
      operationLog,
      metrics,
      callerRate ? { rate: callerRate, transportOf } : undefined,
      options.challengeOf,
    ),
    ...(callerRate
      ? {
          rate: callerRateMiddleware(callerRate, transportOf, () =>
            metrics?.graphqlRequest('unknown', 'RATE_LIMITED'),
          ),
        }
      : {}),
    ...(observability?.tracing ? { spanMiddleware: operationSpanMiddleware(observability) } : {}),
  };
}
