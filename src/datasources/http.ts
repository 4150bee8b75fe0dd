import http from 'node:http';
import https from 'node:https';

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
  /** Per-attempt timeout in ms. */
  timeoutMs: number;
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
 * Send one request and read the whole body. Rejects with the transport error (ECONNRESET,
 * ECONNREFUSED, or an Error named TimeoutError) for the caller to classify.
 */
export function httpRequest(init: HttpRequestInit, agents: { http: http.Agent; https: https.Agent }): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const isHttps = init.url.protocol === 'https:';
    const mod = isHttps ? https : http;
    const req = mod.request(
      init.url,
      {
        method: init.method,
        headers: init.headers,
        agent: isHttps ? agents.https : agents.http,
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
        res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
      },
    );
    req.setTimeout(init.timeoutMs, () => {
      const err = new Error(`no response within ${init.timeoutMs} ms`);
      err.name = 'TimeoutError';
      req.destroy(err);
    });
    req.on('error', reject);
    if (init.body !== undefined) req.end(init.body);
    else req.end();
  });
}
