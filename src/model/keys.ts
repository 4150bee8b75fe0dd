import type { JobProvider } from './job.ts';

// Loader keys, apart from the global IDs that read them from the registry (globalId.ts, which
// re-exports them), so that the providers and the key grammar can name a key from below it.

/**
 * The account of an AWS job's key: the alias of a configured account (JOBGRAPH_AWS_ACCOUNTS), or
 * absent for the default account (jobgraph's own credentials). A COS Batch key names its account
 * by its UIN instead.
 */
interface InAccount {
  account?: string;
}

/** A provider's first kind of job: its keys carry no `kind` (a further kind's name theirs). */
interface FirstKind extends InAccount {
  kind?: undefined;
}

/** Loader keys: what identifies one job at one provider, in one account. */
export interface PanoramaKey extends FirstKind {
  provider: 'AWS_PANORAMA';
  region: string;
  jobId: string;
}
export interface OmicsKey extends FirstKind {
  provider: 'AWS_OMICS';
  region: string;
  referenceStoreId: string;
  id: string;
}
export interface CosBatchKey {
  kind?: undefined;
  provider: 'TENCENT_COS_BATCH';
  region: string;
  uin: string;
  jobId: string;
}
export interface ImportExportKey extends FirstKind {
  provider: 'AWS_IMPORT_EXPORT';
  jobId: string;
}
export interface CodePipelineKey extends FirstKind {
  provider: 'AWS_CODEPIPELINE';
  region: string;
  jobId: string;
}
export interface BatchKey extends FirstKind {
  provider: 'AWS_BATCH';
  region: string;
  jobId: string;
}
/**
 * A HealthOmics workflow run (kind `run`): its run ID, which HealthOmics gives again once a run is
 * deleted, and its `uuid`, never reused, which tells a run from a later one of the same ID.
 * @public (its kind's code reads it: issue 102)
 */
export interface OmicsRunKey extends InAccount {
  provider: 'AWS_OMICS';
  kind: 'run';
  region: string;
  uuid: string;
  runId: string;
}
/**
 * A HealthOmics run batch (kind `runBatch`): `StartRunBatch`'s batch of runs.
 * @public (its kind's code reads it: issue 102)
 */
export interface OmicsRunBatchKey extends InAccount {
  provider: 'AWS_OMICS';
  kind: 'runBatch';
  region: string;
  batchId: string;
}
/**
 * An AWS Batch service job (kind `serviceJob`): `SubmitServiceJob`'s, a SageMaker training job.
 * @public (its kind's code reads it: issue 102)
 */
export interface BatchServiceJobKey extends InAccount {
  provider: 'AWS_BATCH';
  kind: 'serviceJob';
  region: string;
  jobId: string;
}
/**
 * Every provider's key, of each kind of job it has. Central, as JOB_PROVIDERS is: the
 * configuration's and the engines' types name a key by its provider without loading the registry.
 * A provider's first kind's keys carry no `kind`; a further kind's carry its name
 * (`Provider.kinds`, docs/architecture.md "Kinds of job").
 */
export type JobKey =
  | PanoramaKey
  | OmicsKey
  | CosBatchKey
  | ImportExportKey
  | CodePipelineKey
  | BatchKey
  | OmicsRunKey
  | OmicsRunBatchKey
  | BatchServiceJobKey;
/** The keys of a provider's first kind of job (the one its own code reads by default). */
export type KeyOf<P extends JobProvider> = Extract<JobKey, { provider: P; kind?: undefined }>;
/** The keys of every kind of a provider's jobs. */
export type AnyKeyOf<P extends JobProvider> = Extract<JobKey, { provider: P }>;
/** The keys of one further kind of a provider's jobs. @public (a kind's code names its keys by it) */
export type KindKeyOf<P extends JobProvider, K extends string> = Extract<
  JobKey,
  { provider: P; kind: K }
>;
