import { ConfigError, opt, type Env } from './env.ts';
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
    .filter(Boolean)
    .map(allowedHostPort);
  return {
    secret,
    allowHosts,
  };
}

/**
 * One JOBGRAPH_NOTIFY_ALLOW_HOSTS entry as the guard compares it: `host:port` (an IPv6 literal in
 * brackets), a bare host standing for its port 443 alone, `host:*` for every port.
 */
function allowedHostPort(entry: string): string {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\*|\d{1,5}))?$/.exec(entry);
  const port = m?.[2];
  if (!m || (port !== undefined && port !== '*' && (Number(port) < 1 || Number(port) > 65535)))
    throw new ConfigError(
      'JOBGRAPH_NOTIFY_ALLOW_HOSTS',
      `must be host:port entries, comma-separated (a bare host allows port 443 only; host:* every port; an IPv6 address in brackets) (got ${JSON.stringify(entry.slice(0, 64))})`,
    );
  return `${m[1]}:${port ?? '443'}`;
}
