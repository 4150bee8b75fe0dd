import { AsyncLocalStorage } from 'node:async_hooks';
import { HttpRequest, type HttpHandler } from '@smithy/protocol-http';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, DeserializeMiddleware, Pluggable } from '@smithy/types';
import { InternalError, MalformedBodyError, type UpstreamError } from '../../errors.ts';
import type { KeyOf } from '../../globalId.ts';
import { failedAttempt, okAttempt, type AttemptObserver } from './attempts.ts';
import type { JobProvider, JobRecord } from '../../model.ts';
import { DEFAULT_MAX_BODY_BYTES } from './bodyCap.ts';
import { CappedBodyHttpHandler } from './cappedBodyHandler.ts';
import { badResponse } from './classify.ts';
import { ClientPool } from './clientPool.ts';
import { createAgents } from './http.ts';
import type { AwsSourceOptions, TransportOptions } from './options.ts';
import type { SourceSeams } from './seams.ts';
import type { JobSource } from './types.ts';

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
 * `options.maxAttempts`; `requestHandler` is the provider's shared handler (or a test's).
 */
export function sdkClientConfig(region: string, options: AwsSourceOptions, requestHandler: HttpHandler): SdkClientConfig {
  const credentials = options.credentials;
  return {
    region,
    maxAttempts: options.maxAttempts,
    requestHandler,
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
export class RegionalClients<C extends { destroy(): void; middlewareStack: { use(pluggable: never): void } }> {
  readonly #pool: ClientPool<C>;
  readonly #handler: SharedSdkRequestHandler;

  /**
   * `create` builds the client of one region on `requestHandler`: the provider's shared handler,
   * or `seams.requestHandler` when a test gives one.
   */
  constructor(
    create: (region: string, requestHandler: HttpHandler) => C,
    options: Pick<TransportOptions, 'timeoutMs' | 'maxSockets' | 'maxClients' | 'maxBodyBytes'>,
    seams: Pick<SourceSeams, 'requestHandler' | 'timers'> = {},
  ) {
    this.#handler = new SharedSdkRequestHandler(options);
    const handler = seams.requestHandler ?? this.#handler;
    const timers = seams.timers;
    this.#pool = new ClientPool<C>({
      create: (region) => {
        const client = create(region, handler);
        // The plugin is generic over the client's input and output types (it reads only `$metadata`).
        client.middlewareStack.use(observeAttemptsPlugin as never);
        return client;
      },
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

/** What the attempt middleware needs to know of the job whose call is running. */
interface SdkCallScope {
  provider: JobProvider;
  region: string | null;
  observer: AttemptObserver;
  /** The provider's error mapping for this job (its errors.ts). */
  classify(err: unknown): UpstreamError | InternalError;
}

/** The job an SDK call is made for, seen by the attempt middleware inside the SDK's retry loop. */
const sdkCalls = new AsyncLocalStorage<SdkCallScope>();

/** The attempt number from the SDK's `amz-sdk-request: attempt=N; max=M` header (set by its retry middleware); 1 without one. */
function sdkAttemptNumber(request: unknown): number {
  if (!HttpRequest.isInstance(request)) return 1;
  const header = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'amz-sdk-request')?.[1];
  const n = Number(/attempt=(\d+)/.exec(header ?? '')?.[1]);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/**
 * Reports every attempt the SDK makes to the job's observer. It sits in the `deserialize` step,
 * inside the SDK's retry middleware (`finalizeRequest`), so it runs once per attempt, retries
 * included, and sees each attempt's deserialised answer or error.
 */
const observeAttemptsMiddleware: DeserializeMiddleware<object, object> = (next, context) => async (args) => {
  const scope = sdkCalls.getStore();
  if (!scope) return next(args);
  const end = scope.observer.start({
    provider: scope.provider,
    region: scope.region,
    operation: String(context.commandName ?? 'unknown').replace(/Command$/, ''),
    attempt: sdkAttemptNumber(args.request),
  });
  try {
    const result = await next(args);
    const output = result.output as { $metadata?: { requestId?: string; httpStatusCode?: number } };
    end(okAttempt(output.$metadata?.requestId, output.$metadata?.httpStatusCode));
    return result;
  } catch (err) {
    end(failedAttempt(scope.classify(err)));
    throw err;
  }
};

const observeAttemptsPlugin: Pluggable<object, object> = {
  applyToStack: (stack) => stack.add(observeAttemptsMiddleware, { step: 'deserialize', priority: 'high', name: 'jobgraphObserveAttempts' }),
};

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

/**
 * The JobSource of an SDK provider (Panorama, Omics, CodePipeline) from the parts of its folder:
 * its regional `clients` (`describeJob` sends the one describe call of a job), its `errors.ts`
 * (`toUpstreamError`) and `parse.ts` (`parse`), each job through `describeWithSdk`. The two
 * modules are called through their namespaces at call time, so a test's spy on either sees the call.
 * With an `observer`, every attempt the SDK makes (retries included) is reported to it.
 */
export function createSdkSource<P extends JobProvider, O extends { $metadata?: { requestId?: string } }, R extends JobRecord>(
  provider: P,
  clients: { describeJob(key: KeyOf<P>, signal?: AbortSignal): Promise<O>; close(): void; readonly size: number },
  errors: { toUpstreamError(key: KeyOf<P>, err: unknown): UpstreamError | InternalError },
  parse: { parse(key: KeyOf<P>, output: O): R },
  observer?: AttemptObserver,
): JobSource<P, R> {
  return {
    provider,
    fetchJob: (key, opts) =>
      describeWithSdk(
        provider,
        observer
          ? () =>
              sdkCalls.run({ provider, region: 'region' in key ? key.region : null, observer, classify: (err) => errors.toUpstreamError(key, err) }, () =>
                clients.describeJob(key, opts?.signal),
              )
          : () => clients.describeJob(key, opts?.signal),
        (err) => errors.toUpstreamError(key, err),
        (output) => parse.parse(key, output),
      ),
    close: () => clients.close(),
    clientCount: () => clients.size,
  };
}
