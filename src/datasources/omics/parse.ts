import { MalformedBodyError } from '../../errors.ts';
import { formatGlobalId, type OmicsKey } from '../../globalId.ts';
import { isTerminalState, mapState, type JobRecord, type JobState, type KeyValue } from '../../model.ts';
import { arr, enumValue, keyValues, obj, str } from '../shared/json.ts';
import { toIsoTimestamp } from '../shared/time.ts';

export const OMICS_JOB_STATUSES = [
  'SUBMITTED',
  'IN_PROGRESS',
  'CANCELLING',
  'CANCELLED',
  'FAILED',
  'COMPLETED',
  'COMPLETED_WITH_FAILURES',
] as const;
/** GraphQL enum `OmicsReferenceImportJobStatus`. */
export type OmicsReferenceImportJobStatus = (typeof OMICS_JOB_STATUSES)[number];

export const OMICS_SOURCE_STATUSES = ['NOT_STARTED', 'IN_PROGRESS', 'FINISHED', 'FAILED'] as const;
/** GraphQL enum `OmicsReferenceImportSourceStatus`. */
export type OmicsReferenceImportSourceStatus = (typeof OMICS_SOURCE_STATUSES)[number];

/** HealthOmics job status → normalised state (DESIGN.md). Anything else is UNKNOWN. */
export const OMICS_STATE_MAP: Readonly<Record<OmicsReferenceImportJobStatus, JobState>> = Object.freeze({
  SUBMITTED: 'QUEUED',
  IN_PROGRESS: 'IN_PROGRESS',
  CANCELLING: 'CANCELLING',
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
  COMPLETED: 'SUCCEEDED',
  COMPLETED_WITH_FAILURES: 'SUCCEEDED_WITH_ERRORS',
});

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

/**
 * A timestamp as the SDK hands it over: a `Date` (it parses the wire's ISO-8601 strings) or,
 * for raw wire JSON, the string itself.
 */
function time(value: unknown, field: string): string | null {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new MalformedBodyError(`${field} is not a timestamp`);
    return toIsoTimestamp(value.toISOString(), field);
  }
  return toIsoTimestamp(value, field);
}

function parseSource(value: unknown, index: number): OmicsImportReferenceSource {
  const field = `sources[${index}]`;
  const o = obj(value, field);
  if (!o) throw new MalformedBodyError(`${field} is not an object`);
  return {
    sourceFile: str(o.sourceFile, `${field}.sourceFile`),
    status: enumValue(str(o.status, `${field}.status`), OMICS_SOURCE_STATUSES),
    statusMessage: str(o.statusMessage, `${field}.statusMessage`),
    name: str(o.name, `${field}.name`),
    description: str(o.description, `${field}.description`),
    tags: keyValues(o.tags, `${field}.tags`),
    referenceId: str(o.referenceId, `${field}.referenceId`),
  };
}

/**
 * Normalise a GetReferenceImportJob response (the SDK's output object or the raw wire JSON)
 * for `key`. The only place Omics data is normalised. Wrong types throw MalformedBodyError
 * naming the field; unknown fields are ignored; absent optional fields are null or [].
 */
export function parseReferenceImportJob(key: OmicsKey, output: unknown): OmicsReferenceImportJobRecord {
  const o = obj(output, 'response');
  if (!o) throw new MalformedBodyError('response is not an object');
  const providerStatus = str(o.status, 'status');
  const state = mapState(OMICS_STATE_MAP, providerStatus);
  const creationTime = time(o.creationTime, 'creationTime');
  const completionTime = time(o.completionTime, 'completionTime');
  return {
    id: formatGlobalId(key),
    provider: 'AWS_OMICS',
    nativeId: str(o.id, 'id') ?? key.id,
    region: key.region,
    state,
    providerStatus,
    statusMessage: str(o.statusMessage, 'statusMessage'),
    terminal: isTerminalState(state),
    createdAt: creationTime,
    updatedAt: null,
    completedAt: completionTime,
    referenceStoreId: str(o.referenceStoreId, 'referenceStoreId') ?? key.referenceStoreId,
    roleArn: str(o.roleArn, 'roleArn'),
    status: enumValue(providerStatus, OMICS_JOB_STATUSES),
    creationTime,
    completionTime,
    sources: arr(o.sources, 'sources').map(parseSource),
  };
}
