import { CodePipelineJob } from './CodePipelineJob.ts';
import { CosBatchJob } from './CosBatchJob.ts';
import { DateTime } from './DateTime.ts';
import { ImportExportJob } from './ImportExportJob.ts';
import { Job } from './Job.ts';
import { OmicsReferenceImportJob } from './OmicsReferenceImportJob.ts';
import { PanoramaPackageImportJob } from './PanoramaPackageImportJob.ts';
import { Query } from './Query.ts';

export const resolvers = {
  DateTime,
  Query,
  Job,
  PanoramaPackageImportJob,
  OmicsReferenceImportJob,
  CosBatchJob,
  ImportExportJob,
  CodePipelineJob,
};
