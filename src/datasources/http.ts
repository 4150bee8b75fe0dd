import http from 'node:http';
import https from 'node:https';
import { collectCapped, declaredLength } from './bodyCap.ts';

/** A raw HTTP exchange for the hand-made clients (COS Batch, Import/Export). */
export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequestInit {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Per-attempt timeout in ms: the whole exchange (connect, headers, body) must end within it. */
  timeoutMs: number;
  /** Largest body read, in bytes (JOBGRAPH_UPSTREAM_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  signal?: AbortSignal;
}

/** Long-lived keep-alive agents, one pair per client instance (i.e. per provider and region). */
export function createAgents(maxSockets: number): { http: http.Agent; https: https.Agent } {
  return {
    http: new http.Agent({ keepAlive: true, maxSockets, scheduling: 'lifo' }),
    https: new https.Agent({ keepAlive: true, maxSockets, scheduling: 'lifo' }),
  };
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
    const isHttps = init.url.protocol === 'https:';
    const mod = isHttps ? https : http;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (err: Error | null, result?: HttpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(result as HttpResult);
    };
    const req = mod.request(
      init.url,
      {
        method: init.method,
        headers: init.headers,
        agent: isHttps ? agents.https : agents.http,
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (res) => {
        collectCapped(res, init.maxBodyBytes, declaredLength(res.headers), init.signal).then(
          (body) => settle(null, { status: res.statusCode ?? 0, headers: res.headers, body: body.toString('utf8') }),
          (err: Error) => {
            settle(err);
            // Whatever ended the body, this socket is not reused.
            req.destroy();
          },
        );
      },
    );
    // One deadline for the whole exchange, not an idle timer: a body dripping a byte at a time ends too.
    timer = setTimeout(() => {
      const err = new Error(`no complete response within ${init.timeoutMs} ms`);
      err.name = 'TimeoutError';
      settle(err);
      req.destroy(err);
    }, init.timeoutMs);
    req.on('error', (err) => settle(err));
    if (init.body !== undefined) req.end(init.body);
    else req.end();
  });
}
