import { ConfigError, int, opt, type Env } from './env.ts';
import type { Config } from './types.ts';

/**
 * JOBGRAPH_NOTIFY_SECRET, JOBGRAPH_NOTIFY_ALLOW_HOSTS and the delivery bounds (docs/notifications.md).
 * The secret seals what a rule stores that is itself a credential (its target URL, its signing
 * secrets); without it, live mode keeps no notification rules (the start-up summary says so), and
 * the demo makes one at start.
 */
export function notificationsOf(env: Env): Config['notifications'] {
  const secret = opt(env, 'JOBGRAPH_NOTIFY_SECRET') ?? null;
  if (secret !== null && secret.length < 32)
    throw new ConfigError('JOBGRAPH_NOTIFY_SECRET', 'must be at least 32 characters');
  const allowHosts = (opt(env, 'JOBGRAPH_NOTIFY_ALLOW_HOSTS') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const host of allowHosts)
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+|[0-9a-f:.]+)$/.test(host))
      throw new ConfigError(
        'JOBGRAPH_NOTIFY_ALLOW_HOSTS',
        `must be host names or addresses, comma-separated (got ${JSON.stringify(host.slice(0, 64))})`,
      );
  return {
    secret,
    allowHosts,
    timeoutMs: int(env, 'JOBGRAPH_NOTIFY_TIMEOUT_MS', 15000, 100, 60000),
    hostConcurrency: int(env, 'JOBGRAPH_NOTIFY_HOST_CONCURRENCY', 4, 1, 100),
    rotationOverlapSeconds: int(
      env,
      'JOBGRAPH_NOTIFY_ROTATION_OVERLAP_SECONDS',
      86_400,
      0,
      30 * 86_400,
    ),
    maxRules: int(env, 'JOBGRAPH_NOTIFY_MAX_RULES', 500, 1, 100_000),
  };
}
