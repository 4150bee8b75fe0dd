import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandler } from '@smithy/protocol-http';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { InternalError, MalformedBodyError, type UpstreamError } from '../errors.ts';
import type { JobProvider } from '../model.ts';
import { DEFAULT_MAX_BODY_BYTES } from './bodyCap.ts';
import { CappedBodyHttpHandler } from './cappedBodyHandler.ts';
import { badResponse } from './classify.ts';
import { createAgents } from './http.ts';
import type { AwsSourceOptions, TransportOptions } from './options.ts';

/**
 * The HTTP layer below one SDK client: its own keep-alive agents capped at `maxSockets`,
 * `timeoutMs` for connecting and for the whole exchange of one attempt, and response bodies cut
 * at `maxBodyBytes` (default 1 MiB).
 */
export function createSdkRequestHandler(options: Pick<TransportOptions, 'timeoutMs' | 'maxSockets' | 'maxBodyBytes'>): NodeHttpHandler {
  const agents = createAgents(options.maxSockets);
  return new CappedBodyHttpHandler(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, {
    httpAgent: agents.http,
    httpsAgent: agents.https,
    connectionTimeout: options.timeoutMs,
    requestTimeout: options.timeoutMs,
    // Without it a request timeout only logs a warning and the attempt keeps waiting.
    throwOnRequestTimeout: true,
  });
}

/** The client settings every jobgraph SDK client shares; spread into the service client's config. */
export interface SdkClientConfig {
  region: string;
  maxAttempts: number;
  requestHandler: HttpHandler;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  ignoreConfiguredEndpointUrls: true;
  endpoint?: string;
}

/**
 * Config for one SDK client in `region`. Retries are the SDK's standard strategy with
 * `options.maxAttempts`. `requestHandler` replaces the keep-alive Node handler (protocol tests
 * feed fixtures through it); without it each client gets a handler of its own.
 */
export function sdkClientConfig(region: string, options: AwsSourceOptions, requestHandler?: HttpHandler): SdkClientConfig {
  const credentials = options.credentials;
  return {
    region,
    maxAttempts: options.maxAttempts,
    requestHandler: requestHandler ?? createSdkRequestHandler(options),
    // The SDK tags static credentials in place ($source), which throws on a frozen object: pass a copy.
    ...(credentials !== undefined ? { credentials: typeof credentials === 'function' ? credentials : { ...credentials } } : {}),
    // The endpoint comes from jobgraph's config (AWS_ENDPOINT_URL_<SERVICE>) only, so the SDK
    // must not read the environment for it on its own.
    ignoreConfiguredEndpointUrls: true,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
  };
}

/** Long-lived clients, one per region, created on first use. */
export class RegionalClients<C extends { destroy(): void }> {
  readonly #create: (region: string) => C;
  readonly #clients = new Map<string, C>();

  constructor(create: (region: string) => C) {
    this.#create = create;
  }

  /** The client for `region`, created on first use. */
  forRegion(region: string): C {
    let client = this.#clients.get(region);
    if (!client) {
      client = this.#create(region);
      this.#clients.set(region, client);
    }
    return client;
  }

  /** Destroy every client and its sockets. */
  close(): void {
    for (const client of this.#clients.values()) client.destroy();
    this.#clients.clear();
  }
}

/**
 * One describe call through an SDK client: `send` errors become the provider's UpstreamError
 * (`mapError`, built on `fromSdkError`); a successful output that `parse` finds malformed
 * becomes UPSTREAM_BAD_RESPONSE with the SDK's request id. Any other exception from `parse` is
 * jobgraph's own bug, not the provider's: an InternalError (INTERNAL_SERVER_ERROR, not retried,
 * not counted by the breaker). Every failure leaving here is an UpstreamError or an InternalError.
 */
export async function describeWithSdk<O extends { $metadata?: { requestId?: string } }, R>(
  provider: JobProvider,
  send: () => Promise<O>,
  mapError: (err: unknown) => UpstreamError | InternalError,
  parse: (output: O) => R,
): Promise<R> {
  let output: O;
  try {
    output = await send();
  } catch (err) {
    throw mapError(err);
  }
  try {
    return parse(output);
  } catch (err) {
    if (err instanceof MalformedBodyError) throw badResponse(provider, err, output?.$metadata?.requestId ?? null);
    throw new InternalError(provider, err);
  }
}
