import type express from 'express';
import type { Config } from '../config/index.ts';
import type { AccountState } from '../datasources/shared/accounts.ts';
import type { QueueState } from '../datasources/events/eventQueues.ts';
import type { GatewayMetrics } from '../observability/index.ts';
import type { FdHealth } from './health.ts';

/** /healthz (file descriptors), /readyz (the JWKS) and, when metrics are on, /metrics. */
export function healthRoutes(
  app: express.Express,
  parts: {
    config: Config;
    health: FdHealth;
    verifyToken: { ready(): boolean };
    metrics: GatewayMetrics | undefined;
    accountStates: (() => readonly AccountState[]) | undefined;
    /** Each job event queue's state (JOBGRAPH_EVENT_QUEUES): a DOWN one's jobs are polled. */
    eventQueues?: () => readonly QueueState[];
  },
): void {
  const { config, health, verifyToken, metrics, accountStates, eventQueues } = parts;
  // Alive, unless out of file descriptors (then every upstream call fails): 503 with the reason.
  app.get('/healthz', (_req, res) => {
    const state = health.check();
    if (state.ok) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'unhealthy', reason: state.reason });
  });
  app.get('/readyz', (_req, res) => {
    if (!verifyToken.ready()) {
      res.status(503).json({
        status: 'not ready',
        mode: config.mode,
        reason: 'the JWKS (JOBGRAPH_JWKS_URL) has not been fetched yet',
      });
      return;
    }
    // Ready with an account that failed its check: the others serve; its state and code say why.
    const accounts = accountStates?.();
    // Ready with a queue that cannot be read: its jobs are polled; its state and code say why.
    const queues = eventQueues?.();
    res.json({
      status: 'ready',
      mode: config.mode,
      ...(accounts
        ? {
            accounts: accounts.map(({ cloud, alias, state, code }) => ({
              cloud,
              alias,
              state,
              code,
            })),
          }
        : {}),
      ...(queues ? { eventQueues: queues } : {}),
    });
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
