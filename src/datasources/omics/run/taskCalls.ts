import { awsJsonOutput } from '../../shared/awsCall.ts';
import { bool, int, members, response, str } from '../../shared/json.ts';
import type { ListPage, PageInput } from '../../shared/paging.ts';
import { rfc3986 } from '../../shared/rfc3986.ts';
import type { Operation } from '../../shared/source.ts';
import { readOmicsError } from '../errors.ts';
import { dateTime } from '../parse.ts';
import { workflowsGet, workflowsListGet, workflowsListPage, workflowsPage } from '../workflows.ts';

/**
 * A workflow run's tasks (API reference pages ListRunTasks and GetRunTask;
 * `@aws-sdk/client-omics` schemas): rest-json `GET`, SigV4 `omics`, the `workflows-` host prefix.
 *
 * - ListRunTasks: `GET /run/{id}/task?status=&startingToken=&maxResults=` (1..100), answer
 *   `{"items": [TaskListItem], "nextToken"}`: taskId, status, name, cpus, cacheHit, cacheS3Uri,
 *   memory, creationTime, startTime, stopTime, gpus, instanceType.
 * - GetRunTask: `GET /run/{id}/task/{taskId}`: the item's fields and statusMessage, failureReason
 *   and logStream, which the list does not give (read only when one of them is asked).
 */

/** Largest `maxResults` of ListRunTasks. */
export const OMICS_TASK_LIST_MAX = 100;

const PAGE = workflowsPage('maxResults', OMICS_TASK_LIST_MAX);

/** A task's statuses (`TaskStatus`): GraphQL enum `OmicsRunTaskStatus`. */
export const TASK_STATUSES = [
  'PENDING',
  'STARTING',
  'RUNNING',
  'STOPPING',
  'COMPLETED',
  'CANCELLED',
  'FAILED',
] as const;

/** The run a task call is about. */
interface RunTasksCall extends PageInput {
  region: string;
  runId: string;
  status: string | null;
}

/** One `TaskListItem` as the service lists it (GraphQL type `OmicsRunTask`'s listed fields). */
export interface OmicsRunTaskItem {
  taskId: string | null;
  name: string | null;
  status: string | null;
  cpus: number | null;
  memory: number | null;
  gpus: number | null;
  instanceType: string | null;
  cacheHit: boolean | null;
  cacheS3Uri: string | null;
  creationTime: string | null;
  startTime: string | null;
  stopTime: string | null;
}

/** What GetRunTask says of a task beyond its list item. */
export interface OmicsRunTaskDetail {
  statusMessage: string | null;
  failureReason: string | null;
  logStream: string | null;
}

function taskSubject(input: { region: string; runId: string; taskId?: string }): string {
  const task = input.taskId === undefined ? '' : `task "${input.taskId}" of `;
  return `${task}HealthOmics run "${input.runId}" (${input.region})`;
}

/** A task's list item's fields, read as the wire names them (GetRunTask's answer has them too). */
function taskItem(o: Record<string, unknown>, field: string): OmicsRunTaskItem {
  return {
    ...members(o, field, {
      taskId: str,
      name: str,
      status: str,
      cpus: int,
      memory: int,
      gpus: int,
      instanceType: str,
      cacheHit: bool,
      cacheS3Uri: str,
    }),
    creationTime: dateTime(o.creationTime, `${field}.creationTime`),
    startTime: dateTime(o.startTime, `${field}.startTime`),
    stopTime: dateTime(o.stopTime, `${field}.stopTime`),
  };
}

/** ListRunTasks as an operation of the one pipeline (`ProviderSource.call`). */
export const OMICS_LIST_RUN_TASKS: Operation<RunTasksCall, ListPage<OmicsRunTaskItem>> = {
  name: 'ListRunTasks',
  region: (input) => input.region,
  send: (input) =>
    workflowsListGet(
      `/run/${rfc3986(input.runId)}/task`,
      PAGE,
      input,
      input.status ? [['status', input.status]] : [],
    ),
  readError: (input, answer) => readOmicsError(taskSubject(input), answer),
  parse: (_input, answer) => workflowsListPage(answer, 'items', taskItem),
};

/** GetRunTask as an operation of the one pipeline: the fields the list leaves out. */
export const OMICS_GET_RUN_TASK: Operation<
  { region: string; runId: string; taskId: string },
  OmicsRunTaskDetail
> = {
  name: 'GetRunTask',
  region: (input) => input.region,
  send: (input) => workflowsGet(`/run/${rfc3986(input.runId)}/task/${rfc3986(input.taskId)}`, []),
  readError: (input, answer) => readOmicsError(taskSubject(input), answer),
  parse: (_input, answer) =>
    members(response(awsJsonOutput(answer), 'response is not an object'), 'response', {
      statusMessage: str,
      failureReason: str,
      logStream: str,
    }),
};
