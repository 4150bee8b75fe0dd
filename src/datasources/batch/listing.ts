import { BadUserInputError } from '../../errors.ts';
import { statusFilter } from '../listing/filter.ts';
import { MAX_PAGES_PER_STREAM, PageLimitError, type MergeStream } from '../listing/merge.ts';
import { failedReport, listStream, present } from '../listing/streams.ts';
import { listed, type Listed } from '../listing/summaries.ts';
import { accountLabel, awsAlias } from '../shared/accounts.ts';
import type { ListPage } from '../shared/paging.ts';
import type { ListEnv, ProviderList } from '../shared/provider.ts';
import { BATCH_KEY } from './key.ts';
import {
  BATCH_LIST_JOBS,
  BATCH_LIST_MAX_RESULTS,
  BATCH_LIST_QUEUES,
  BATCH_QUEUES_MAX_RESULTS,
  type BatchJobSummary,
  type BatchQueue,
} from './list.ts';
import { BATCH_JOB_STATUSES, BATCH_STATE_MAP, type BatchJobRecord } from './record.ts';

/** A ListJobs summary as a listed job, its fields as the describe record has them. */
export function batchListed(region: string, s: BatchJobSummary, account?: string): Listed | null {
  const status = BATCH_JOB_STATUSES.find((x) => x === s.upstreamStatus) ?? null;
  const terminal = s.state === 'SUCCEEDED' || s.state === 'FAILED';
  const completedAt = terminal && s.stoppedAt !== null ? new Date(s.stoppedAt) : null;
  const fields: Partial<BatchJobRecord> = {
    providerStatus: s.upstreamStatus,
    statusMessage: s.statusReason,
    jobArn: s.jobArn,
    jobName: s.jobName,
    status,
    statusReason: s.statusReason,
    startedAt: s.startedAt,
    stoppedAt: s.stoppedAt,
    jobDefinition: s.jobDefinition,
  };
  const key = {
    provider: 'AWS_BATCH',
    region,
    jobId: s.jobId,
    ...(account !== undefined ? { account } : {}),
  } as const;
  return listed(
    BATCH_KEY,
    key,
    { state: s.state, createdAt: s.createdAt, updatedAt: null, completedAt },
    fields,
  );
}

/** A region's enabled and disabled job queues in `account` (every page of DescribeJobQueues), by name. */
async function jobQueues(
  env: ListEnv,
  account: string | undefined,
  region: string,
): Promise<string[]> {
  const names = new Set<string>();
  let token: string | null = null;
  for (let pages = 0; ; pages++) {
    if (pages >= MAX_PAGES_PER_STREAM) throw new PageLimitError(MAX_PAGES_PER_STREAM);
    const page: ListPage<BatchQueue> = await env.call(
      BATCH_LIST_QUEUES,
      { region, maxResults: BATCH_QUEUES_MAX_RESULTS, nextToken: token },
      { breakerRegion: region, subject: `list:batch${accountLabel(account)}:${region}`, account },
    );
    for (const queue of page.items) if (queue.name !== '') names.add(queue.name);
    token = page.nextToken;
    if (token === null) return [...names].sort();
  }
}

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
 * FAILED source, one without queues a LISTED one. Each queue is read newest first by ListJobs
 * with a creation-time filter (every status; the states are filtered here), page by page, its
 * pages kept as the snapshots are (listing/snapshotStream.ts `pagedStream`).
 */
export const BATCH_LISTING: ProviderList = {
  async sources(env, region) {
    const at = region as string;
    const account = awsAlias(env.account);
    if (statusFilter(env.plan, BATCH_STATE_MAP).kind === 'none')
      return [{ referenceStoreId: null, stream: null }];
    let queues: string[];
    try {
      queues = await env.remember(`batch-queues${accountLabel(account)}:${at}`, () =>
        jobQueues(env, account, at),
      );
    } catch (err) {
      if (err instanceof BadUserInputError) throw err;
      return [{ referenceStoreId: null, ...failedReport(err) }];
    }
    if (queues.length > 1) env.budget?.sources(queues.length - 1);
    if (queues.length === 0) return [{ referenceStoreId: null, stream: null }];
    return queues.map((queue) => ({
      referenceStoreId: null,
      stream: queueStream(env, account, at, queue),
    }));
  },
};
