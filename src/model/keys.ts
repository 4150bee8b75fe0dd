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

/** Loader keys: what identifies one job at one provider, in one account. */
export interface PanoramaKey extends InAccount {
  provider: 'AWS_PANORAMA';
  region: string;
  jobId: string;
}
export interface OmicsKey extends InAccount {
  provider: 'AWS_OMICS';
  region: string;
  referenceStoreId: string;
  id: string;
}
export interface CosBatchKey {
  provider: 'TENCENT_COS_BATCH';
  region: string;
  uin: string;
  jobId: string;
}
export interface ImportExportKey extends InAccount {
  provider: 'AWS_IMPORT_EXPORT';
  jobId: string;
}
export interface CodePipelineKey extends InAccount {
  provider: 'AWS_CODEPIPELINE';
  region: string;
  jobId: string;
}
export interface BatchKey extends InAccount {
  provider: 'AWS_BATCH';
  region: string;
  jobId: string;
}
/**
 * Every provider's key. Central, as JOB_PROVIDERS is: the configuration's and the engines' types
 * name a key by its provider without loading the registry.
 */
export type JobKey =
  PanoramaKey | OmicsKey | CosBatchKey | ImportExportKey | CodePipelineKey | BatchKey;
export type KeyOf<P extends JobProvider> = Extract<JobKey, { provider: P }>;
