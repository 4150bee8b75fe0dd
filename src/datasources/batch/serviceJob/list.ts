import { mapState, type JobState } from '../../../model/job.ts';
import { entry, str, type JsonObject } from '../../shared/json.ts';
import type { Operation } from '../../shared/source.ts';
import type { ListPage } from '../../shared/paging.ts';
import { epochMillis } from '../details.ts';
import { listSubject } from '../errors.ts';
import { listOperation } from '../list.ts';
import { summaryDetails } from './parse.ts';
import { BATCH_SERVICE_STATE_MAP, type BatchServiceJobRecord } from './record.ts';

/**
 * ListServiceJobs (@aws-sdk/client-batch ListServiceJobsCommand), `POST /v1/listservicejobs`
 * `{"jobQueue", "jobStatus"?, "filters"?, "maxResults", "nextToken"}` → `{"jobSummaryList":
 * [ServiceJobSummary], "nextToken"}`, at most 100 a page. Without a filter only `jobStatus`'s jobs
 * come back (RUNNING when absent); with the `AFTER_CREATED_AT` filter jobs of every status, newest
 * first (`createdAt`), `jobStatus` ignored. jobgraph sends the one status when the asked states
 * leave exactly one, else `AFTER_CREATED_AT` (0, or the plan's lower bound), as it lists a
 * container queue (../list.ts).
 */

/** Largest ListServiceJobs page (documented: 1..100). */
export const BATCH_SERVICE_LIST_MAX_RESULTS = 100;

/** One ListServiceJobs call: a service-job queue of a region, a status or a lower creation bound. */
interface BatchServiceListCall {
  region: string;
  jobQueue: string;
  /** The one status asked (`jobStatus`); null: every status created after `createdAfterMs`. */
  jobStatus: string | null;
  createdAfterMs: number;
  maxResults: number;
  nextToken: string | null;
}

/** One `ServiceJobSummary`, normalised: its record's fields (the ones a summary has) and its state. */
export interface BatchServiceJobSummary {
  jobId: string;
  createdAt: Date;
  state: JobState | null;
  fields: Pick<
    BatchServiceJobRecord,
    | 'providerStatus'
    | 'jobArn'
    | 'jobName'
    | 'serviceJobType'
    | 'statusReason'
    | 'scheduledAt'
    | 'startedAt'
    | 'stoppedAt'
    | 'shareIdentifier'
    | 'quotaShareName'
    | 'latestAttempt'
    | 'capacityUsage'
  >;
}

function readSummary(value: unknown, field: string): BatchServiceJobSummary {
  const o: JsonObject = entry(value, field);
  const f = (name: string) => `${field}.${name}`;
  const status = str(o.status, f('status'));
  return {
    jobId: str(o.jobId, f('jobId')) ?? '',
    // A summary without a creation time cannot be placed: the epoch keeps it last.
    createdAt: new Date(epochMillis(o.createdAt, f('createdAt')) ?? 0),
    state: status === null ? null : mapState(BATCH_SERVICE_STATE_MAP, status),
    fields: {
      providerStatus: status,
      jobArn: str(o.jobArn, f('jobArn')),
      jobName: str(o.jobName, f('jobName')),
      serviceJobType: str(o.serviceJobType, f('serviceJobType')),
      statusReason: str(o.statusReason, f('statusReason')),
      scheduledAt: epochMillis(o.scheduledAt, f('scheduledAt')),
      startedAt: epochMillis(o.startedAt, f('startedAt')),
      stoppedAt: epochMillis(o.stoppedAt, f('stoppedAt')),
      shareIdentifier: str(o.shareIdentifier, f('shareIdentifier')),
      quotaShareName: str(o.quotaShareName, f('quotaShareName')),
      ...summaryDetails(o, f),
    },
  };
}

/** ListServiceJobs of one service-job queue as an operation of the one pipeline. */
export const BATCH_LIST_SERVICE_JOBS: Operation<
  BatchServiceListCall,
  ListPage<BatchServiceJobSummary>
> = listOperation<BatchServiceListCall, BatchServiceJobSummary>(
  'ListServiceJobs',
  {
    path: '/v1/listservicejobs',
    body: (input) => ({
      jobQueue: input.jobQueue,
      ...(input.jobStatus !== null
        ? { jobStatus: input.jobStatus }
        : {
            filters: [
              { name: 'AFTER_CREATED_AT', values: [String(Math.max(0, input.createdAfterMs))] },
            ],
          }),
    }),
    subject: (input) => listSubject(input.region, input.jobQueue),
  },
  'jobSummaryList',
  readSummary,
);
