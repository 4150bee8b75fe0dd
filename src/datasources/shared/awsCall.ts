import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Config } from '../../config/index.ts';
import { MalformedBodyError, type UpstreamError } from '../../errors.ts';
import type { JobKey } from '../../model/keys.ts';
import type { JobRecord } from '../../model/job.ts';
import { DEFAULT_ACCOUNT } from '../../config/patterns.ts';
import { credentialSource } from './awsCredentials.ts';
import { resolveAwsEndpoint, type AwsEndpointVariant } from './awsEndpoint.ts';
import { unknownAlias } from './accounts.ts';
import { awsRequestId } from './awsErrors.ts';
import type { HttpResult } from './http.ts';
import type { AwsSourceOptions } from './options.ts';
import type { ProviderSetup } from './provider.ts';
import { SigV4Signer } from './sigv4.ts';
import type { Operation, ProviderWire, WireRequest } from './source.ts';

/** What an AWS service is on the wire beyond its operations: its SigV4 signing and its endpoint. */
export interface AwsService {
  /** SigV4 signing name (`codepipeline`). */
  signingName: string;
  /** The region it signs for whatever the call's (Import/Export: us-east-1); default the call's. */
  signingRegion?: string;
  /**
   * Its endpoint: the prefix in the service's endpoint rules (`codepipeline` →
   * `codepipeline.{region}.amazonaws.com`, FIPS and dual-stack variants as configured), or the
   * one URL of a global service.
   */
  endpoint: { prefix: string } | { global: string };
  /** Said after a transport failure (not a timeout). */
  unreachableNote?: string;
  /** The request ID of an answer; default the headers', as the SDK reads them. */
  requestId?: (answer: HttpResult) => string | null;
}

/**
 * An AWS provider on the wire (`ProviderWire`, for `createSource`): credentials from the options
 * (else the standard chain, `credentialSource`), SigV4 under the service's signing name
 * (node:crypto, `SigV4Signer`), the regional endpoint from the partition data or the global one,
 * the request ID as the SDK reads it. Kept from the SDK: the credential chain and the endpoint
 * rules' partition data (`resolveAwsEndpoint`), both loaded on first use.
 */
export function awsWire<K extends JobKey, R extends JobRecord>(
  describe: Operation<K, R>,
  service: AwsService,
  options: AwsSourceOptions,
): ProviderWire<K, R, AwsCredentialIdentity> {
  const { accounts } = options;
  const own = accounts ? null : credentialSource(options.credentials);
  const signer = new SigV4Signer();
  const variant: AwsEndpointVariant | undefined = options.endpointVariant;
  const { endpoint } = service;
  return {
    describe,
    credentials: (account) =>
      accounts
        ? accounts.credentials(account)
        : account === undefined
          ? (own as AwsCredentialIdentityProvider)()
          : Promise.reject(unknownAlias(account, [])),
    endpoint:
      'global' in endpoint
        ? () => new URL(endpoint.global)
        : (region) => resolveAwsEndpoint(endpoint.prefix, region, variant),
    sign: (request, creds, region, date) =>
      signer.sign(request, creds, service.signingName, service.signingRegion ?? region, date),
    requestId: service.requestId ?? ((answer) => awsRequestId(answer.headers)),
    ...('global' in endpoint ? { global: true } : {}),
    ...(service.unreachableNote ? { unreachableNote: service.unreachableNote } : {}),
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

/** `POST {path}` of a JSON body, as a rest-json AWS operation (Batch's every call) is sent. */
export function awsJsonPost(path: string, body: unknown): WireRequest {
  return {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

/**
 * An operation of an AWS JSON protocol (rest-json, awsJson1_1) sent to the input's region: a 2xx
 * body `JSON.parse`d (`awsJsonOutput`) and given to `parse`, an error answer to `readError`.
 */
export function awsJsonOperation<I extends { region: string }, O>(spec: {
  /** As metrics and traces name it (`GetJobDetails`). */
  name: string;
  send(input: I): WireRequest;
  readError(input: I, answer: HttpResult): UpstreamError;
  parse(input: I, output: unknown): O;
}): Operation<I, O> {
  return {
    name: spec.name,
    region: (input) => input.region,
    send: (input) => spec.send(input),
    readError: (input, answer) => spec.readError(input, answer),
    parse: (input, answer) => spec.parse(input, awsJsonOutput(answer)),
  };
}

/**
 * The wire of an AWS JSON provider (rest-json, awsJson1_1: Panorama, HealthOmics, CodePipeline):
 * its describe operation (`request` of a key, sent to the key's region), a 2xx body given to its
 * parse.ts and an error answer to its errors.ts (read through the modules at each call), on
 * `service`'s SigV4 and endpoint.
 */
export function awsJsonWire<K extends JobKey & { region: string }, R extends JobRecord>(
  describe: { name: string; request(key: K): WireRequest },
  errors: { toUpstreamError(key: K, answer: HttpResult): UpstreamError },
  parse: { parse(key: K, output: unknown): R },
  service: AwsService,
): (options: AwsSourceOptions) => ProviderWire<K, R, AwsCredentialIdentity> {
  const operation = awsJsonOperation<K, R>({
    name: describe.name,
    send: (key) => describe.request(key),
    readError: (key, answer) => errors.toUpstreamError(key, answer),
    parse: (key, output) => parse.parse(key, output),
  });
  return (options) => awsWire(operation, service, options);
}

/**
 * The setup of an AWS provider: the standard chain or the configured credentials, its endpoint
 * override (`endpointOf`), its wire.
 */
export function awsSetup<K extends JobKey, R extends JobRecord>(
  endpointOf: (config: Config) => string | undefined,
  wire: (options: AwsSourceOptions) => ProviderWire<K, R, unknown>,
): ProviderSetup<K, R, AwsSourceOptions> {
  return {
    endpoint: endpointOf,
    credentials: 'aws',
    wire,
    accountId: (_config, key, accounts) =>
      accounts?.accountId((key as { account?: string }).account) ?? null,
    accountAliases: (config) => config.awsAccounts.map((a) => a.alias),
    accountAlias: (_config, key) => (key as { account?: string }).account ?? DEFAULT_ACCOUNT,
    accountDirectory: (config, accounts) => {
      const defaultId = accounts?.accountId(DEFAULT_ACCOUNT) ?? null;
      return [
        { alias: DEFAULT_ACCOUNT, ids: defaultId ? [defaultId] : [] },
        ...config.awsAccounts.map((a) => ({ alias: a.alias, ids: [a.accountId] })),
      ];
    },
    options(config, transport) {
      const endpoint = endpointOf(config);
      return {
        ...transport,
        maxAttempts: config.awsMaxAttempts ?? transport.maxAttempts,
        ...(config.awsCredentials ? { credentials: config.awsCredentials } : {}),
        ...(transport.awsAccounts ? { accounts: transport.awsAccounts } : {}),
        ...(endpoint ? { endpoint } : {}),
        endpointVariant: config.awsEndpointVariant,
      };
    },
  };
}
