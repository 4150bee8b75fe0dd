import type { JobProvider } from '../../../src/model/job.ts';

/** The six providers, in the registry's order, spelled out: the oracle a listing test holds the registry to. */
export const SIX_PROVIDERS: readonly JobProvider[] = [
  'AWS_PANORAMA',
  'AWS_OMICS',
  'TENCENT_COS_BATCH',
  'AWS_IMPORT_EXPORT',
  'AWS_CODEPIPELINE',
  'AWS_BATCH',
];
