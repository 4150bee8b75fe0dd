import type { PanoramaKey } from '../../model/keys.ts';
import { isTerminalState, tableStatus } from '../../model/job.ts';
import { jobHeader, jsonStatus } from '../shared/jobHeader.ts';
import {
  arr,
  bool,
  entry,
  capitalised,
  enumValue,
  keyValues,
  members,
  obj,
  response,
  str,
  type JsonObject,
} from '../shared/json.ts';
import { toIsoTimestamp } from '../shared/time.ts';
import {
  PANORAMA_JOB_RESOURCE_TYPES,
  PANORAMA_PACKAGE_IMPORT_JOB_TYPES,
  PANORAMA_STATE_MAP,
  type PanoramaJobResourceTags,
  type PanoramaPackageImportJobInputConfig,
  type PanoramaPackageImportJobOutput,
  type PanoramaPackageImportJobOutputConfig,
  type PanoramaPackageImportJobRecord,
} from './record.ts';
import { PANORAMA_KEY } from './key.ts';

/**
 * Normalise a DescribePackageImportJob response: the SDK's deserialised output (timestamps
 * as `Date`) or the raw JSON object (timestamps as epoch-second numbers, possibly fractional
 * or in scientific notation). The SDK checks no types, so every member is type-checked here;
 * a wrong type is a MalformedBodyError naming the member. Absent optional members are null
 * or `[]`; `false`, `0` and `""` are kept. `completedAt` is `LastUpdatedTime` once the job is
 * terminal (SUCCEEDED, FAILED) and null before: the service reports no completion time of its
 * own, and a terminal job is not updated again.
 */
export function parse(key: PanoramaKey, output: unknown): PanoramaPackageImportJobRecord {
  const body = response(output, 'response is empty');
  const { providerStatus, state } = jsonStatus(body.Status, 'Status', PANORAMA_STATE_MAP);
  const createdTime = toIsoTimestamp(body.CreatedTime, 'CreatedTime');
  const lastUpdatedTime = toIsoTimestamp(body.LastUpdatedTime, 'LastUpdatedTime');
  const jobId = str(body.JobId, 'JobId') ?? key.jobId;
  return {
    ...jobHeader(PANORAMA_KEY, key, {
      nativeId: jobId,
      // Panorama names the package a job imports, not the job.
      name: null,
      state,
      providerStatus,
      statusMessage: str(body.StatusMessage, 'StatusMessage'),
      createdAt: createdTime,
      updatedAt: lastUpdatedTime,
      completedAt: isTerminalState(state) ? lastUpdatedTime : null,
    }),
    jobId,
    clientToken: str(body.ClientToken, 'ClientToken'),
    jobType: enumValue(str(body.JobType, 'JobType'), PANORAMA_PACKAGE_IMPORT_JOB_TYPES),
    createdTime,
    lastUpdatedTime,
    status: tableStatus(PANORAMA_STATE_MAP, providerStatus),
    inputConfig: inputConfig(obj(body.InputConfig, 'InputConfig')),
    outputConfig: outputConfig(obj(body.OutputConfig, 'OutputConfig')),
    output: jobOutput(obj(body.Output, 'Output')),
    jobTags: arr(body.JobTags, 'JobTags').map((t, i) => jobTags(t, `JobTags[${i}]`)),
  };
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
        ? members(s3, f, { bucketName: str, objectKey: str, region: str }, capitalised)
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
      ? members(pv, f, { markLatest: bool, packageName: str, packageVersion: str }, capitalised)
      : null,
  };
}

function jobOutput(o: JsonObject | null): PanoramaPackageImportJobOutput | null {
  if (!o) return null;
  const s3 = obj(o.OutputS3Location, 'Output.OutputS3Location');
  return {
    outputS3Location: s3
      ? members(s3, 'Output.OutputS3Location', { bucketName: str, objectKey: str }, capitalised)
      : null,
    ...members(
      o,
      'Output',
      { packageId: str, packageVersion: str, patchVersion: str },
      capitalised,
    ),
  };
}

function jobTags(value: unknown, field: string): PanoramaJobResourceTags {
  const o = entry(value, field);
  return {
    resourceType: enumValue(
      str(o.ResourceType, `${field}.ResourceType`),
      PANORAMA_JOB_RESOURCE_TYPES,
    ),
    tags: keyValues(o.Tags, `${field}.Tags`),
  };
}
