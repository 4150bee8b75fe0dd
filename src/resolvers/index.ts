import { BatchJob } from './BatchJob.ts';
import { CodePipelineJob } from './CodePipelineJob.ts';
import { CosBatchJob } from './CosBatchJob.ts';
import { DateTime } from './DateTime.ts';
import { ImportExportJob } from './ImportExportJob.ts';
import { Job } from './Job.ts';
import { OmicsReferenceImportJob } from './OmicsReferenceImportJob.ts';
import { PanoramaPackageImportJob } from './PanoramaPackageImportJob.ts';
import { Query } from './Query.ts';
import { Subscription } from './Subscription.ts';

export const resolvers = {
  DateTime,
  Query,
  Subscription,
  Job,
  PanoramaPackageImportJob,
  OmicsReferenceImportJob,
  CosBatchJob,
  ImportExportJob,
  CodePipelineJob,
  BatchJob,
};
