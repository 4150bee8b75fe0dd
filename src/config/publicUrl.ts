import { ConfigError, opt, urlIn, type Env } from './env.ts';

/**
 * JOBGRAPH_PUBLIC_URL: the URL users reach jobgraph by (behind nginx or an Ingress, the proxy's,
 * not the replica's listen address), an absolute http(s) URL with an optional path prefix and no
 * user, query or fragment. Every link jobgraph builds starts with it (a notification's "Open in
 * jobgraph", the demo banner's console); kept without a trailing slash. Unset: null (the demo uses
 * its own address; live mode builds no link and its start-up summary says so).
 */
export function publicUrlOf(env: Env): string | null {
  const name = 'JOBGRAPH_PUBLIC_URL';
  const raw = opt(env, name);
  if (raw === undefined) return null;
  const url = urlIn(name, raw, ['http:', 'https:'], {
    notUrl: 'is not an absolute URL (expected e.g. https://jobgraph.example.com)',
    otherProtocol: 'must be an http:// or https:// URL',
  });
  if (url.username !== '' || url.password !== '')
    throw new ConfigError(name, 'must not hold a user or password');
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(raw))
    throw new ConfigError(name, 'must not have a query (?…) or a fragment (#…)');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
