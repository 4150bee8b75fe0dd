import { BadUserInputError } from '../../errors.ts';
import { tableStatus } from '../../model/job.ts';
import { statusFilter } from '../listing/filter.ts';
import type { MergeStream } from '../listing/merge.ts';
import { sourceNamesBySort, type SourceFinder } from '../listing/sourceNames.ts';
import { failedReport, listStream, present } from '../listing/streams.ts';
import { listed, type Listed } from '../listing/summaries.ts';
import { accountLabel, awsAlias } from '../shared/accounts.ts';
import type { ListEnv, ListSource, ProviderList } from '../shared/provider.ts';
import { BATCH_KEY } from './key.ts';
import {
  BATCH_LIST_JOBS,
  BATCH_LIST_MAX_RESULTS,
  BATCH_LIST_QUEUES,
  BATCH_QUEUES_MAX_RESULTS,
  type BatchJobSummary,
  type BatchQueue,
} from './list.ts';
import { batchUpdatedAt } from './parse.ts';
import { BATCH_STATE_MAP, type BatchJobRecord } from './record.ts';
import { serviceJobSources } from './serviceJob/listing.ts';
import { BATCH_SERVICE_STATE_MAP } from './serviceJob/record.ts';

/** A ListJobs summary as a listed job, its fields as the describe record has them. */
function batchListed(region: string, s: BatchJobSummary, account?: string): Listed | null {
  const status = tableStatus(BATCH_STATE_MAP, s.upstreamStatus);
  const terminal = s.state === 'SUCCEEDED' || s.state === 'FAILED';
  const completedAt = terminal && s.stoppedAt !== null ? new Date(s.stoppedAt) : null;
  const fields: Partial<BatchJobRecord> = {
    providerStatus: s.upstreamStatus,
    statusMessage: s.statusReason,
    name: s.jobName,
    jobArn: s.jobArn,
    jobName: s.jobName,
    status,
    statusReason: s.statusReason,
    startedAt: s.startedAt,
    stoppedAt: s.stoppedAt,
    jobDefinition: s.jobDefinition,
  };
  const key = { provider: 'AWS_BATCH', region, jobId: s.jobId } as const;
  const updated = batchUpdatedAt(s.upstreamStatus, s.startedAt);
  const updatedAt = updated === null ? null : new Date(updated);
  const header = { state: s.state, createdAt: s.createdAt, updatedAt, completedAt };
  return listed(BATCH_KEY, key, header, fields, account);
}

/** The sorts of Batch job queue (SourceFinder `sortOf`): a container queue, a service-job queue. */
const CONTAINER_QUEUES = '';
const SERVICE_QUEUES = 'service';

/**
 * AWS Batch's job queues: the region's enabled and disabled ones (every page of DescribeJobQueues),
 * a SAGEMAKER_TRAINING one a service-job queue (ListServiceJobs), any other a container queue
 * (ListJobs).
 */
const JOB_QUEUES: SourceFinder<BatchQueue> = {
  label: 'batch',
  operation: BATCH_LIST_QUEUES,
  pageSize: BATCH_QUEUES_MAX_RESULTS,
  nameOf: (queue) => (queue.name !== '' ? queue.name : undefined),
  sortOf: (queue) =>
    queue.jobQueueType === 'SAGEMAKER_TRAINING' ? SERVICE_QUEUES : CONTAINER_QUEUES,
};

/** One queue's stream: ListJobs with a creation-time filter, newest first as documented. */
function queueStream(
  env: ListEnv,
  account: string | undefined,
  region: string,
  jobQueue: string,
): MergeStream<Listed> {
  const createdAfterMs = env.plan.createdAfterMs === null ? 0 : env.plan.createdAfterMs - 1;
  return listStream(env.plan, {
    provider: 'AWS_BATCH',
    id: `batch${accountLabel(account)}:${region}:${jobQueue}`,
    newestFirst: true,
    maxPageSize: BATCH_LIST_MAX_RESULTS,
    // The lower bound sent decides what a page holds: pages kept for one bound serve only it.
    ...(createdAfterMs > 0 ? { readFilter: `after=${createdAfterMs}` } : {}),
    async read(token, size, subject) {
      const page = await env.call(
        BATCH_LIST_JOBS,
        { region, jobQueue, createdAfterMs, maxResults: size, nextToken: token },
        { breakerRegion: region, subject, account },
      );
      return {
        items: page.items.map((s) => batchListed(region, s, account)).filter(present),
        next: page.nextToken,
      };
    },
  });
}

/**
 * listJobs: one source per job queue of each account and region, the queues found by
 * DescribeJobQueues (kept as long as the list snapshots; those calls count toward the page, the
 * queues found toward the request's list sources). A region whose queues cannot be listed is one
 * FAILED source, one without queues a LISTED one. Each container queue is read newest first by
 * ListJobs with a creation-time filter (every status; the states are filtered here), page by
 * page, its pages kept as the snapshots are (listing/snapshotStream.ts `pagedStream`); each
 * service-job queue (`jobQueueType` SAGEMAKER_TRAINING) by ListServiceJobs
 * (serviceJob/listing.ts), its rows service jobs.
 */
export const BATCH_LISTING: ProviderList = {
  async sources(env, region) {
    const at = region as string;
    const account = awsAlias(env.account);
    const containers = statusFilter(env.plan, BATCH_STATE_MAP).kind !== 'none';
    const services = statusFilter(env.plan, BATCH_SERVICE_STATE_MAP).kind !== 'none';
    if (!containers && !services) return [{ referenceStoreId: null, stream: null }];
    let queues: Record<string, string[]>;
    try {
      queues = await sourceNamesBySort(env, JOB_QUEUES, account, at);
    } catch (err) {
      if (err instanceof BadUserInputError) throw err;
      return [{ referenceStoreId: null, ...failedReport(err) }];
    }
    const found: ListSource[] = [
      ...(containers
        ? (queues[CONTAINER_QUEUES] ?? []).map((queue) => ({
            referenceStoreId: null,
            jobQueue: queue,
            stream: queueStream(env, account, at, queue),
          }))
        : []),
      ...serviceJobSources(env, account, at, queues[SERVICE_QUEUES] ?? []),
    ];
    if (found.length > 1) env.budget?.sources(found.length - 1);
    if (found.length === 0) return [{ referenceStoreId: null, stream: null }];
    return found;
  },
};
