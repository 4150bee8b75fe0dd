import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandler } from '@smithy/protocol-http';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { InternalError, MalformedBodyError, type UpstreamError } from '../../errors.ts';
import type { JobProvider } from '../../model.ts';
import { DEFAULT_MAX_BODY_BYTES } from './bodyCap.ts';
import { CappedBodyHttpHandler } from './cappedBodyHandler.ts';
import { badResponse } from './classify.ts';
import { ClientPool, type PoolTimers } from './clientPool.ts';
import { createAgents } from './http.ts';
import type { AwsSourceOptions, TransportOptions } from './options.ts';

/**
 * The HTTP layer below one SDK client: its own keep-alive agents capped at `maxSockets`,
 * `timeoutMs` for connecting and for the whole exchange of one attempt, and response bodies cut
 * at `maxBodyBytes` (default 1 MiB).
 */
export function createSdkRequestHandler(options: Pick<TransportOptions, 'timeoutMs' | 'maxSockets' | 'maxBodyBytes'>): NodeHttpHandler {
  return new CappedBodyHttpHandler(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, sdkHandlerOptions(options));
}

/**
 * The HTTP layer all of one provider's regional SDK clients share, so its sockets are bounded
 * per provider: a client's `destroy()` (eviction) leaves it alone; `destroyShared()` closes it.
 */
export class SharedSdkRequestHandler extends CappedBodyHttpHandler {
  constructor(options: Pick<TransportOptions, 'timeoutMs' | 'maxSockets' | 'maxBodyBytes'>) {
    super(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, sdkHandlerOptions(options));
  }
  override destroy(): void {}
  destroyShared(): void {
    super.destroy();
  }
}

function sdkHandlerOptions(options: Pick<TransportOptions, 'timeoutMs' | 'maxSockets'>) {
  const agents = createAgents(options.maxSockets);
  return {
    httpAgent: agents.http,
    httpsAgent: agents.https,
    connectionTimeout: options.timeoutMs,
    requestTimeout: options.timeoutMs,
    // Without it a request timeout only logs a warning and the attempt keeps waiting.
    throwOnRequestTimeout: true,
  };
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

/** Regional clients a provider keeps open when the options do not say. */
export const DEFAULT_MAX_CLIENTS = 32;

/**
 * Long-lived clients, one per region, created on first use and bounded: at most
 * `options.maxClients` (least recently used destroyed first), each closed after a minute
 * unused. All of them send through one shared request handler, so the provider's sockets are
 * bounded by `options.maxSockets` however many regions are asked for.
 */
export class RegionalClients<C extends { destroy(): void }> {
  readonly #pool: ClientPool<C>;
  readonly #handler: SharedSdkRequestHandler;

  constructor(
    create: (region: string, requestHandler: HttpHandler) => C,
    options: Pick<TransportOptions, 'timeoutMs' | 'maxSockets' | 'maxClients' | 'maxBodyBytes'>,
    timers?: PoolTimers,
  ) {
    this.#handler = new SharedSdkRequestHandler(options);
    this.#pool = new ClientPool<C>({
      create: (region) => create(region, this.#handler),
      destroy: (client) => client.destroy(),
      max: options.maxClients ?? DEFAULT_MAX_CLIENTS,
      ...(timers ? { timers } : {}),
    });
  }

  /** The client for `region`, created on first use. */
  forRegion(region: string): C {
    return this.#pool.get(region);
  }

  /** Regional clients open now. */
  get size(): number {
    return this.#pool.size;
  }

  /** Destroy every client and the shared sockets. */
  close(): void {
    this.#pool.close();
    this.#handler.destroyShared();
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
