import { stateTable, type JobRecord, type KeyValue } from '../../model/job.ts';

/** Panorama `PackageImportJobType`. */
export const PANORAMA_PACKAGE_IMPORT_JOB_TYPES = [
  'NODE_PACKAGE_VERSION',
  'MARKETPLACE_NODE_PACKAGE_VERSION',
] as const;
export type PanoramaPackageImportJobType = (typeof PANORAMA_PACKAGE_IMPORT_JOB_TYPES)[number];

/** Panorama `JobResourceType` (only `PACKAGE` in the model). */
export const PANORAMA_JOB_RESOURCE_TYPES = ['PACKAGE'] as const;
type PanoramaJobResourceType = (typeof PANORAMA_JOB_RESOURCE_TYPES)[number];

/** Panorama status → normalised state. Anything else is UNKNOWN. */
export const PANORAMA_STATE_MAP = stateTable({
  PENDING: 'QUEUED',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
});

/** Panorama `PackageImportJobStatus` (closed set in the model): the statuses the map above names. */
type PanoramaPackageImportJobStatus = keyof typeof PANORAMA_STATE_MAP;

/** GraphQL `PanoramaS3Location`. */
interface PanoramaS3Location {
  bucketName: string | null;
  objectKey: string | null;
  region: string | null;
}
/** GraphQL `PanoramaPackageVersionInputConfig`. */
interface PanoramaPackageVersionInputConfig {
  s3Location: PanoramaS3Location | null;
}
/** GraphQL `PanoramaPackageImportJobInputConfig`. */
export interface PanoramaPackageImportJobInputConfig {
  packageVersionInputConfig: PanoramaPackageVersionInputConfig | null;
}
/** GraphQL `PanoramaPackageVersionOutputConfig`. */
interface PanoramaPackageVersionOutputConfig {
  markLatest: boolean | null;
  packageName: string | null;
  packageVersion: string | null;
}
/** GraphQL `PanoramaPackageImportJobOutputConfig`. */
export interface PanoramaPackageImportJobOutputConfig {
  packageVersionOutputConfig: PanoramaPackageVersionOutputConfig | null;
}
/** GraphQL `PanoramaOutputS3Location` (the model's `OutPutS3Location`). */
interface PanoramaOutputS3Location {
  bucketName: string | null;
  objectKey: string | null;
}
/** GraphQL `PanoramaPackageImportJobOutput`. */
export interface PanoramaPackageImportJobOutput {
  outputS3Location: PanoramaOutputS3Location | null;
  packageId: string | null;
  packageVersion: string | null;
  patchVersion: string | null;
}
/** GraphQL `PanoramaJobResourceTags`. */
export interface PanoramaJobResourceTags {
  /** null when the wire value is not a known `JobResourceType`. */
  resourceType: PanoramaJobResourceType | null;
  tags: KeyValue[];
}

/** The normalised `PanoramaPackageImportJob`; field names are the GraphQL names. */
export interface PanoramaPackageImportJobRecord extends JobRecord {
  provider: 'AWS_PANORAMA';
  region: string;
  /** The wire `JobId` (same as `nativeId`). */
  jobId: string;
  clientToken: string | null;
  jobType: PanoramaPackageImportJobType | null;
  createdTime: string | null;
  lastUpdatedTime: string | null;
  status: PanoramaPackageImportJobStatus | null;
  inputConfig: PanoramaPackageImportJobInputConfig | null;
  outputConfig: PanoramaPackageImportJobOutputConfig | null;
  output: PanoramaPackageImportJobOutput | null;
  jobTags: PanoramaJobResourceTags[];
}
