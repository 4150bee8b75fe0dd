import type { Config } from '../config/index.ts';
import type { JobFailure } from '../model/failure.ts';
import { headerFacts, type JobFacts } from '../model/facts.ts';
import type { JobKey } from '../model/keys.ts';
import { JOB_PROVIDERS, type JobProvider, type JobRecord } from '../model/job.ts';
import { batch } from './batch/index.ts';
import { codePipeline } from './codepipeline/index.ts';
import { cosBatch } from './cosbatch/index.ts';
import { importExport } from './importexport/index.ts';
import { omics } from './omics/index.ts';
import { panorama } from './panorama/index.ts';
import type { AnyProvider, Provider, ProviderParts, SourceOptions } from './shared/provider.ts';

/**
 * Every provider, in the order of `JobProvider` (model/job.ts): the one list that listing,
 * watching, global IDs, entity keys, the sources and the start-up summary iterate. Adding a
 * provider is its folders and one line here.
 */
export const PROVIDERS: readonly AnyProvider[] = [
  panorama,
  omics,
  cosBatch,
  importExport,
  codePipeline,
  batch,
];

const BY_NAME: ReadonlyMap<JobProvider, AnyProvider> = new Map(PROVIDERS.map((p) => [p.name, p]));

/** The provider named `name`. */
export function providerOf<P extends JobProvider>(name: P): Extract<AnyProvider, { name: P }> {
  const provider = BY_NAME.get(name);
  if (!provider) throw new TypeError(`no provider ${String(name)} in the registry`);
  return provider as Extract<AnyProvider, { name: P }>;
}

/**
 * The alias of the account a job of `key` lives in (`default`: the default one), as its provider
 * reads it from the key: the one place every path asks it.
 */
export function accountOf(config: Config, key: JobKey): string {
  return providerOf(key.provider).setup.accountAlias(config, key as never);
}

/**
 * Why the job of `record` failed or was cancelled (`Job.failure`), by its provider's rule table
 * (`Provider.failure`); null for a job in any other state.
 */
export function failureOf(record: JobRecord): JobFailure | null {
  // The provider of the record's own name: its `failure` reads a record of its own shape.
  const provider = providerOf(record.provider) as Provider<JobProvider, JobRecord, SourceOptions>;
  return provider.failure(record);
}

/**
 * What the record of a job says of it (`Provider.facts`: name, queue, message, times, failure
 * evidence), by its provider; a record of no provider in the registry, its `Job` header's alone.
 */
export function factsOf(record: JobRecord): JobFacts {
  if (!JOB_PROVIDERS.includes(record.provider)) return headerFacts(record);
  const provider = providerOf(record.provider) as Provider<JobProvider, JobRecord, SourceOptions>;
  return provider.facts(record);
}

/**
 * What the job of `globalId` is a part of, and a record's parts counted (`Provider.parts`): null
 * when its provider's jobs have no parts.
 */
export function partsOf(provider: JobProvider): ProviderParts | null {
  return providerOf(provider).parts ?? null;
}

/** The providers whose jobs wait in queues jobgraph shows (`Provider.queues`: AWS Batch). */
export const QUEUED_PROVIDERS: readonly AnyProvider[] = PROVIDERS.filter((p) => p.queues);
