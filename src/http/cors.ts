import cors, { type CorsOptions } from 'cors';
import type { RequestHandler } from 'express';
import type { Config } from '../config/index.ts';

/**
 * Request headers a browser may send: the token, JSON, what Apollo Client, urql and graphql-sse
 * add (its single connection mode's reservation token among them), and a mutation's
 * `Idempotency-Key` (docs/actions.md).
 */
const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
  'traceparent',
  'tracestate',
  'x-graphql-event-stream-token',
  'idempotency-key',
];

const LOOPBACK_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** Whether a browser page of `origin` may call jobgraph (JOBGRAPH_CORS_ORIGINS). */
export function originAllowed(allowed: Config['corsOrigins'], origin: string): boolean {
  if (allowed === '*') return true;
  if (allowed === 'loopback') return LOOPBACK_ORIGIN.test(origin);
  return allowed.includes(origin);
}

/**
 * Whether a WebSocket upgrade from a browser page of `origin` may open a socket: an origin
 * JOBGRAPH_CORS_ORIGINS allows, or the page's own host (`host`, the upgrade's `Host` header: a
 * page jobgraph serves itself, such as Sandbox, needs no CORS over HTTP either). Browsers send
 * `Origin` on every WebSocket; servers and CLIs send none and are not asked.
 */
export function upgradeOriginAllowed(
  allowed: Config['corsOrigins'],
  origin: string,
  host: string | undefined,
): boolean {
  if (originAllowed(allowed, origin)) return true;
  if (host === undefined) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

/**
 * The `cors` package's options: an allowed origin gets its own origin back (never a cookie:
 * bearer tokens are the only credential), with `Vary: Origin`; a preflight is answered 204 with the
 * methods and headers above; an origin not allowed gets no CORS header, so the browser refuses.
 */
function corsOptions(allowed: Config['corsOrigins']): CorsOptions {
  return {
    origin: (origin, callback) =>
      callback(null, origin !== undefined && originAllowed(allowed, origin)),
    // PUT and DELETE: graphql-sse's single connection mode (reserve a stream, stop an operation).
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: ['x-request-id'],
    credentials: false,
    maxAge: 600,
    optionsSuccessStatus: 204,
  };
}

/**
 * The app-wide CORS handler: the `cors` package with `corsOptions`, and `Vary: Origin` on every
 * answer, a refused origin's included (the package adds it only where it allows the origin), so a
 * shared cache never hands one origin's answer to another.
 */
export function corsMiddleware(allowed: Config['corsOrigins']): RequestHandler {
  const handler = cors(corsOptions(allowed));
  return (req, res, next) => {
    res.vary('Origin');
    handler(req, res, next);
  };
}
