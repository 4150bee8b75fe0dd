import { tableStatus } from '../../../model/job.ts';
import { statusFilter } from '../../listing/filter.ts';
import type { MergeStream } from '../../listing/merge.ts';
import { listStream, present } from '../../listing/streams.ts';
import { listed, type Listed } from '../../listing/summaries.ts';
import { accountLabel } from '../../shared/accounts.ts';
import type { ListEnv, ListSource } from '../../shared/provider.ts';
import { BATCH_SERVICE_JOB_KEY } from './key.ts';
import {
  BATCH_LIST_SERVICE_JOBS,
  BATCH_SERVICE_LIST_MAX_RESULTS,
  type BatchServiceJobSummary,
} from './list.ts';
import { BATCH_SERVICE_STATE_MAP, type BatchServiceJobRecord } from './record.ts';

/**
 * A ListServiceJobs summary as a listed service job (kind `serviceJob`, so its row resolves to
 * `BatchServiceJob` and its global ID is `batchservice:`), its fields as DescribeServiceJob's
 * record has them: the summary's own (parse.ts reads the same members the same way). What the
 * summary lacks — `jobQueue`, `attempts`, `retryStrategy`, `schedulingPriority`, the preemption
 * fields, `timeoutConfig`, `tags`, `serviceRequestPayload` (secret), and `isTerminated` (a summary
 * sends it only when true, so its absence is not `false`) — is read on demand by the describe path.
 */
function serviceListed(region: string, s: BatchServiceJobSummary, account?: string): Listed | null {
  const { providerStatus, stoppedAt, startedAt } = s.fields;
  const terminal = s.state === 'SUCCEEDED' || s.state === 'FAILED';
  const completedAt = terminal && stoppedAt !== null ? new Date(stoppedAt) : null;
  const fields: Partial<BatchServiceJobRecord> = {
    ...s.fields,
    statusMessage: s.fields.statusReason,
    name: s.fields.jobName,
    status: tableStatus(BATCH_SERVICE_STATE_MAP, providerStatus),
  };
  const key = { provider: 'AWS_BATCH', kind: 'serviceJob', region, jobId: s.jobId } as const;
  const header = {
    state: s.state,
    createdAt: s.createdAt,
    // As parse.ts: a running job's start; a finished one's stop (listed's completedAt).
    updatedAt: providerStatus === 'RUNNING' && startedAt !== null ? new Date(startedAt) : null,
    completedAt,
  };
  return listed(BATCH_SERVICE_JOB_KEY, key, header, fields, account);
}

/**
 * One service-job queue's stream: with exactly one asked status, ListServiceJobs by `jobStatus`
 * (an order the API does not document: read whole, kept as a snapshot); else by the
 * `AFTER_CREATED_AT` filter, every status newest first as documented, read page by page as a
 * container queue is.
 */
function serviceQueueStream(
  env: ListEnv,
  account: string | undefined,
  region: string,
  jobQueue: string,
  jobStatus: string | null,
): MergeStream<Listed> {
  const createdAfterMs = env.plan.createdAfterMs === null ? 0 : env.plan.createdAfterMs - 1;
  const readFilter =
    jobStatus !== null
      ? `status=${jobStatus}`
      : createdAfterMs > 0
        ? `after=${createdAfterMs}`
        : undefined;
  return listStream(env.plan, {
    provider: 'AWS_BATCH',
    id: `batchservice${accountLabel(account)}:${region}:${jobQueue}`,
    newestFirst: jobStatus === null,
    maxPageSize: BATCH_SERVICE_LIST_MAX_RESULTS,
    ...(readFilter !== undefined ? { readFilter } : {}),
    async read(token, size, subject) {
      const page = await env.call(
        BATCH_LIST_SERVICE_JOBS,
        { region, jobQueue, jobStatus, createdAfterMs, maxResults: size, nextToken: token },
        { breakerRegion: region, subject, account },
      );
      return {
        items: page.items.map((s) => serviceListed(region, s, account)).filter(present),
        next: page.nextToken,
      };
    },
  });
}

/**
 * The list sources of a region's service-job queues (DescribeJobQueues' SAGEMAKER_TRAINING ones,
 * found with the container queues: ../listing.ts), one a queue; none when no service-job status
 * matches the asked states.
 */
export function serviceJobSources(
  env: ListEnv,
  account: string | undefined,
  region: string,
  queues: readonly string[],
): ListSource[] {
  const status = statusFilter(env.plan, BATCH_SERVICE_STATE_MAP);
  if (status.kind === 'none') return [];
  const jobStatus = status.kind === 'status' ? status.status : null;
  return queues.map((jobQueue) => ({
    referenceStoreId: null,
    jobQueue,
    stream: serviceQueueStream(env, account, region, jobQueue, jobStatus),
  }));
}
