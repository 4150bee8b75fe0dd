import type express from 'express';
import { ANONYMOUS, SCOPE_OPERATE, type Identity } from '../auth/identity.ts';
import { InvalidTokenError } from '../auth/verifyToken.ts';
import type { Config } from '../config/index.ts';
import type { GatewayMetrics } from '../observability/index.ts';
import { writeRateLimited, type CallerRate } from './callerRate.ts';
import { writeErrorAnswer } from './errors.ts';
import type { FdHealth } from './health.ts';

/**
 * What `/readyz` tells an operator (a token with `jobgraph:operate`) besides ready or not: one
 * object whose keys each part of the gateway adds (`accounts`: every account's state), never
 * shown to anyone else.
 */
export type ReadinessDetails = () => Record<string, unknown>;

/** /healthz (file descriptors), /readyz (the JWKS) and, when metrics are on, /metrics. */
export function healthRoutes(
  app: express.Express,
  parts: {
    config: Config;
    health: FdHealth;
    /** The request's caller (a present but invalid token rejects: InvalidTokenError), and whether the JWKS is fetched. */
    verifyToken: { (authorization: string | undefined): Promise<Identity>; ready(): boolean };
    metrics: GatewayMetrics | undefined;
    details: ReadinessDetails;
    /** JOBGRAPH_CALLER_RATE: a bad token spends one request of its address's, as on /graphql; none when off. */
    callerRate?: CallerRate;
  },
): void {
  const { config, health, verifyToken, metrics, details, callerRate } = parts;
  // Alive, unless out of file descriptors (then every upstream call fails): 503 with the reason.
  app.get('/healthz', (_req, res) => {
    const state = health.check();
    if (state.ok) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'unhealthy', reason: state.reason });
  });
  // Ready or not, to anyone (a probe sends no token); why, and each account's state, only to an
  // operator: account aliases and their failures map an organisation's clouds for an attacker.
  app.get('/readyz', (req, res, next) => {
    const ready = verifyToken.ready();
    res.setHeader('cache-control', 'no-store');
    res.setHeader('vary', 'authorization');
    const status = ready ? 200 : 503;
    const summary = { status: ready ? 'ready' : 'not ready' };
    if (req.headers.authorization === undefined) {
      res.status(status).json(summary);
      return;
    }
    verifyToken(req.headers.authorization)
      .then(
        (identity) => {
          if (!identity.scopes.has(SCOPE_OPERATE)) {
            res.status(status).json(summary);
            return;
          }
          res.status(status).json({
            ...summary,
            mode: config.mode,
            ...(ready ? {} : { reason: 'the JWKS (JOBGRAPH_JWKS_URL) has not been fetched yet' }),
            ...details(),
          });
        },
        async (err: unknown) => {
          // A present but invalid token: 401, as on /graphql (an operator learns why no details came),
          // and as there it spends its address's rate, or /readyz would verify tokens for free.
          if (!(err instanceof InvalidTokenError)) return next(err);
          const refused = await callerRate?.spend(ANONYMOUS, req, 'http');
          if (refused) return writeRateLimited(req, res, refused);
          writeErrorAnswer(
            req,
            res,
            401,
            [{ message: err.message, extensions: { code: 'UNAUTHENTICATED' } }],
            { 'www-authenticate': 'Bearer error="invalid_token"' },
          );
        },
      )
      .catch(next);
  });
  if (metrics) {
    app.get('/metrics', (_req, res, next) => {
      metrics.registry.metrics().then((text) => {
        res.setHeader('content-type', metrics.registry.contentType);
        res.setHeader('cache-control', 'no-store');
        res.send(text);
      }, next);
    });
  }
}
