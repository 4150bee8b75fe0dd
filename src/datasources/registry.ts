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
import type { AnyKind, AnyProvider, ProviderParts } from './shared/provider.ts';

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

/**
 * Every kind of job (`Provider.kinds`), each provider's first kind (the provider itself) before
 * its further ones, in the registry's order: what global IDs, entity types, root fields and the
 * dashboard iterate.
 */
export const KINDS: readonly AnyKind[] = PROVIDERS.flatMap((p): AnyKind[] => [
  p as AnyKind,
  ...(p.kinds ?? []),
]);

const kindName = (provider: JobProvider, kind: string | undefined) => `${provider}/${kind ?? ''}`;
const BY_KIND: ReadonlyMap<string, AnyKind> = new Map(
  KINDS.map((k) => [kindName(k.name, k.key.kind), k]),
);

/**
 * The kind of job a key or record is of (its provider's, by its `kind`; the provider itself for
 * its first kind's, which carry none): the one place a job's grammar, type, failure, facts,
 * progress, parts, logs and actions are looked up by.
 */
export function kindOf(of: { provider: JobProvider; kind?: string | undefined }): AnyKind {
  const kind = findKind(of);
  if (!kind)
    throw new TypeError(`no kind ${String(of.kind)} of ${String(of.provider)} in the registry`);
  return kind;
}

/** The kind of job `of` is of; undefined for a provider or kind the registry has not (a forged record). */
export function findKind(of: {
  provider: JobProvider;
  kind?: string | undefined;
}): AnyKind | undefined {
  return BY_KIND.get(kindName(of.provider, of.kind));
}

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
  // The record's own kind: its `failure` reads a record of its own shape.
  return kindOf(record).failure(record);
}

/**
 * What the record of a job says of it (`Provider.facts`: name, queue, message, times, failure
 * evidence), by its provider; a record of no provider in the registry, its `Job` header's alone.
 */
export function factsOf(record: JobRecord): JobFacts {
  if (!JOB_PROVIDERS.includes(record.provider)) return headerFacts(record);
  return kindOf(record).facts(record);
}

/**
 * What the job of `globalId` is a part of, and a record's parts counted (`Provider.parts`): null
 * when its provider's jobs have no parts.
 */
export function partsOf(key: JobKey): ProviderParts | null {
  return kindOf(key).parts ?? null;
}

/** The providers whose jobs wait in queues jobgraph shows (`Provider.queues`: AWS Batch). */
export const QUEUED_PROVIDERS: readonly AnyProvider[] = PROVIDERS.filter((p) => p.queues);
