import type { Config } from '../config.ts';
import type { JobProvider } from '../model/job.ts';
import { createCodePipelineSource } from './codepipeline/index.ts';
import { createCosBatchSource } from './cosbatch/index.ts';
import { createImportExportSource } from './importexport/index.ts';
import type { JobCache } from '../cache/index.ts';
import {
  guardSource,
  type FailureObserver,
  type GuardOptions,
  type GuardedSource,
  type LoaderObserver,
} from './guard/loader.ts';
import { createOmicsSource } from './omics/index.ts';
import type { AttemptObserver } from './shared/attempts.ts';
import type { AwsSourceOptions, TransportOptions } from './shared/options.ts';
import { createPanoramaSource } from './panorama/index.ts';
import type { JobSource } from './shared/types.ts';

export type Sources = { [P in JobProvider]: GuardedSource<P> };

/**
 * One long-lived source per provider (each keeps a bounded set of regional clients sharing
 * the provider's sockets), built from the
 * config, each behind its own concurrency cap, circuit breaker and time budget.
 */
export function createSources(
  config: Config,
  cache?: JobCache,
  health?: FailureObserver,
  observer?: AttemptObserver & LoaderObserver,
): Sources {
  const transport: TransportOptions = {
    timeoutMs: config.limits.upstreamTimeoutMs,
    maxAttempts: config.limits.upstreamMaxAttempts,
    maxSockets: config.limits.providerConcurrency,
    maxClients: config.limits.maxClientsPerProvider,
    maxBodyBytes: config.limits.upstreamMaxBodyBytes,
    budgetMs: config.resilience.upstreamBudgetMs,
    ...(observer ? { observer } : {}),
  };
  const aws = (endpoint: string | undefined): AwsSourceOptions => ({
    ...transport,
    maxAttempts: config.awsMaxAttempts ?? transport.maxAttempts,
    ...(config.awsCredentials ? { credentials: config.awsCredentials } : {}),
    ...(endpoint ? { endpoint } : {}),
    endpointVariant: config.awsEndpointVariant,
  });
  const n: GuardOptions = {
    concurrency: config.limits.providerConcurrency,
    callerConcurrency: config.limits.callerConcurrency,
    budgetMs: config.resilience.upstreamBudgetMs,
    breakerFailures: config.resilience.breakerFailures,
    breakerHalfOpenMs: config.resilience.breakerHalfOpenMs,
  };
  const guard = <P extends JobProvider>(source: JobSource<P>) =>
    guardSource(source, n, cache, health, observer);
  return {
    AWS_PANORAMA: guard(createPanoramaSource(aws(config.endpoints.panorama))),
    AWS_OMICS: guard(createOmicsSource(aws(config.endpoints.omics))),
    AWS_CODEPIPELINE: guard(createCodePipelineSource(aws(config.endpoints.codepipeline))),
    AWS_IMPORT_EXPORT: guard(createImportExportSource(aws(config.endpoints.importexport))),
    TENCENT_COS_BATCH: guard(
      createCosBatchSource({
        ...transport,
        credentials: config.tencent.credentials,
        appId: config.tencent.appId,
        ...(config.endpoints.cosBatch ? { endpoint: config.endpoints.cosBatch } : {}),
      }),
    ),
  };
}

export function closeSources(sources: Sources): void {
  for (const g of Object.values(sources)) g.source.close?.();
}
