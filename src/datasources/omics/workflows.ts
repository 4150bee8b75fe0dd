import { awsJsonOutput } from '../shared/awsCall.ts';
import type { HttpResult } from '../shared/http.ts';
import { entry, jsonListPage, response, type JsonObject } from '../shared/json.ts';
import { listTime } from '../shared/listReaders.ts';
import { addPage, type ListPage, type PageInput, type PageParams } from '../shared/paging.ts';
import type { WireRequest } from '../shared/wire.ts';
import { dateTime } from './parse.ts';

/**
 * HealthOmics' workflow operations (GetRun, ListRuns, CancelRun, ListRunTasks, GetBatch,
 * ListBatch, …): rest-json, SigV4 `omics`, the `workflows-` host prefix (no prefix with an
 * endpoint override), list pages in the query with `startingToken` and the answer's `nextToken`.
 */

/** One call of a workflow list in a region: a page and the service-side status filter (ListRuns, ListBatch). */
export type WorkflowsStatusListCall<S extends string> = PageInput & { region: string; status?: S };

/** The endpoint trait of HealthOmics' workflow operations. */
export const OMICS_WORKFLOWS_HOST_PREFIX = 'workflows-';

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
