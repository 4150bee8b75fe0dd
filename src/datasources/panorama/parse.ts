import { MalformedBodyError } from '../../errors.ts';
import { formatGlobalId, type PanoramaKey } from '../../globalId.ts';
import { isTerminalState, mapState, type JobRecord, type JobState, type KeyValue } from '../../model.ts';
import { arr, bool, enumValue, keyValues, obj, str, type JsonObject } from '../shared/json.ts';
import { toIsoTimestamp } from '../shared/time.ts';

/** Panorama `PackageImportJobStatus` (closed set in the model). */
export const PANORAMA_PACKAGE_IMPORT_JOB_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type PanoramaPackageImportJobStatus = (typeof PANORAMA_PACKAGE_IMPORT_JOB_STATUSES)[number];

/** Panorama `PackageImportJobType`. */
export const PANORAMA_PACKAGE_IMPORT_JOB_TYPES = ['NODE_PACKAGE_VERSION', 'MARKETPLACE_NODE_PACKAGE_VERSION'] as const;
export type PanoramaPackageImportJobType = (typeof PANORAMA_PACKAGE_IMPORT_JOB_TYPES)[number];

/** Panorama `JobResourceType` (only `PACKAGE` in the model). */
export const PANORAMA_JOB_RESOURCE_TYPES = ['PACKAGE'] as const;
export type PanoramaJobResourceType = (typeof PANORAMA_JOB_RESOURCE_TYPES)[number];

/** Panorama status → normalised state. Anything else is UNKNOWN. */
export const PANORAMA_STATE_MAP: Readonly<Record<PanoramaPackageImportJobStatus, JobState>> = Object.freeze({
  PENDING: 'QUEUED',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
});

/** GraphQL `PanoramaS3Location`. */
export interface PanoramaS3Location {
  bucketName: string | null;
  objectKey: string | null;
  region: string | null;
}
/** GraphQL `PanoramaPackageVersionInputConfig`. */
export interface PanoramaPackageVersionInputConfig {
  s3Location: PanoramaS3Location | null;
}
/** GraphQL `PanoramaPackageImportJobInputConfig`. */
export interface PanoramaPackageImportJobInputConfig {
  packageVersionInputConfig: PanoramaPackageVersionInputConfig | null;
}
/** GraphQL `PanoramaPackageVersionOutputConfig`. */
export interface PanoramaPackageVersionOutputConfig {
  markLatest: boolean | null;
  packageName: string | null;
  packageVersion: string | null;
}
/** GraphQL `PanoramaPackageImportJobOutputConfig`. */
export interface PanoramaPackageImportJobOutputConfig {
  packageVersionOutputConfig: PanoramaPackageVersionOutputConfig | null;
}
/** GraphQL `PanoramaOutputS3Location` (the model's `OutPutS3Location`). */
export interface PanoramaOutputS3Location {
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

/**
 * Normalise a DescribePackageImportJob response: the SDK's deserialised output (timestamps
 * as `Date`) or the raw JSON object (timestamps as epoch-second numbers, possibly fractional
 * or in scientific notation). The SDK checks no types, so every member is type-checked here;
 * a wrong type is a MalformedBodyError naming the member. Absent optional members are null
 * or `[]`; `false`, `0` and `""` are kept. `completedAt` is `LastUpdatedTime` once the job is
 * terminal (SUCCEEDED, FAILED) and null before: the service reports no completion time of its
 * own, and a terminal job is not updated again.
 */
export function parsePackageImportJob(key: PanoramaKey, output: unknown): PanoramaPackageImportJobRecord {
  const body = obj(output, 'response');
  if (!body) throw new MalformedBodyError('response is empty');
  const providerStatus = str(body.Status, 'Status');
  const state = mapState(PANORAMA_STATE_MAP, providerStatus);
  const terminal = isTerminalState(state);
  const createdTime = timestamp(body.CreatedTime, 'CreatedTime');
  const lastUpdatedTime = timestamp(body.LastUpdatedTime, 'LastUpdatedTime');
  const jobId = str(body.JobId, 'JobId') ?? key.jobId;
  return {
    id: formatGlobalId(key),
    provider: 'AWS_PANORAMA',
    nativeId: jobId,
    region: key.region,
    state,
    providerStatus,
    statusMessage: str(body.StatusMessage, 'StatusMessage'),
    terminal,
    createdAt: createdTime,
    updatedAt: lastUpdatedTime,
    completedAt: terminal ? lastUpdatedTime : null,
    jobId,
    clientToken: str(body.ClientToken, 'ClientToken'),
    jobType: enumValue(str(body.JobType, 'JobType'), PANORAMA_PACKAGE_IMPORT_JOB_TYPES),
    createdTime,
    lastUpdatedTime,
    status: enumValue(providerStatus, PANORAMA_PACKAGE_IMPORT_JOB_STATUSES),
    inputConfig: inputConfig(obj(body.InputConfig, 'InputConfig')),
    outputConfig: outputConfig(obj(body.OutputConfig, 'OutputConfig')),
    output: jobOutput(obj(body.Output, 'Output')),
    jobTags: arr(body.JobTags, 'JobTags').map((t, i) => jobTags(t, `JobTags[${i}]`)),
  };
}

function timestamp(value: unknown, field: string): string | null {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new MalformedBodyError(`${field} is not a timestamp`);
    return value.toISOString();
  }
  return toIsoTimestamp(value, field);
}

function inputConfig(o: JsonObject | null): PanoramaPackageImportJobInputConfig | null {
  if (!o) return null;
  const pv = obj(o.PackageVersionInputConfig, 'InputConfig.PackageVersionInputConfig');
  if (!pv) return { packageVersionInputConfig: null };
  const f = 'InputConfig.PackageVersionInputConfig.S3Location';
  const s3 = obj(pv.S3Location, f);
  return {
    packageVersionInputConfig: {
      s3Location: s3
        ? {
            bucketName: str(s3.BucketName, `${f}.BucketName`),
            objectKey: str(s3.ObjectKey, `${f}.ObjectKey`),
            region: str(s3.Region, `${f}.Region`),
          }
        : null,
    },
  };
}

function outputConfig(o: JsonObject | null): PanoramaPackageImportJobOutputConfig | null {
  if (!o) return null;
  const f = 'OutputConfig.PackageVersionOutputConfig';
  const pv = obj(o.PackageVersionOutputConfig, f);
  return {
    packageVersionOutputConfig: pv
      ? {
          markLatest: bool(pv.MarkLatest, `${f}.MarkLatest`),
          packageName: str(pv.PackageName, `${f}.PackageName`),
          packageVersion: str(pv.PackageVersion, `${f}.PackageVersion`),
        }
      : null,
  };
}

function jobOutput(o: JsonObject | null): PanoramaPackageImportJobOutput | null {
  if (!o) return null;
  const s3 = obj(o.OutputS3Location, 'Output.OutputS3Location');
  return {
    outputS3Location: s3
      ? { bucketName: str(s3.BucketName, 'Output.OutputS3Location.BucketName'), objectKey: str(s3.ObjectKey, 'Output.OutputS3Location.ObjectKey') }
      : null,
    packageId: str(o.PackageId, 'Output.PackageId'),
    packageVersion: str(o.PackageVersion, 'Output.PackageVersion'),
    patchVersion: str(o.PatchVersion, 'Output.PatchVersion'),
  };
}

function jobTags(value: unknown, field: string): PanoramaJobResourceTags {
  const o = obj(value, field);
  if (!o) throw new MalformedBodyError(`${field} is null`);
  return {
    resourceType: enumValue(str(o.ResourceType, `${field}.ResourceType`), PANORAMA_JOB_RESOURCE_TYPES),
    tags: keyValues(o.Tags, `${field}.Tags`),
  };
}
