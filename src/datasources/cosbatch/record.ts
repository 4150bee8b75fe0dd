import type { JobRecord, JobState, KeyValue } from '../../model/job.ts';

/**
 * COS Batch `Status` → normalised state (README, "State mapping"; statuses from Tencent Cloud's DescribeJob page,
 * https://www.tencentcloud.com/document/product/436/33776). `Complete` with failed tasks is refined in parse.
 */
export const COSBATCH_STATE_MAP: Readonly<Record<string, JobState>> = Object.freeze({
  New: 'QUEUED',
  Preparing: 'QUEUED',
  Ready: 'QUEUED',
  Active: 'IN_PROGRESS',
  Completing: 'IN_PROGRESS',
  Failing: 'IN_PROGRESS',
  Suspended: 'PAUSED',
  Pausing: 'PAUSED',
  Paused: 'PAUSED',
  Cancelling: 'CANCELLING',
  Cancelled: 'CANCELLED',
  Complete: 'SUCCEEDED',
  Failed: 'FAILED',
});

export interface CosBatchJobFailure {
  failureCode: string | null;
  failureReason: string | null;
}

interface CosBatchManifestLocation {
  eTag: string | null;
  objectArn: string | null;
  objectVersionId: string | null;
}

interface CosBatchManifestSpec {
  format: string | null;
  fields: string[];
}

export interface CosBatchManifest {
  location: CosBatchManifestLocation | null;
  spec: CosBatchManifestSpec | null;
}

interface CosBatchGrantee {
  displayName: string | null;
  identifier: string | null;
  typeIdentifier: string | null;
}

interface CosBatchGrant {
  grantee: CosBatchGrantee | null;
  permission: string | null;
}

interface CosBatchNewObjectMetadata {
  cacheControl: string | null;
  contentDisposition: string | null;
  contentEncoding: string | null;
  contentType: string | null;
  httpExpiresDate: string | null;
  sseAlgorithm: string | null;
  userMetadata: KeyValue[];
}

export interface CosBatchPutObjectCopy {
  accessControlDirective: string | null;
  accessControlGrants: CosBatchGrant[];
  cannedAccessControlList: string | null;
  prefixReplace: boolean | null;
  resourcesPrefix: string | null;
  targetKeyPrefix: string | null;
  metadataDirective: string | null;
  modifiedSinceConstraint: number | null;
  unModifiedSinceConstraint: number | null;
  newObjectMetadata: CosBatchNewObjectMetadata | null;
  taggingDirective: string | null;
  newObjectTagging: KeyValue[];
  storageClass: string | null;
  targetResource: string | null;
}

interface CosBatchInitiateRestoreObject {
  expirationInDays: number | null;
  jobTier: string | null;
}

interface CosBatchPutObjectTagging {
  tags: KeyValue[];
}

export interface CosBatchOperation {
  /** The operation element's name as sent, e.g. `COSPutObjectCopy`; kept even for operations jobgraph does not model. */
  name: string | null;
  putObjectCopy: CosBatchPutObjectCopy | null;
  initiateRestoreObject: CosBatchInitiateRestoreObject | null;
  putObjectTagging: CosBatchPutObjectTagging | null;
}

export interface CosBatchProgressSummary {
  numberOfTasksFailed: number | null;
  numberOfTasksSucceeded: number | null;
  totalNumberOfTasks: number | null;
  autoManifestStatus: string | null;
}

export interface CosBatchReport {
  bucket: string | null;
  enabled: boolean | null;
  format: string | null;
  prefix: string | null;
  reportScope: string | null;
}

/** A normalised COS Batch job; field names match the `CosBatchJob` GraphQL type. */
export interface CosBatchJobRecord extends JobRecord {
  provider: 'TENCENT_COS_BATCH';
  region: string;
  /** The account UIN the job was asked for (the host label). */
  uin: string;
  jobId: string;
  clientRequestToken: string | null;
  confirmationRequired: boolean | null;
  creationTime: string | null;
  description: string | null;
  failureReasons: CosBatchJobFailure[];
  manifest: CosBatchManifest | null;
  operation: CosBatchOperation | null;
  priority: number | null;
  progressSummary: CosBatchProgressSummary | null;
  report: CosBatchReport | null;
  roleArn: string | null;
  status: string | null;
  statusUpdateReason: string | null;
  suspendedCause: string | null;
  suspendedDate: string | null;
  terminationDate: string | null;
}
