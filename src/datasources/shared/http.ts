import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { BodyTooLargeError } from '../../errors.ts';
import { abortError, CappedBody, declaredLength } from './bodyCap.ts';

/** One raw HTTP exchange of the pipeline: status, headers, the whole (capped) body. */
export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body decoded as UTF-8. */
  readonly body: string;
  /** The body's bytes as read, when the exchange kept them (ReadAnswer): what an answer memo compares. */
  readonly bytes?: Buffer;
}

/**
 * An answer as read from the wire: its bytes, decoded to `body` (UTF-8) on the first read of
 * `body` and kept. An unchanged poll compares the bytes (answerMemo.ts) and never reads `body`,
 * so it never decodes the body to a string.
 */
export class ReadAnswer implements HttpResult {
  #body: string | undefined;
  constructor(
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    readonly bytes: Buffer,
  ) {}

  get body(): string {
    return (this.#body ??= this.bytes.toString('utf8'));
  }
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

/**
 * Whether closing a socket of `agent` would give its place to a waiting request: Node's agent
 * gives a closed socket's place to the first origin with requests waiting, and only while that
 * origin has no socket in use (one in use serves the origin's queue itself). Read from the
 * agent's documented, read-only `requests` and `sockets`.
 */
function closingServes(agent: http.Agent): boolean {
  for (const name in agent.requests)
    if (agent.requests[name]?.length) return !agent.sockets[name]?.length;
  return false;
}

/**
 * At `maxTotalSockets`, Node's agent parks a request for a new origin until a socket closes, and
 * an idle socket of another origin closes on its own only after a minute at cloud front ends. So
 * when that is what a request waits for, an idle socket (the first listed in the agent's
 * documented, read-only `freeSockets`: its origin's oldest) closes now — and once it has closed,
 * another, while another origin still waits so.
 */
function makeRoom(agent: http.Agent): void {
  if (!closingServes(agent)) return;
  let idle: Socket | undefined;
  for (const name in agent.freeSockets) {
    for (const socket of agent.freeSockets[name] ?? []) {
      // A place is being freed already: the agent gives it to the waiting request.
      if (socket.destroyed) return;
      idle ??= socket;
    }
  }
  idle?.once('close', () => makeRoom(agent)).destroy();
}

/**
 * A socket whose request has ended, with no request of its own origin waiting (the agent has
 * given it one first), is closed rather than kept idle when its place would serve another
 * origin's waiting request: `keepSocketAlive`, the hook Node documents for Agent subclasses,
 * answers false and the agent closes it.
 */
function keepIdle(agent: http.Agent, socket: Duplex, keep: () => unknown): boolean {
  if (!closingServes(agent)) return Boolean(keep());
  socket.once('close', () => makeRoom(agent));
  return false;
}

class BoundedHttpAgent extends http.Agent {
  override keepSocketAlive(socket: Duplex): boolean {
    return keepIdle(this, socket, () => super.keepSocketAlive(socket));
  }
}

class BoundedHttpsAgent extends https.Agent {
  override keepSocketAlive(socket: Duplex): boolean {
    return keepIdle(this, socket, () => super.keepSocketAlive(socket));
  }
}

/**
 * Long-lived keep-alive agents, one pair per provider, shared by all its clients: at most
 * `maxSockets` sockets per host and, whatever the number of hosts (regions, and COS account
 * UINs in the host name), at most `maxSockets` in all (the agents' own `maxSockets` and
 * `maxTotalSockets`); a request for a host with no socket never waits for another host's idle
 * socket to time out (`makeRoom`, `keepIdle`).
 */
export function createAgents(maxSockets: number): Agents {
  const options = {
    keepAlive: true,
    maxSockets,
    maxTotalSockets: maxSockets,
    scheduling: 'lifo' as const,
  };
  return { http: new BoundedHttpAgent(options), https: new BoundedHttpsAgent(options) };
}

/** Close every socket of a pair of agents. */
export function destroyAgents(agents: Agents): void {
  agents.http.destroy();
  agents.https.destroy();
}

/**
 * node:http's options of `init` through `agent`. Headers as a flat list: node:http stores them as
 * given (still validating each) instead of one setHeader per name, and adds no Host of its own, so
 * the origin's goes in when absent.
 */
function requestOptions(init: HttpRequestInit, agent: http.Agent): http.RequestOptions {
  const { origin } = init;
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
    agent,
  };
  if (origin.port !== undefined) options.port = origin.port;
  return options;
}

/**
 * Send one request and read the whole body, at most `maxBodyBytes` of it: a larger declared
 * Content-Length is refused before reading, and a streamed body is cut (socket destroyed) as
 * soon as it passes the cap; both reject with BodyTooLargeError. Other failures reject with the
 * transport error (ECONNRESET, ECONNREFUSED, an AbortError, or an Error named TimeoutError when
 * the exchange outlasts `timeoutMs`) for the caller to classify.
 */
export function httpRequest(
  init: HttpRequestInit,
  agents: { http: http.Agent; https: https.Agent },
): Promise<HttpResult> {
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
    const agent = origin.https ? agents.https : agents.http;
    const req = (origin.https ? https : http).request(requestOptions(init, agent), (res) => {
      const max = init.maxBodyBytes;
      const declared = declaredLength(res.headers);
      if (declared !== null && declared > max) return cut(new BodyTooLargeError(max));
      // The body read with one listener pair, no promise of its own: the exchange's deadline and
      // abort listener above cover it too. 'close' follows 'end' (and ends a body cut short, when
      // the socket closes mid-body), so it settles both ways; a response has no 'error' without a
      // listener of its own.
      const body = new CappedBody(max);
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        const tooLarge = body.add(chunk);
        if (tooLarge) cut(tooLarge);
      });
      res.on('close', () => {
        if (settled) return;
        if (!res.readableEnded)
          return cut(
            Object.assign(new Error('response closed before its end'), { code: 'ECONNRESET' }),
          );
        settle(null, new ReadAnswer(res.statusCode ?? 0, res.headers, body.whole()));
      });
    });
    // Whatever ended the body early, this socket is not reused.
    const cut = (err: Error) => {
      settle(err);
      req.destroy();
    };
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
    // The agent has given the request a socket or queued it by now.
    makeRoom(agent);
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
export function headerValue(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | null {
  const wanted = name.toLowerCase();
  // A key loop, not Object.entries: no array of pairs made per lookup (several per answer).
  for (const k in headers) {
    if (k.toLowerCase() !== wanted || !Object.hasOwn(headers, k)) continue;
    const v = headers[k];
    const s = Array.isArray(v) ? v[0] : v;
    if (s !== undefined && s.trim() !== '') return s.trim();
  }
  return null;
}
