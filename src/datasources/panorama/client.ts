import { PanoramaClient } from '@aws-sdk/client-panorama';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandler } from '@smithy/protocol-http';
import { createAgents } from '../http.ts';
import type { AwsSourceOptions } from '../options.ts';

/**
 * Long-lived `PanoramaClient`s (rest-json, SigV4 `panorama`), one per region, each with its
 * own keep-alive agents capped at `options.maxSockets`.
 *
 * `@aws-sdk/client-panorama` gets no more releases (the client was removed from the SDK
 * repository on 2026-06-30, after the service's end of support on 2026-05-31); the last
 * published version still speaks the documented protocol, which is all this needs.
 * Per-attempt timeout: `options.timeoutMs` for connecting and for the whole exchange;
 * retries (throttling, 5xx, timeouts, honouring `Retry-After`) are the SDK's standard
 * strategy with `options.maxAttempts`.
 */
export class PanoramaClients {
  readonly #options: AwsSourceOptions;
  readonly #requestHandler: HttpHandler | undefined;
  readonly #clients = new Map<string, PanoramaClient>();

  /** `requestHandler` replaces the keep-alive Node handler (protocol tests feed fixtures through it). */
  constructor(options: AwsSourceOptions, requestHandler?: HttpHandler) {
    this.#options = options;
    this.#requestHandler = requestHandler;
  }

  /** The client for `region`, created on first use. */
  forRegion(region: string): PanoramaClient {
    let client = this.#clients.get(region);
    if (!client) {
      client = this.#create(region);
      this.#clients.set(region, client);
    }
    return client;
  }

  #create(region: string): PanoramaClient {
    const o = this.#options;
    const requestHandler =
      this.#requestHandler ??
      (() => {
        const agents = createAgents(o.maxSockets);
        return new NodeHttpHandler({
          httpAgent: agents.http,
          httpsAgent: agents.https,
          connectionTimeout: o.timeoutMs,
          requestTimeout: o.timeoutMs,
          throwOnRequestTimeout: true,
        });
      })();
    return new PanoramaClient({
      region,
      maxAttempts: o.maxAttempts,
      requestHandler,
      // A copy: the SDK records where credentials came from on the object, which fails on a frozen one.
      ...(o.credentials !== undefined ? { credentials: typeof o.credentials === 'function' ? o.credentials : { ...o.credentials } } : {}),
      ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
    });
  }

  /** Destroy every client and its sockets. */
  close(): void {
    for (const client of this.#clients.values()) client.destroy();
    this.#clients.clear();
  }
}
