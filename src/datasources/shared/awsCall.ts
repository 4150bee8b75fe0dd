import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { MalformedBodyError, type UpstreamError } from '../../errors.ts';
import type { KeyOf } from '../../model/globalId.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import { resolveAwsEndpoint, type AwsEndpointVariant } from './awsEndpoint.ts';
import { awsRequestId } from './awsErrors.ts';
import type { HttpResult } from './http.ts';
import type { AwsSourceOptions } from './options.ts';
import type { SourceSeams } from './seams.ts';
import { SigV4Signer } from './sigv4.ts';
import {
  createSource,
  type Operation,
  type ProviderSource,
  type SourceDescriptor,
  type WireRequest,
} from './source.ts';

/** What one AWS JSON provider (Panorama, HealthOmics, CodePipeline) is on the wire: its client.ts. */
export interface AwsJsonService<P extends JobProvider> {
  provider: P;
  /** The describe operation, as metrics and traces name it (`GetJobDetails`). */
  operation: string;
  /** SigV4 signing name (`codepipeline`). */
  signingName: string;
  /** The endpoint prefix in the service's endpoint rules (`codepipeline` → `codepipeline.{region}.amazonaws.com`). */
  endpointPrefix: string;
  /** The describe request of one job; an endpoint trait (HealthOmics `control-storage-`) is its `hostPrefix`. */
  request(key: KeyOf<P>): WireRequest;
  /** Said after a transport failure (not a timeout). */
  unreachableNote?: string;
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
export function credentialSource(
  credentials: AwsSourceOptions['credentials'],
): AwsCredentialIdentityProvider {
  if (typeof credentials === 'function') return credentials;
  if (credentials) {
    const fixed: AwsCredentialIdentity = { ...credentials };
    return () => Promise.resolve(fixed);
  }
  return lazyDefaultChain();
}

/**
 * The AWS half of a descriptor, shared by the four AWS providers: credentials from the options
 * (else the standard chain, `credentialSource`), SigV4 under `signingName` (node:crypto,
 * `SigV4Signer`; `signingRegion` when the service signs for one region whatever the call's),
 * the request ID as the SDK reads it. Kept from the SDK: the credential chain and the endpoint
 * rules' partition data (`resolveAwsEndpoint`), both loaded on first use.
 */
export function awsWire<P extends JobProvider>(
  provider: P,
  signing: { name: string; region?: string },
  options: AwsSourceOptions,
): Omit<SourceDescriptor<P, JobRecord, AwsCredentialIdentity>, 'describe' | 'endpoint'> {
  const credentials = credentialSource(options.credentials);
  const signer = new SigV4Signer();
  return {
    provider,
    credentials: () => credentials(),
    sign: (request, creds, region, date) =>
      signer.sign(request, creds, signing.name, signing.region ?? region, date),
    requestId: (answer) => awsRequestId(answer.headers),
  };
}

/** A 2xx body of an AWS JSON protocol, parsed (an empty body is `{}`). */
export function awsJsonOutput(answer: HttpResult): unknown {
  try {
    return JSON.parse(answer.body === '' ? '{}' : answer.body);
  } catch {
    throw new MalformedBodyError('body is not valid JSON');
  }
}

/**
 * An AWS JSON provider (Panorama and HealthOmics over rest-json, CodePipeline over awsJson1_1)
 * on the one pipeline (`createSource`): the request from its client.ts, SigV4, the regional
 * endpoint from the partition data (FIPS and dual-stack variants as configured); a 2xx body
 * `JSON.parse`d and given to its parse.ts, an error answer to its errors.ts.
 */
export function createAwsJsonSource<P extends JobProvider, R extends JobRecord>(
  service: AwsJsonService<P>,
  errors: { toUpstreamError(key: KeyOf<P>, answer: HttpResult): UpstreamError },
  parse: { parse(key: KeyOf<P>, output: unknown): R },
  options: AwsSourceOptions,
  seams: SourceSeams = {},
): ProviderSource<P, R> {
  const describe: Operation<KeyOf<P>, R> = {
    name: service.operation,
    region: (key) => (key as { region: string }).region,
    send: (key) => service.request(key),
    readError: (key, answer) => errors.toUpstreamError(key, answer),
    parse: (key, answer) => parse.parse(key, awsJsonOutput(answer)),
  };
  const variant: AwsEndpointVariant | undefined = options.endpointVariant;
  return createSource(
    {
      ...(awsWire(service.provider, { name: service.signingName }, options) as Omit<
        SourceDescriptor<P, R, AwsCredentialIdentity>,
        'describe' | 'endpoint'
      >),
      describe,
      endpoint: (region) => resolveAwsEndpoint(service.endpointPrefix, region, variant),
      ...(service.unreachableNote ? { unreachableNote: service.unreachableNote } : {}),
    },
    options,
    seams,
  );
}
