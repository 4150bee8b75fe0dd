import type { AwsAccounts } from './shared/accounts.ts';
import type { Config } from '../config/index.ts';
import type { JobKey } from '../model/keys.ts';
import type { JobProvider, JobRecord } from '../model/job.ts';
import type { JobCache } from '../cache/index.ts';
import {
  guardSource,
  type FailureObserver,
  type GuardOptions,
  type GuardedSource,
  type LoaderObserver,
  type RetainedJobs,
} from './guard/loader.ts';
import {
  localRateBucket,
  RateBudget,
  type RateBucket,
  type RateObserver,
} from './guard/rateBudget.ts';
import { DEFAULT_ACCOUNT } from '../config/patterns.ts';
import { accountOf, PROVIDERS } from './registry.ts';
import type { AttemptObserver } from './shared/attempts.ts';
import type { TransportOptions } from './shared/options.ts';
import type { SourceOptions } from './shared/provider.ts';
import { createSource } from './shared/source.ts';
import { BREAKER_HALF_OPEN_MS } from './guard/breakers.ts';

export type Sources = { [P in JobProvider]: GuardedSource<P> };

/**
 * The rate budget of JOBGRAPH_UPSTREAM_RATE_LIMITS (names as global IDs begin, read from the
 * registry), counted in `bucket` (Redis, shared by the replicas) or in this process; undefined
 * when no provider has one.
 */
export function createRateBudget(
  config: Config,
  bucket?: RateBucket,
  observer?: RateObserver,
): RateBudget | undefined {
  const perSecond: Partial<Record<JobProvider, number>> = {};
  for (const provider of PROVIDERS) {
    const rate = config.resilience.upstreamRateLimits[provider.key.prefix];
    if (rate !== undefined) perSecond[provider.name] = rate;
  }
  if (Object.keys(perSecond).length === 0) return undefined;
  return new RateBudget({
    perSecond,
    bucket: bucket ?? localRateBucket(),
    ...(observer ? { observer } : {}),
  });
}

/**
 * Upstream bounds that are constants beside their use, not configuration (no operator needed
 * them): a test narrows them through `startGateway`'s `bounds` to see them at work.
 */
export interface UpstreamBounds {
  /** Concurrent calls of one caller at one provider while another waits (default CALLER_CONCURRENCY). */
  callerConcurrency?: number;
  /** Regional clients a provider keeps open (default DEFAULT_MAX_CLIENTS, clientPool.ts). */
  maxClientsPerProvider?: number;
  /** How long an open circuit stays open, ms (default BREAKER_HALF_OPEN_MS, guard/breakers.ts). */
  breakerHalfOpenMs?: number;
}

/**
 * Concurrent upstream calls one caller may have at one provider while another caller waits: 20
 * of the provider's 50, so a caller flooding it with 100-job queries leaves most slots to the
 * callers behind it, and it binds only while someone waits (a lone caller uses every slot). Fixed
 * (was JOBGRAPH_CALLER_CONCURRENCY); exported for the fairness test.
 */
export const CALLER_CONCURRENCY = 20;

/** The bounds every upstream call shares (timeout, attempts, sockets, clients, body, budget), from the configuration. */
export const transportLimits = (config: Config, bounds: UpstreamBounds = {}) => ({
  timeoutMs: config.limits.upstreamTimeoutMs,
  maxAttempts: config.limits.upstreamMaxAttempts,
  maxSockets: config.limits.providerConcurrency,
  ...(bounds.maxClientsPerProvider ? { maxClients: bounds.maxClientsPerProvider } : {}),
  maxBodyBytes: config.limits.upstreamMaxBodyBytes,
  budgetMs: config.resilience.upstreamBudgetMs,
});

/**
 * One long-lived source per provider of the registry (each keeps a bounded set of regional
 * clients sharing the provider's sockets), built from the config by the provider's setup, each
 * behind its own concurrency cap, circuit breaker and time budget, and the rate budget when one is
 * configured (`rateBucket`: where it is counted; default this process). `retained`: the history
 * store's jobs, answered when a provider no longer knows one.
 */
export function createSources(
  config: Config,
  cache?: JobCache,
  health?: FailureObserver,
  observer?: AttemptObserver & LoaderObserver & RateObserver,
  rateBucket?: RateBucket,
  awsAccounts?: AwsAccounts,
  retained?: RetainedJobs,
  bounds: UpstreamBounds = {},
): Sources {
  const rate = createRateBudget(config, rateBucket, observer);
  const transport: TransportOptions = {
    ...transportLimits(config, bounds),
    ...(observer ? { observer } : {}),
    ...(rate ? { rate } : {}),
    ...(awsAccounts ? { awsAccounts } : {}),
  };
  const guard: GuardOptions = {
    concurrency: config.limits.providerConcurrency,
    callerConcurrency: bounds.callerConcurrency ?? CALLER_CONCURRENCY,
    budgetMs: config.resilience.upstreamBudgetMs,
    breakerFailures: config.resilience.breakerFailures,
    breakerHalfOpenMs: bounds.breakerHalfOpenMs ?? BREAKER_HALF_OPEN_MS,
    ...(retained ? { retained } : {}),
  };
  const sources: Partial<Record<JobProvider, GuardedSource>> = {};
  for (const provider of PROVIDERS) {
    const source = createSource<JobKey, JobRecord, SourceOptions>(
      provider,
      provider.setup.options(config, transport),
    );
    const accounts = {
      ofKey: (key: JobKey) => accountOf(config, key),
      // A call's credentials account is its key's account part (AWS: the alias; COS: the UIN).
      ofCall: (account: string | undefined) =>
        account === undefined
          ? DEFAULT_ACCOUNT
          : accountOf(config, {
              provider: provider.name,
              [provider.key.accountPart ?? 'account']: account,
            } as unknown as JobKey),
    };
    sources[provider.name] = guardSource(source, { ...guard, accounts }, cache, health, observer);
  }
  return sources as Sources;
}

export function closeSources(sources: Sources): void {
  for (const g of Object.values(sources)) g.source.close?.();
}
