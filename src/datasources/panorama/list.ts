import { isTerminalState, type JobState } from '../../model/job.ts';
import { awsJsonOutput } from '../shared/awsCall.ts';
import { entry, enumValue, jsonListPage, required, response, str } from '../shared/json.ts';
import { addPage, type ListPage, type PageInput, type PageParams } from '../shared/paging.ts';
import type { Operation, WireRequest } from '../shared/source.ts';
import { listTime, summaryState } from '../shared/listReaders.ts';
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
const PANORAMA_LIST_OPERATION = 'ListPackageImportJobs';

/** Largest `MaxResults` (the model's `MaxSize25`, 0..25; 0 is never sent). */
export const PANORAMA_LIST_MAX_RESULTS = 25;

/** One ListPackageImportJobs call's page (`maxResults` 1..25). */
export type PanoramaListInput = PageInput;

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

/** One page of summaries. */
export type PanoramaListPage = ListPage<PanoramaJobSummary>;

/** One ListPackageImportJobs call: a page in a region. */
export interface PanoramaListCall extends PanoramaListInput {
  region: string;
}

/** The page's parameters on the wire. */
const PAGE: PageParams = {
  size: 'MaxResults',
  sizeInput: 'maxResults',
  max: PANORAMA_LIST_MAX_RESULTS,
  token: 'NextToken',
};

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
  const query = addPage([], PAGE, input.maxResults, input.nextToken);
  return { method: 'GET', path: '/packages/import-jobs', query, headers: {}, body: '' };
}

/**
 * Normalise a ListPackageImportJobs answer: the raw JSON object (times as epoch-second numbers,
 * maybe in scientific notation) or the SDK's output (times as `Date`). An absent list is an empty
 * page. A summary without JobId or CreatedTime cannot be listed: MalformedBodyError naming it, as
 * for any member of a wrong type.
 */
export function parseListPage(output: unknown): PanoramaListPage {
  const body = response(output, 'response is empty');
  return jsonListPage(body, 'PackageImportJobs', 'NextToken', summary);
}

function summary(value: unknown, field: string): PanoramaJobSummary {
  const o = entry(value, field);
  const jobId = required(str, o, 'JobId', field);
  const createdAt = required(listTime, o, 'CreatedTime', field);
  const upstreamStatus = str(o.Status, `${field}.Status`);
  const state = summaryState(PANORAMA_STATE_MAP, upstreamStatus);
  const updatedAt = listTime(o.LastUpdatedTime, `${field}.LastUpdatedTime`);
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
