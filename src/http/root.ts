import type { RequestHandler } from 'express';

/** What is served besides /graphql, /healthz and /readyz (each can be turned off). */
export interface RootRoutes {
  /** The jobs console at /console (JOBGRAPH_CONSOLE). */
  console: boolean;
  /** Prometheus metrics at /metrics (JOBGRAPH_METRICS). */
  metrics: boolean;
  /** Apollo Sandbox on a browser's GET /graphql (JOBGRAPH_INTROSPECTION). */
  sandbox: boolean;
}

/**
 * `GET /`: a browser (`Accept` prefers `text/html`) is sent to the jobs console when it is on
 * (a relative redirect, so it works under a reverse proxy's path prefix); otherwise the answer
 * names what this process serves — a small page for a browser, JSON for anything else:
 * `{"name":"jobgraph","graphql":"/graphql","console":"/console","metrics":"/metrics","health":"/healthz","ready":"/readyz"}`
 * with only the routes that are on.
 */
export function rootHandler(routes: RootRoutes): RequestHandler {
  const links: [key: string, path: string, what: string][] = [
    [
      'graphql',
      'graphql',
      routes.sandbox
        ? 'GraphQL endpoint; Apollo Sandbox in a browser (loaded from Apollo’s CDN: needs the internet)'
        : 'GraphQL endpoint (POST, or GET with a query)',
    ],
    ...(routes.console ? [['console', 'console', 'jobs console'] as [string, string, string]] : []),
    ...(routes.metrics
      ? [['metrics', 'metrics', 'Prometheus metrics'] as [string, string, string]]
      : []),
    ['health', 'healthz', 'liveness'],
    ['ready', 'readyz', 'readiness'],
  ];
  const json = JSON.stringify({
    name: 'jobgraph',
    ...Object.fromEntries(links.map(([key, path]) => [key, `/${path}`])),
  });
  const page = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>jobgraph</title></head><body>',
    '<h1>jobgraph</h1><ul>',
    ...links.map(([, path, what]) => `<li><a href="${path}">/${path}</a> — ${what}</li>`),
    '</ul></body></html>',
    '',
  ].join('\n');
  return (req, res) => {
    res.setHeader('vary', 'accept');
    res.setHeader('cache-control', 'no-store');
    const browser = req.accepts(['application/json', 'text/html']) === 'text/html';
    if (browser && routes.console) {
      res.redirect(302, 'console');
      return;
    }
    if (browser) {
      res.setHeader(
        'content-security-policy',
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      res.setHeader('x-content-type-options', 'nosniff');
      res.type('html').send(page);
      return;
    }
    res.type('json').send(json);
  };
}
