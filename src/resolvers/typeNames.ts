import type { JobProvider } from '../model.ts';

/** The concrete GraphQL type of each provider's jobs. */
export const JOB_TYPE_NAME: Record<JobProvider, string> = {
  AWS_PANORAMA: 'PanoramaPackageImportJob',
  AWS_OMICS: 'OmicsReferenceImportJob',
  TENCENT_COS_BATCH: 'CosBatchJob',
  AWS_IMPORT_EXPORT: 'ImportExportJob',
  AWS_CODEPIPELINE: 'CodePipelineJob',
};
