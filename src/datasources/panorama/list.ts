import { MalformedBodyError } from '../../errors.ts';
import { isTerminalState, mapState, type JobState } from '../../model/job.ts';
import { awsJsonOutput } from '../shared/awsCall.ts';
import { arr, enumValue, obj, str } from '../shared/json.ts';
import { pageSize } from '../shared/paging.ts';
import type { Operation, WireRequest } from '../shared/source.ts';
import { toIsoTimestamp } from '../shared/time.ts';
import {
  PANORAMA_PACKAGE_IMPORT_JOB_TYPES,
  PANORAMA_STATE_MAP,
  type PanoramaPackageImportJobType,
} from './record.ts';
import { listSubject, readPanoramaError } from './errors.ts';

/**
 * ListPackageImportJobs on the wire (botocore `panorama/2019-07-24/service-2.json`, the last
 * model before Panorama was removed; `@aws-sdk/client-panorama` `ListPackageImportJobs$`):
 * rest-json `GET /packages/import-jobs?MaxResults=&NextToken=` (capitalised query names),
 * SigV4 `panorama`, no host prefix. The answer is `{"PackageImportJobs": [PackageImportJob],
 * "NextToken"}`, each `PackageImportJob` `{CreatedTime, JobId, JobType, LastUpdatedTime, Status,
 * StatusMessage}` (all optional in the model; times epoch seconds). Errors: ValidationException
 * (400; a bad or expired NextToken too), AccessDeniedException, ConflictException,
 * InternalServerException; read by errors.ts like the describe call's. The service documents no
 * order of the list.
 */

/** The operation, as metrics and traces name it. */
export const PANORAMA_LIST_OPERATION = 'ListPackageImportJobs';

/** Largest `MaxResults` (the model's `MaxSize25`, 0..25; 0 is never sent). */
export const PANORAMA_LIST_MAX_RESULTS = 25;

/** One ListPackageImportJobs call. */
export interface PanoramaListInput {
  /** Page size, 1..25; absent leaves it to the service. */
  maxResults?: number;
  /** The previous page's `NextToken`; absent or null for the first page. */
  nextToken?: string | null;
}

/** One `PackageImportJob` summary, normalised. */
export interface PanoramaJobSummary {
  jobId: string;
  jobType: PanoramaPackageImportJobType | null;
  /** `CreatedTime`. */
  createdAt: Date;
  /** `LastUpdatedTime`. */
  updatedAt: Date | null;
  /** `LastUpdatedTime` once the job is terminal, as the describe record has it (parse.ts); else null. */
  completedAt: Date | null;
  /** `Status` through PANORAMA_STATE_MAP; null when the summary has no Status. */
  state: JobState | null;
  /** `Status` as sent. */
  upstreamStatus: string | null;
  statusMessage: string | null;
}

/** One page: its summaries in the order sent, and the token of the next page (null on the last). */
export interface PanoramaListPage {
  items: PanoramaJobSummary[];
  nextToken: string | null;
}

/** One ListPackageImportJobs call: a page in a region. */
export interface PanoramaListCall extends PanoramaListInput {
  region: string;
}

/** ListPackageImportJobs as an operation of the one pipeline (`ProviderSource.call`). */
export const PANORAMA_LIST: Operation<PanoramaListCall, PanoramaListPage> = {
  name: PANORAMA_LIST_OPERATION,
  region: (input) => input.region,
  send: (input) => listRequest(input),
  readError: (input, answer) => readPanoramaError(listSubject(input.region), answer),
  parse: (_input, answer) => parseListPage(awsJsonOutput(answer)),
};

/** The request of one page. Throws RangeError for a `maxResults` outside 1..25 (a caller's bug: the gateway bounds it first). */
export function listRequest(input: PanoramaListInput = {}): WireRequest {
  const query: [string, string][] = [];
  if (input.maxResults !== undefined)
    query.push(['MaxResults', pageSize('maxResults', input.maxResults, PANORAMA_LIST_MAX_RESULTS)]);
  if (input.nextToken != null) query.push(['NextToken', input.nextToken]);
  return { method: 'GET', path: '/packages/import-jobs', query, headers: {}, body: '' };
}

/**
 * Normalise a ListPackageImportJobs answer: the raw JSON object (times as epoch-second numbers,
 * maybe in scientific notation) or the SDK's output (times as `Date`). An absent list is an empty
 * page. A summary without JobId or CreatedTime cannot be listed: MalformedBodyError naming it, as
 * for any member of a wrong type.
 */
export function parseListPage(output: unknown): PanoramaListPage {
  const body = obj(output, 'response');
  if (!body) throw new MalformedBodyError('response is empty');
  const items = arr(body.PackageImportJobs, 'PackageImportJobs').map((value, i) =>
    summary(value, `PackageImportJobs[${i}]`),
  );
  return { items, nextToken: str(body.NextToken, 'NextToken') || null };
}

function summary(value: unknown, field: string): PanoramaJobSummary {
  const o = obj(value, field);
  if (!o) throw new MalformedBodyError(`${field} is null`);
  const jobId = str(o.JobId, `${field}.JobId`);
  if (!jobId) throw new MalformedBodyError(`${field}.JobId is missing`);
  const createdAt = time(o.CreatedTime, `${field}.CreatedTime`);
  if (!createdAt) throw new MalformedBodyError(`${field}.CreatedTime is missing`);
  const upstreamStatus = str(o.Status, `${field}.Status`);
  const state = upstreamStatus === null ? null : mapState(PANORAMA_STATE_MAP, upstreamStatus);
  const updatedAt = time(o.LastUpdatedTime, `${field}.LastUpdatedTime`);
  return {
    jobId,
    jobType: enumValue(str(o.JobType, `${field}.JobType`), PANORAMA_PACKAGE_IMPORT_JOB_TYPES),
    createdAt,
    updatedAt,
    completedAt: state !== null && isTerminalState(state) ? updatedAt : null,
    state,
    upstreamStatus,
    statusMessage: str(o.StatusMessage, `${field}.StatusMessage`),
  };
}

function time(value: unknown, field: string): Date | null {
  const iso = toIsoTimestamp(value, field);
  return iso === null ? null : new Date(iso);
}
