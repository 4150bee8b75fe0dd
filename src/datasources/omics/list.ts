import { tableStatus, type JobState } from '../../model/job.ts';
import { awsJsonOutput } from '../shared/awsCall.ts';
import {
  entry,
  jsonListPage,
  members,
  obj,
  required,
  response,
  str,
  type JsonObject,
} from '../shared/json.ts';
import { rfc3986 } from '../shared/rfc3986.ts';
import { addPage, type ListPage, type PageInput, type PageParams } from '../shared/paging.ts';
import type { Operation, WireRequest } from '../shared/source.ts';
import { OMICS_HOST_PREFIX } from './client.ts';
import { listSubject, readOmicsError, storesSubject } from './errors.ts';
import { listTime, summaryState } from '../shared/listReaders.ts';
import { dateTime as isoDateTime } from './parse.ts';
import { OMICS_STATE_MAP, type OmicsReferenceImportJobStatus } from './record.ts';

/**
 * The two HealthOmics list operations jobgraph uses (API reference pages ListReferenceImportJobs
 * and ListReferenceStores, https://docs.aws.amazon.com/omics/latest/api/; `@aws-sdk/client-omics`
 * schemas): rest-json, SigV4 `omics`, the `control-storage-` host prefix, both `POST` with the
 * page in the query (`maxResults` 1..100, `nextToken` 1..6144 characters) and an optional JSON
 * body `{"filter": …}` (the SDK sends `{}` without one), times ISO-8601 strings.
 *
 * - ListReferenceImportJobs: `POST /referencestore/{referenceStoreId}/importjobs`, filter
 *   `{status, createdAfter, createdBefore}` applied by the service; answer `{"importJobs":
 *   [ImportReferenceJobItem], "nextToken"}`, each item `{id, referenceStoreId, roleArn, status,
 *   creationTime, completionTime}` (no status message).
 * - ListReferenceStores: `POST /referencestores`, filter `{name, createdAfter, createdBefore}`;
 *   answer `{"referenceStores": [ReferenceStoreDetail], "nextToken"}`.
 *
 * Errors: AccessDeniedException 403, InternalServerException 500, RequestTimeoutException 408,
 * ResourceNotFoundException 404 (an unknown store), ThrottlingException 429, ValidationException
 * 400 (a bad or expired nextToken too); read by errors.ts like the describe call's. The service
 * documents no list order (the AWS CLI's example shows oldest first).
 */

/** The operations, as metrics and traces name them. */
const OMICS_LIST_JOBS_OPERATION = 'ListReferenceImportJobs';
const OMICS_LIST_STORES_OPERATION = 'ListReferenceStores';

/** Largest `maxResults` of both operations. */
export const OMICS_LIST_MAX_RESULTS = 100;

/** One ListReferenceImportJobs call: a store, a page (`maxResults` 1..100), and the service-side filter. */
export interface OmicsListInput extends PageInput {
  referenceStoreId: string;
  filter?: {
    status?: OmicsReferenceImportJobStatus;
    createdAfter?: Date;
    createdBefore?: Date;
  };
}

/** One ListReferenceStores call: a page (`maxResults` 1..100) and the service-side filter. */
export interface OmicsStoresInput extends PageInput {
  filter?: {
    name?: string;
    createdAfter?: Date;
    createdBefore?: Date;
  };
}

/** One `ImportReferenceJobItem`, normalised. */
export interface OmicsJobSummary {
  /** The item's `id`. */
  jobId: string;
  referenceStoreId: string | null;
  roleArn: string | null;
  /** `creationTime`. */
  createdAt: Date;
  /** `completionTime`. */
  completedAt: Date | null;
  /** `status` through OMICS_STATE_MAP; null when the item has none. */
  state: JobState | null;
  /** `status` as sent. */
  upstreamStatus: string | null;
  /** `status` when it is one of the model's; else null. */
  status: OmicsReferenceImportJobStatus | null;
}

/** One `ReferenceStoreDetail`, normalised. */
export interface OmicsReferenceStore {
  id: string;
  arn: string | null;
  name: string | null;
  description: string | null;
  createdAt: Date | null;
  sseConfig: { type: string | null; keyArn: string | null } | null;
}

/** One page of either list. */
export type OmicsListPage<T> = ListPage<T>;

/** One ListReferenceImportJobs call in a region. */
export interface OmicsListCall extends OmicsListInput {
  region: string;
}

/** One ListReferenceStores call in a region. */
export interface OmicsStoresCall extends OmicsStoresInput {
  region: string;
}

/** ListReferenceImportJobs as an operation of the one pipeline (`ProviderSource.call`). */
export const OMICS_LIST_JOBS: Operation<OmicsListCall, OmicsListPage<OmicsJobSummary>> = {
  name: OMICS_LIST_JOBS_OPERATION,
  region: (input) => input.region,
  send: (input) => listRequest(input),
  readError: (input, answer) =>
    readOmicsError(listSubject(input.region, input.referenceStoreId), answer),
  parse: (_input, answer) => parseListPage(awsJsonOutput(answer)),
};

/** ListReferenceStores as an operation of the one pipeline (`ProviderSource.call`). */
export const OMICS_LIST_STORES: Operation<OmicsStoresCall, OmicsListPage<OmicsReferenceStore>> = {
  name: OMICS_LIST_STORES_OPERATION,
  region: (input) => input.region,
  send: (input) => listReferenceStoresRequest(input),
  readError: (input, answer) => readOmicsError(storesSubject(input.region), answer),
  parse: (_input, answer) => parseReferenceStoresPage(awsJsonOutput(answer)),
};

/** The request of one ListReferenceImportJobs page. Throws RangeError for a `maxResults` outside 1..100. */
export function listRequest(input: OmicsListInput): WireRequest {
  const filter = input.filter ?? {};
  return post(`/referencestore/${rfc3986(input.referenceStoreId)}/importjobs`, input, {
    ...(filter.status !== undefined ? { status: filter.status } : {}),
    ...dateMembers(filter),
  });
}

/** The request of one ListReferenceStores page. Throws RangeError for a `maxResults` outside 1..100. */
export function listReferenceStoresRequest(input: OmicsStoresInput = {}): WireRequest {
  const filter = input.filter ?? {};
  return post('/referencestores', input, {
    ...(filter.name !== undefined ? { name: filter.name } : {}),
    ...dateMembers(filter),
  });
}

/**
 * Normalise a ListReferenceImportJobs answer (raw JSON or the SDK's output). An absent list is an
 * empty page; an item without `id` or `creationTime` cannot be listed: MalformedBodyError naming
 * it, as for a member of a wrong type.
 */
export function parseListPage(output: unknown): OmicsListPage<OmicsJobSummary> {
  const body = response(output, 'response is not an object');
  return jsonListPage(body, 'importJobs', 'nextToken', jobSummary);
}

/** Normalise a ListReferenceStores answer (raw JSON or the SDK's output). A store without `id` is MalformedBodyError. */
export function parseReferenceStoresPage(output: unknown): OmicsListPage<OmicsReferenceStore> {
  const body = response(output, 'response is not an object');
  return jsonListPage(body, 'referenceStores', 'nextToken', store);
}

/** The page's parameters on the wire, the same for both operations. */
const PAGE: PageParams = {
  size: 'maxResults',
  sizeInput: 'maxResults',
  max: OMICS_LIST_MAX_RESULTS,
  token: 'nextToken',
};

function post(path: string, page: PageInput, filter: JsonObject): WireRequest {
  const query = addPage([], PAGE, page.maxResults, page.nextToken);
  const body = Object.keys(filter).length === 0 ? {} : { filter };
  return {
    method: 'POST',
    path,
    query,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    hostPrefix: OMICS_HOST_PREFIX,
  };
}

/** `createdAfter`/`createdBefore` as the SDK writes a date-time: ISO-8601 UTC, milliseconds only when not zero. */
function dateMembers(filter: { createdAfter?: Date; createdBefore?: Date }): JsonObject {
  const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, 'Z');
  return {
    ...(filter.createdAfter !== undefined ? { createdAfter: iso(filter.createdAfter) } : {}),
    ...(filter.createdBefore !== undefined ? { createdBefore: iso(filter.createdBefore) } : {}),
  };
}

function jobSummary(value: unknown, field: string): OmicsJobSummary {
  const o = entry(value, field);
  const jobId = required(str, o, 'id', field);
  const createdAt = required(dateTime, o, 'creationTime', field);
  const upstreamStatus = str(o.status, `${field}.status`);
  return {
    jobId,
    ...members(o, field, { referenceStoreId: str, roleArn: str }),
    createdAt,
    completedAt: dateTime(o.completionTime, `${field}.completionTime`),
    state: summaryState(OMICS_STATE_MAP, upstreamStatus),
    upstreamStatus,
    status: tableStatus(OMICS_STATE_MAP, upstreamStatus),
  };
}

function store(value: unknown, field: string): OmicsReferenceStore {
  const o = entry(value, field);
  const id = required(str, o, 'id', field);
  const sse = obj(o.sseConfig, `${field}.sseConfig`);
  return {
    id,
    ...members(o, field, { arn: str, name: str, description: str }),
    createdAt: dateTime(o.creationTime, `${field}.creationTime`),
    sseConfig: sse ? members(sse, `${field}.sseConfig`, { type: str, keyArn: str }) : null,
  };
}

/** A `date-time` member as a Date, read as the describe parse reads it (an epoch number refused). */
const dateTime = (value: unknown, field: string) => listTime(value, field, isoDateTime);
