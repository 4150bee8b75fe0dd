import { mapState, type JobState } from '../../model/job.ts';
import { awsJsonOperation, awsJsonPost } from '../shared/awsCall.ts';
import { entry, jsonListPage, response, str, type JsonObject } from '../shared/json.ts';
import type { ListPage } from '../shared/paging.ts';
import type { Operation } from '../shared/source.ts';
import { listSubject, queuesSubject, readBatchError } from './errors.ts';
import { epochMillis } from './parse.ts';
import { BATCH_STATE_MAP } from './record.ts';

/**
 * The two AWS Batch list operations jobgraph uses (botocore batch/2016-08-10): rest-json, SigV4
 * `batch`, `POST` with the page in the JSON body.
 *
 * - ListJobs, `POST /v1/listjobs` `{"jobQueue", "filters", "maxResults", "nextToken"}`: with a
 *   filter, jobs of every status come back newest first (`createdAt`), at most 100 a page;
 *   without one only RUNNING jobs (or `jobStatus`'s). jobgraph always sends `AFTER_CREATED_AT`
 *   (0, or the plan's lower bound), so a queue's whole list comes back, in a documented order.
 *   Items are `JobSummary` (no `isCancelled`/`isTerminated`).
 * - DescribeJobQueues, `POST /v1/describejobqueues` `{"maxResults", "nextToken"}` (1..100):
 *   `{"jobQueues": [JobQueueDetail], "nextToken"}`.
 */

/** Largest ListJobs page with a filter (documented: "returns up to 100 values"). */
export const BATCH_LIST_MAX_RESULTS = 100;
/** Largest DescribeJobQueues page. */
export const BATCH_QUEUES_MAX_RESULTS = 100;

/** One ListJobs call: a queue of a region, a page, and the lower creation bound (ms). */
export interface BatchListCall {
  region: string;
  jobQueue: string;
  createdAfterMs: number;
  maxResults: number;
  nextToken: string | null;
}

/** One DescribeJobQueues call. */
export interface BatchQueuesCall {
  region: string;
  maxResults: number;
  nextToken: string | null;
}

/** One `JobSummary`, normalised. */
export interface BatchJobSummary {
  jobId: string;
  jobArn: string | null;
  jobName: string | null;
  createdAt: Date;
  startedAt: string | null;
  stoppedAt: string | null;
  /** `status` as sent, and through BATCH_STATE_MAP. */
  upstreamStatus: string | null;
  state: JobState | null;
  statusReason: string | null;
  jobDefinition: string | null;
}

/** One `JobQueueDetail`: its name, ARN and type (`SAGEMAKER_TRAINING`: a service-job queue). */
export interface BatchQueue {
  name: string;
  arn: string | null;
  state: string | null;
  jobQueueType: string | null;
}

function readSummary(value: unknown, field: string): BatchJobSummary {
  const o: JsonObject = entry(value, field);
  const jobId = str(o.jobId, `${field}.jobId`) ?? '';
  const createdIso = epochMillis(o.createdAt, `${field}.createdAt`);
  const upstreamStatus = str(o.status, `${field}.status`);
  return {
    jobId,
    jobArn: str(o.jobArn, `${field}.jobArn`),
    jobName: str(o.jobName, `${field}.jobName`),
    // A summary without a creation time cannot be placed: the epoch keeps it last.
    createdAt: new Date(createdIso ?? 0),
    startedAt: epochMillis(o.startedAt, `${field}.startedAt`),
    stoppedAt: epochMillis(o.stoppedAt, `${field}.stoppedAt`),
    upstreamStatus,
    state: upstreamStatus === null ? null : mapState(BATCH_STATE_MAP, upstreamStatus),
    statusReason: str(o.statusReason, `${field}.statusReason`),
    jobDefinition: str(o.jobDefinition, `${field}.jobDefinition`),
  };
}

/** A queue as DescribeJobQueues' item (JobQueueDetail) names it. */
function readQueue(value: unknown, field: string): BatchQueue {
  const o = entry(value, field);
  return {
    name: str(o.jobQueueName, `${field}.jobQueueName`) ?? '',
    arn: str(o.jobQueueArn, `${field}.jobQueueArn`),
    state: str(o.state, `${field}.state`),
    jobQueueType: str(o.jobQueueType, `${field}.jobQueueType`),
  };
}

/**
 * A Batch list operation of the one pipeline (ListServiceJobs' too: serviceJob/list.ts): `POST path` of the call's own members (`body`) and
 * its page (`maxResults`, and `nextToken` after the first page), the answer's `items` member read
 * by `item`, an error answer read for the call's `subject`.
 */
export function listOperation<
  I extends { region: string; maxResults: number; nextToken: string | null },
  T,
>(
  name: string,
  request: { path: string; body(input: I): JsonObject; subject(input: I): string },
  items: string,
  item: (value: unknown, field: string) => T,
): Operation<I, ListPage<T>> {
  return awsJsonOperation<I, ListPage<T>>({
    name,
    send: (input) =>
      awsJsonPost(request.path, {
        ...request.body(input),
        maxResults: input.maxResults,
        ...(input.nextToken ? { nextToken: input.nextToken } : {}),
      }),
    readError: (input, answer) => readBatchError(request.subject(input), answer),
    parse: (_input, output) =>
      jsonListPage(response(output, 'response is not an object'), items, 'nextToken', item),
  });
}

/** ListJobs of one queue as an operation of the one pipeline. */
export const BATCH_LIST_JOBS = listOperation<BatchListCall, BatchJobSummary>(
  'ListJobs',
  {
    path: '/v1/listjobs',
    body: (input) => ({
      jobQueue: input.jobQueue,
      filters: [{ name: 'AFTER_CREATED_AT', values: [String(Math.max(0, input.createdAfterMs))] }],
    }),
    subject: (input) => listSubject(input.region, input.jobQueue),
  },
  'jobSummaryList',
  readSummary,
);

/** DescribeJobQueues of a region as an operation of the one pipeline. */
export const BATCH_LIST_QUEUES = listOperation<BatchQueuesCall, BatchQueue>(
  'DescribeJobQueues',
  {
    path: '/v1/describejobqueues',
    body: () => ({}),
    subject: (input) => queuesSubject(input.region),
  },
  'jobQueues',
  readQueue,
);
