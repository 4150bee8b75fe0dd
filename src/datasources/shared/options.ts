import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { TencentCredentials } from '../../config/index.ts';
import type { AttemptObserver } from './attempts.ts';
import type { AwsEndpointVariant } from './awsEndpoint.ts';
import type { AwsAccounts } from './accounts.ts';
import type { RateGate } from './rateGate.ts';

/** Transport settings shared by every provider client. */
export interface TransportOptions {
  /** Per-attempt timeout in ms (JOBGRAPH_UPSTREAM_TIMEOUT_MS, default 5000). */
  timeoutMs: number;
  /** Attempts per job including the first (default 3). */
  maxAttempts: number;
  /** Keep-alive sockets per provider (all its regions and hosts together); at least the provider's concurrency cap. */
  maxSockets: number;
  /** Regional clients a provider keeps open at most (default DEFAULT_MAX_CLIENTS, 32). */
  maxClients?: number;
  /**
   * Largest upstream response body read, in bytes (JOBGRAPH_UPSTREAM_MAX_BODY_BYTES, default
   * 1 MiB); a larger one is cut and answered UPSTREAM_BAD_RESPONSE.
   */
  maxBodyBytes?: number;
  /**
   * Most time one job may take across attempts and waits, in ms (JOBGRAPH_UPSTREAM_BUDGET_MS,
   * default 15000). Every provider plans its retries inside it (`handMadeRetryPolicy`).
   */
  budgetMs?: number;
  /** Told of every upstream attempt, retries included (metrics and traces); none by default. */
  observer?: AttemptObserver;
  /** The rate budget every attempt asks first (JOBGRAPH_UPSTREAM_RATE_LIMITS); none: no budget. */
  rate?: RateGate;
  /** The AWS accounts, made once for the four AWS providers (`AwsAccounts`); none: the default account. */
  awsAccounts?: AwsAccounts;
}

/**
 * What every provider's source options carry: the transport's settings and an endpoint override.
 */
export type SourceOptions = TransportOptions & { endpoint?: string };

/** Options for the AWS providers (Panorama, Omics, CodePipeline, Import/Export). */
export interface AwsSourceOptions extends TransportOptions {
  /** Static credentials or a provider; undefined means the standard AWS credential chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /**
   * The accounts (the default one and JOBGRAPH_AWS_ACCOUNTS' roles), shared by the AWS providers;
   * when given, `credentials` is not read. Absent: the default account only.
   */
  accounts?: AwsAccounts;
  /** Endpoint override (AWS_ENDPOINT_URL_<SERVICE>); with an override no host prefix is added. */
  endpoint?: string;
  /** FIPS and dual-stack endpoints (AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT); ignored with an override. */
  endpointVariant?: AwsEndpointVariant;
}

export interface CosSourceOptions extends TransportOptions {
  /** null when not configured: every job answers PROVIDER_NOT_CONFIGURED. */
  credentials: TencentCredentials | null;
  /** The `x-cos-appid` header value (COS_APPID); null when not configured. */
  appId: string | null;
  /** Other accounts (JOBGRAPH_TENCENT_ACCOUNTS): a job whose UIN is one of theirs is called with its keys and APPID. */
  accounts?: readonly { uin: string; appId: string; credentials: TencentCredentials }[];
  /** COS_BATCH_ENDPOINT_URL; the `{uin}.cos-control.{region}.myqcloud.com` host is used otherwise. */
  endpoint?: string;
}
