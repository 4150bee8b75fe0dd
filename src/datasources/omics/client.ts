import { OmicsClient } from '@aws-sdk/client-omics';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandler } from '@smithy/protocol-http';
import type { AwsSourceOptions } from '../options.ts';
import { createAgents } from '../http.ts';

/**
 * Long-lived `OmicsClient`s, one per region, each with its own keep-alive agents.
 *
 * Host prefix: GetReferenceImportJob carries the endpoint trait `control-storage-`, so
 * without an override requests go to `control-storage-omics.{region}.amazonaws.com`. With an
 * endpoint override (AWS_ENDPOINT_URL_OMICS) the SDK would still prepend the prefix and
 * produce a host such as `control-storage-127.0.0.1`; DESIGN.md says an override is used as
 * given, so `disableHostPrefix` is set whenever `endpoint` is.
 */
export class OmicsClients {
  readonly #options: AwsSourceOptions;
  readonly #requestHandler: HttpHandler | undefined;
  readonly #clients = new Map<string, OmicsClient>();

  /** `requestHandler` replaces the keep-alive Node handler (tests feed fixtures through it). */
  constructor(options: AwsSourceOptions, requestHandler?: HttpHandler) {
    this.#options = options;
    this.#requestHandler = requestHandler;
  }

  /** The client for `region`, created on first use. */
  forRegion(region: string): OmicsClient {
    let client = this.#clients.get(region);
    if (!client) {
      client = this.#create(region);
      this.#clients.set(region, client);
    }
    return client;
  }

  #create(region: string): OmicsClient {
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
    return new OmicsClient({
      region,
      maxAttempts: o.maxAttempts,
      requestHandler,
      // The SDK tags static credentials in place ($source), which throws on a frozen object: pass a copy.
      ...(o.credentials !== undefined ? { credentials: typeof o.credentials === 'function' ? o.credentials : { ...o.credentials } } : {}),
      ...(o.endpoint !== undefined ? { endpoint: o.endpoint, disableHostPrefix: true } : {}),
    });
  }

  /** Destroy every client and its sockets. */
  close(): void {
    for (const client of this.#clients.values()) client.destroy();
    this.#clients.clear();
  }
}
