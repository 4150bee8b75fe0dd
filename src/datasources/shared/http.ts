import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { abortError, collectCapped, declaredLength } from './bodyCap.ts';

/** A raw HTTP exchange for the hand-made clients (COS Batch, Import/Export). */
export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Where requests go: a base URL taken apart once, so no URL is built or parsed per request. */
export interface HttpOrigin {
  https: boolean;
  /** Host name as node:http wants it (an IPv6 literal without its brackets). */
  hostname: string;
  port: number | undefined;
  /** The Host header value (`host[:port]`, as `URL.host`). */
  host: string;
}

/** The origin of `url` (its path, query and fragment are not part of it). */
export function httpOrigin(url: URL): HttpOrigin {
  const { hostname } = url;
  return {
    https: url.protocol === 'https:',
    hostname: hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname,
    port: url.port === '' ? undefined : Number(url.port),
    host: url.host,
  };
}

export interface HttpRequestInit {
  method: string;
  origin: HttpOrigin;
  /** Path and query as sent (already encoded). */
  path: string;
  /** Headers (`host` added from the origin when absent; `content-length` added for a body). */
  headers: Record<string, string>;
  body?: string;
  /** Per-attempt timeout in ms: the whole exchange (connect, headers, body) must end within it. */
  timeoutMs: number;
  /** Largest body read, in bytes (JOBGRAPH_UPSTREAM_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  signal?: AbortSignal;
}

export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

type AgentInternals = {
  totalSocketCount: number;
  maxTotalSockets: number;
  freeSockets: NodeJS.ReadOnlyDict<Socket[]>;
  requests: NodeJS.ReadOnlyDict<unknown[]>;
  getName(options: object): string;
};

/**
 * Node's agent, at `maxTotalSockets`, parks a request for a new host until some idle socket
 * of another host closes on its own (a minute at cloud front ends). Close one at once instead:
 * when a request finds the pool full and no idle socket of its host, the oldest idle socket of
 * another host goes; when a socket turns idle while another host has requests waiting, it
 * goes too (its 'close' hands the slot to the waiting host).
 */
function keepTotalBoundMoving<A extends http.Agent>(agent: A): A {
  const a = agent as unknown as AgentInternals & http.Agent;
  const addRequest = (a as unknown as { addRequest(req: unknown, options: object): void }).addRequest.bind(a);
  (a as unknown as { addRequest(req: unknown, options: object): void }).addRequest = (req, options) => {
    if (a.totalSocketCount >= a.maxTotalSockets) {
      const name = a.getName(options);
      if (!a.freeSockets[name]?.length) {
        for (const other in a.freeSockets) {
          const idle = a.freeSockets[other];
          if (other !== name && idle?.length) {
            idle[0]?.destroy();
            break;
          }
        }
      }
    }
    addRequest(req, options);
  };
  a.on('free', (socket: Socket, options: object) => {
    // Usually no request waits at all: look for one before naming this socket's host.
    let name: string | undefined;
    for (const other in a.requests) {
      if (!a.requests[other]?.length) continue;
      name ??= a.getName(options);
      if (other === name) continue;
      if (!socket.destroyed && a.freeSockets[name]?.includes(socket)) socket.destroy();
      return;
    }
  });
  return agent;
}

/**
 * Long-lived keep-alive agents, one pair per provider, shared by all its clients: at most
 * `maxSockets` sockets per host and, whatever the number of hosts (regions, and COS account
 * UINs in the host name), at most `maxSockets` in all.
 */
export function createAgents(maxSockets: number): Agents {
  const options = { keepAlive: true, maxSockets, maxTotalSockets: maxSockets, scheduling: 'lifo' as const };
  return {
    http: keepTotalBoundMoving(new http.Agent(options)),
    https: keepTotalBoundMoving(new https.Agent(options)),
  };
}

/** Close every socket of a pair of agents. */
export function destroyAgents(agents: Agents): void {
  agents.http.destroy();
  agents.https.destroy();
}

/**
 * Send one request and read the whole body, at most `maxBodyBytes` of it: a larger declared
 * Content-Length is refused before reading, and a streamed body is cut (socket destroyed) as
 * soon as it passes the cap; both reject with BodyTooLargeError. Other failures reject with the
 * transport error (ECONNRESET, ECONNREFUSED, an AbortError, or an Error named TimeoutError when
 * the exchange outlasts `timeoutMs`) for the caller to classify.
 */
export function httpRequest(init: HttpRequestInit, agents: { http: http.Agent; https: https.Agent }): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const { origin, signal } = init;
    let settled = false;
    const settle = (err: Error | null, result?: HttpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(result as HttpResult);
    };
    // Headers as a flat list: node:http stores them as given (still validating each) instead of
    // one setHeader per name, and adds no Host of its own, so the origin's goes in when absent.
    const headers: string[] = [];
    let hasHost = false;
    for (const name in init.headers) {
      if (name === 'host') hasHost = true;
      headers.push(name, init.headers[name] as string);
    }
    if (!hasHost) headers.push('host', origin.host);
    if (init.body !== undefined) headers.push('content-length', String(Buffer.byteLength(init.body)));
    const options: http.RequestOptions = {
      method: init.method,
      hostname: origin.hostname,
      path: init.path,
      headers: headers,
      agent: origin.https ? agents.https : agents.http,
    };
    if (origin.port !== undefined) options.port = origin.port;
    const req = (origin.https ? https : http).request(options, (res) => {
      collectCapped(res, init.maxBodyBytes, declaredLength(res.headers)).then(
        (body) => settle(null, { status: res.statusCode ?? 0, headers: res.headers, body: body.toString('utf8') }),
        (err: Error) => {
          settle(err);
          // Whatever ended the body, this socket is not reused.
          req.destroy();
        },
      );
    });
    // One abort listener for the whole exchange (node:http's `signal` option would add its own
    // per request, and the body reader another): an abort ends it with an AbortError.
    const onAbort = () => {
      const err = abortError();
      settle(err);
      req.destroy(err);
    };
    // One deadline for the whole exchange, not an idle timer: a body dripping a byte at a time ends too.
    const timer = setTimeout(() => {
      const err = new Error(`no complete response within ${init.timeoutMs} ms`);
      err.name = 'TimeoutError';
      settle(err);
      req.destroy(err);
    }, init.timeoutMs);
    req.on('error', (err) => settle(err));
    if (signal) {
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    if (init.body !== undefined) req.end(init.body);
    else req.end();
  });
}

/** A header's value by name in any case (the first of a repeated one), trimmed; absent or blank is null. */
export function headerValue(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== wanted) continue;
    const s = Array.isArray(v) ? v[0] : v;
    if (s !== undefined && s.trim() !== '') return s.trim();
  }
  return null;
}
