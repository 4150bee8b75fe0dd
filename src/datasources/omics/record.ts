import { stateTable, type JobRecord, type KeyValue } from '../../model/job.ts';

export const OMICS_SOURCE_STATUSES = ['NOT_STARTED', 'IN_PROGRESS', 'FINISHED', 'FAILED'] as const;
/** GraphQL enum `OmicsReferenceImportSourceStatus`. */
type OmicsReferenceImportSourceStatus = (typeof OMICS_SOURCE_STATUSES)[number];

/**
 * HealthOmics job status → normalised state (README, "State mapping"; statuses from the GetReferenceImportJob API page,
 * https://docs.aws.amazon.com/omics/latest/api/API_GetReferenceImportJob.html). Anything else is UNKNOWN.
 */
export const OMICS_STATE_MAP = stateTable({
  SUBMITTED: 'QUEUED',
  IN_PROGRESS: 'IN_PROGRESS',
  CANCELLING: 'CANCELLING',
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
  COMPLETED: 'SUCCEEDED',
  COMPLETED_WITH_FAILURES: 'SUCCEEDED_WITH_ERRORS',
});

/** GraphQL enum `OmicsReferenceImportJobStatus`: the statuses the map above names, no others. */
export type OmicsReferenceImportJobStatus = keyof typeof OMICS_STATE_MAP;

/** GraphQL type `OmicsImportReferenceSource`. */
export interface OmicsImportReferenceSource {
  sourceFile: string | null;
  status: OmicsReferenceImportSourceStatus | null;
  statusMessage: string | null;
  name: string | null;
  description: string | null;
  tags: KeyValue[];
  referenceId: string | null;
}

/** GraphQL type `OmicsReferenceImportJob`: the Job fields plus every field of GetReferenceImportJob. */
export interface OmicsReferenceImportJobRecord extends JobRecord {
  provider: 'AWS_OMICS';
  region: string;
  referenceStoreId: string;
  roleArn: string | null;
  status: OmicsReferenceImportJobStatus | null;
  creationTime: string | null;
  completionTime: string | null;
  sources: OmicsImportReferenceSource[];
}
