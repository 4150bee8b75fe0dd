import type { Readable } from 'node:stream';
import type { HttpHandler, HttpRequest } from '@smithy/protocol-http';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { InternalError, MalformedBodyError, UpstreamError, type UpstreamCode } from '../../errors.ts';
import type { KeyOf } from '../../globalId.ts';
import type { JobProvider, JobRecord } from '../../model.ts';
import { observeAttempt } from './attempts.ts';
import { resolveAwsEndpoint } from './awsEndpoint.ts';
import { AwsErrorAnswer, awsRequestId } from './awsErrors.ts';
import { DEFAULT_MAX_BODY_BYTES, collectCapped, declaredLength } from './bodyCap.ts';
import { badResponse } from './classify.ts';
import { ClientPool, DEFAULT_MAX_CLIENTS } from './clientPool.ts';
import { createAgents, destroyAgents, httpOrigin, httpRequest, type Agents, type HttpOrigin, type HttpResult } from './http.ts';
import type { AwsSourceOptions } from './options.ts';
import { handMadeRetryPolicy, retryUpstream } from './retry.ts';
import type { SourceSeams } from './seams.ts';
import { SigV4Signer } from './sigv4.ts';
import type { JobSource } from './types.ts';
import { USER_AGENT } from './userAgent.ts';

/** One describe request of an AWS JSON service, before signing. */
export interface AwsJsonRequest {
  method: 'GET' | 'POST';
  /** The operation's path, labels URI-encoded (e.g. `/packages/import-jobs/${rfc3986(id)}`). */
  path: string;
  /** Headers besides host and the signature's (content-type, x-amz-target); lower-case names. */
  headers: Record<string, string>;
  body: string;
}

/** What one AWS JSON provider (Panorama, HealthOmics, CodePipeline) is to the lean caller: its client.ts. */
export interface AwsJsonService<P extends JobProvider> {
  provider: P;
  /** The operation, as metrics and traces name it (`GetJobDetails`). */
  operation: string;
  /** SigV4 signing name (`codepipeline`). */
  signingName: string;
  /** The endpoint prefix in the service's endpoint rules (`codepipeline` → `codepipeline.{region}.amazonaws.com`). */
  endpointPrefix: string;
  /** The operation's endpoint trait (HealthOmics `control-storage-`), added only to a resolved endpoint, never to an override. */
  hostPrefix?: string;
  /** The request of one job. */
  request(key: KeyOf<P>): AwsJsonRequest;
}

/** The standard AWS credential chain (`@aws-sdk/credential-provider-node`: memoized, refreshed before expiry), loaded on first use. */
function lazyDefaultChain(): AwsCredentialIdentityProvider {
  let chain: Promise<AwsCredentialIdentityProvider> | null = null;
  return async () => {
    chain ??= import('@aws-sdk/credential-provider-node').then((m) => m.defaultProvider());
    return (await chain)();
  };
}

/** Credentials from the options: static ones as given, a provider as given, none the standard chain (loaded on first use). */
export function credentialSource(credentials: AwsSourceOptions['credentials']): AwsCredentialIdentityProvider {
  if (typeof credentials === 'function') return credentials;
  if (credentials) {
    const fixed: AwsCredentialIdentity = { ...credentials };
    return () => Promise.resolve(fixed);
  }
  return lazyDefaultChain();
}

/** Codes the AWS SDK reads as "the signing clock is off" (its clock-skew list). */
const CLOCK_SKEW_CODES: ReadonlySet<string> = new Set([
  'AuthFailure',
  'InvalidSignatureException',
  'RequestExpired',
  'RequestInTheFuture',
  'RequestTimeTooSkewed',
  'SignatureDoesNotMatch',
]);

/** Skew beyond which the SDK corrects its signing clock from a response's Date header (5 minutes). */
const CLOCK_SKEW_MS = 300_000;

/** A regional endpoint, resolved once and kept (bounded by `maxClients`, closed after a minute unused, like the SDK clients it replaces). */
interface RegionalEndpoint {
  url: Promise<PreparedEndpoint>;
}

/** An endpoint taken apart once: its origin for node:http and the path every operation path goes under. */
interface PreparedEndpoint {
  url: URL;
  origin: HttpOrigin;
  /** The endpoint's own path without its trailing slash ('' for `/`). */
  basePath: string;
}

function prepareEndpoint(url: URL): PreparedEndpoint {
  return { url, origin: httpOrigin(url), basePath: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '') };
}

/**
 * Send one signed request to `url` + `req.path` and read the whole answer (body capped), over
 * the provider's keep-alive agents — or through `handler` when a test gives one (an SDK-style
 * request handler fed golden fixtures).
 */
async function send(
  endpoint: PreparedEndpoint,
  req: AwsJsonRequest,
  headers: Record<string, string>,
  agents: Agents,
  handler: HttpHandler | undefined,
  timeoutMs: number,
  maxBodyBytes: number,
  signal: AbortSignal | undefined,
): Promise<HttpResult> {
  const path = endpoint.basePath + req.path;
  if (handler) {
    const { url } = endpoint;
    const request = {
      method: req.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path,
      query: {},
      headers,
      ...(req.body !== '' ? { body: Buffer.from(req.body) } : {}),
    } as unknown as HttpRequest;
    const { response } = await handler.handle(request, signal ? { abortSignal: signal as never } : {});
    const body = await collectCapped(response.body as Readable, maxBodyBytes, declaredLength(response.headers), signal, timeoutMs);
    return { status: response.statusCode, headers: response.headers, body: body.toString('utf8') };
  }
  return httpRequest(
    {
      method: req.method,
      origin: endpoint.origin,
      path,
      headers,
      ...(req.body !== '' ? { body: req.body } : {}),
      timeoutMs,
      maxBodyBytes,
      ...(signal ? { signal } : {}),
    },
    agents,
  );
}

/**
 * The JobSource of an AWS JSON provider (Panorama and HealthOmics over rest-json, CodePipeline
 * over awsJson1_1) without the SDK client stack: the request from the provider's client.ts,
 * signed with SigV4 (node:crypto, `SigV4Signer`), sent over keep-alive agents capped at
 * `options.maxSockets` with the per-attempt deadline and body cap of the hand-made clients,
 * retried by their one policy (`handMadeRetryPolicy`, Retry-After honoured, inside
 * `options.budgetMs`), each attempt reported to `options.observer`. Kept from the SDK: the
 * credential chain (`credentialSource`) and the endpoint rules' partition data
 * (`resolveAwsEndpoint`), both loaded on first use. A 2xx body is `JSON.parse`d and given to
 * the provider's parse.ts; an error answer becomes an AwsErrorAnswer for its errors.ts.
 */
export function createAwsJsonSource<P extends JobProvider, R extends JobRecord>(
  service: AwsJsonService<P>,
  errors: { toUpstreamError(key: KeyOf<P>, err: unknown): UpstreamError | InternalError },
  parse: { parse(key: KeyOf<P>, output: unknown): R },
  options: AwsSourceOptions,
  seams: SourceSeams = {},
): JobSource<P, R> {
  const { provider } = service;
  const now = seams.now ?? Date.now;
  const policy = handMadeRetryPolicy(options, { ...seams, now });
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const credentials = credentialSource(options.credentials);
  const signer = new SigV4Signer();
  const agents = createAgents(options.maxSockets);
  const handler = seams.requestHandler;
  const override = options.endpoint !== undefined ? prepareEndpoint(new URL(options.endpoint)) : null;
  /** Signing clock offset, corrected from an error answer's Date header as the SDK does (`systemClockOffset`). */
  let clockOffsetMs = 0;
  const endpoints = new ClientPool<RegionalEndpoint>({
    create: (region) => {
      const url = override
        ? Promise.resolve(override)
        : resolveAwsEndpoint(service.endpointPrefix, region, options.endpointVariant).then((u) =>
            prepareEndpoint(service.hostPrefix ? new URL(`${u.protocol}//${service.hostPrefix}${u.host}${u.pathname}`) : u),
          );
      // A failed resolution is answered for this job and tried again for the next.
      url.catch(() => endpoints.delete(region));
      return { url };
    },
    destroy: () => {},
    max: options.maxClients ?? DEFAULT_MAX_CLIENTS,
    ...(seams.timers ? { timers: seams.timers } : {}),
  });

  async function attempt(
    key: KeyOf<P>,
    region: string,
    creds: AwsCredentialIdentity,
    timeoutMs: number,
    attemptNumber: number,
    signal: AbortSignal | undefined,
    noteSuccess: (requestId: string | null, httpStatus: number | null) => void,
  ): Promise<R> {
    let res: HttpResult;
    try {
      const endpoint = await endpoints.get(region).url;
      const req = service.request(key);
      const headers = signer.sign(
        { method: req.method, host: endpoint.origin.host, path: endpoint.basePath + req.path, headers: req.headers, body: req.body },
        creds,
        service.signingName,
        region,
        new Date(now() + clockOffsetMs),
      );
      headers['user-agent'] = USER_AGENT;
      res = await send(endpoint, req, headers, agents, handler, timeoutMs, maxBodyBytes, signal);
    } catch (err) {
      throw errors.toUpstreamError(key, err);
    }
    if (res.status < 200 || res.status >= 300) throw errorAnswer(key, res, attemptNumber);
    const requestId = awsRequestId(res.headers);
    try {
      let output: unknown;
      try {
        output = JSON.parse(res.body === '' ? '{}' : res.body);
      } catch {
        throw new MalformedBodyError('body is not valid JSON');
      }
      const record = parse.parse(key, output);
      noteSuccess(requestId, res.status);
      return record;
    } catch (err) {
      // Only a malformed body is the provider's; any other exception in the parse step is ours.
      if (err instanceof MalformedBodyError) throw badResponse(provider, err, requestId);
      throw new InternalError(provider, err);
    }
  }

  /**
   * The error of a non-2xx answer. When the answer's Date header says the signing clock is off by
   * more than five minutes, the clock is corrected for the next requests and a clock-skew error
   * (InvalidSignatureException, …) is made retryable when an attempt is left, so the next
   * attempt signs with the corrected time, as the SDK's retry strategy does.
   */
  function errorAnswer(key: KeyOf<P>, res: HttpResult, attemptNumber: number): UpstreamError | InternalError {
    const answer = new AwsErrorAnswer(res);
    const mapped = errors.toUpstreamError(key, answer);
    const date = res.headers.date;
    if (date === undefined) return mapped;
    const serverMs = Date.parse(date);
    const skew = serverMs - (now() + clockOffsetMs);
    if (!Number.isFinite(serverMs) || Math.abs(skew) < CLOCK_SKEW_MS) return mapped;
    clockOffsetMs = serverMs - now();
    if (attemptNumber >= policy.maxAttempts || !(mapped instanceof UpstreamError) || mapped.retryable) return mapped;
    if (answer.code === null || !CLOCK_SKEW_CODES.has(answer.code)) return mapped;
    return new UpstreamError({
      provider,
      code: mapped.code as UpstreamCode,
      message: mapped.message,
      upstreamCode: mapped.upstreamCode,
      upstreamRequestId: mapped.upstreamRequestId,
      httpStatus: mapped.httpStatus,
      retryable: true,
      cause: answer,
    });
  }

  async function fetchJob(key: KeyOf<P>, opts: { signal?: AbortSignal } = {}): Promise<R> {
    const started = now();
    const region = (key as { region: string }).region;
    let creds: AwsCredentialIdentity;
    try {
      creds = await credentials();
    } catch (err) {
      throw errors.toUpstreamError(key, err);
    }
    return retryUpstream(
      (timeoutMs, n) =>
        observeAttempt(options.observer, { provider, region, operation: service.operation, attempt: n }, (noteSuccess) =>
          attempt(key, region, creds, timeoutMs, n, opts.signal, noteSuccess),
        ),
      policy,
      opts.signal,
      started,
    );
  }

  return {
    provider,
    fetchJob,
    close: () => {
      endpoints.close();
      destroyAgents(agents);
    },
    clientCount: () => endpoints.size,
  };
}
