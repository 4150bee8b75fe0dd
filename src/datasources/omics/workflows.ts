import { awsJsonOutput } from '../shared/awsCall.ts';
import type { HttpResult } from '../shared/http.ts';
import { entry, jsonListPage, response, str, type JsonObject } from '../shared/json.ts';
import type { JobState } from '../../model/job.ts';
import { listTime, summaryState } from '../shared/listReaders.ts';
import { addPage, type ListPage, type PageInput, type PageParams } from '../shared/paging.ts';
import type { Operation, WireRequest } from '../shared/wire.ts';
import { readOmicsError } from './errors.ts';
import { dateTime } from './parse.ts';

/**
 * HealthOmics' workflow operations (GetRun, ListRuns, CancelRun, ListRunTasks, GetBatch,
 * ListBatch, …): rest-json, SigV4 `omics`, the `workflows-` host prefix (no prefix with an
 * endpoint override), list pages in the query with `startingToken` and the answer's `nextToken`.
 */

/** One call of a workflow list in a region: a page and the service-side status filter (ListRuns, ListBatch). */
export type WorkflowsStatusListCall<S extends string> = PageInput & { region: string; status?: S };

/** The endpoint trait of HealthOmics' workflow operations. */
const OMICS_WORKFLOWS_HOST_PREFIX = 'workflows-';

/** A workflow list's page parameters: its size's name (`maxResults` or `maxItems`), 1..`max`. */
export function workflowsPage(size: 'maxResults' | 'maxItems', max: number): PageParams {
  return { size, sizeInput: size, max, token: 'startingToken' };
}

/** A workflow operation's `GET` of `path` (labels already URI-encoded), no body, the host prefix. */
export function workflowsGet(path: string, query?: [string, string][]): WireRequest {
  return {
    method: 'GET',
    path,
    ...(query !== undefined ? { query } : {}),
    headers: {},
    body: '',
    hostPrefix: OMICS_WORKFLOWS_HOST_PREFIX,
  };
}

/**
 * A workflow operation's `POST` of `path` (labels already URI-encoded), the host prefix: `body`
 * as JSON (`content-type: application/json`), or no body at all (CancelRun).
 */
export function workflowsPost(path: string, body?: Record<string, unknown>): WireRequest {
  return {
    method: 'POST',
    path,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? '' : JSON.stringify(body),
    hostPrefix: OMICS_WORKFLOWS_HOST_PREFIX,
  };
}

/** A workflow list's `GET` of `path`: `query` and then the page as `params` names it. */
export function workflowsListGet(
  path: string,
  params: PageParams,
  page: PageInput,
  query: [string, string][] = [],
): WireRequest {
  return workflowsGet(path, addPage(query, params, page.maxResults, page.nextToken));
}

/**
 * A workflow list's answer (`{"<items>": [object], "nextToken"}`, not an object:
 * MalformedBodyError), each entry an object (null: MalformedBodyError) read by `item`.
 */
export function workflowsListPage<T>(
  answer: HttpResult,
  items: string,
  item: (o: JsonObject, field: string) => T,
): ListPage<T> {
  return jsonListPage(
    response(awsJsonOutput(answer), 'response is not an object'),
    items,
    'nextToken',
    (v, f) => item(entry(v, f), f),
  );
}

/** A listed `date-time` member as a Date, read as the describe calls' are (an epoch number refused). */
export const listedDateTime = (value: unknown, field: string): Date | null =>
  listTime(value, field, dateTime);

/** What a status-filtered workflow list's item says of its status (ListRuns, ListBatch). */
export interface WorkflowsListedStatus {
  /** `status` through the kind's state table; null when the item has none. */
  state: JobState | null;
  upstreamStatus: string | null;
}

/**
 * A workflow list filtered by status (ListRuns, ListBatch) as an operation of the one pipeline:
 * `GET path` with the status sent and then the page (`page`), errors read for the list of `what`
 * in the call's region, each object of the answer's `items` read by `item` after its `status`
 * (through `table`).
 */
export function workflowsStatusList<S extends string, T>(spec: {
  name: string;
  path: string;
  page: PageParams;
  what: string;
  table: Readonly<Record<S, JobState>>;
  item: (o: JsonObject, field: string, upstreamStatus: string | null) => T;
}): Operation<WorkflowsStatusListCall<S>, ListPage<T & WorkflowsListedStatus>> {
  const { path, page, table, item } = spec;
  return {
    name: spec.name,
    region: (input) => input.region,
    send: (input) =>
      workflowsListGet(
        path,
        page,
        input,
        input.status !== undefined ? [['status', input.status]] : [],
      ),
    readError: (input, answer) =>
      readOmicsError(`the HealthOmics ${spec.what} list in ${input.region}`, answer),
    parse: (_input, answer) =>
      workflowsListPage(answer, 'items', (o, f) => {
        const upstreamStatus = str(o.status, `${f}.status`);
        return {
          ...item(o, f, upstreamStatus),
          state: summaryState(table, upstreamStatus),
          upstreamStatus,
        };
      }),
  };
}
