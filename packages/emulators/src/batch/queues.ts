import { opaqueTokens, pageAfter, sortListed } from '../listing.ts';
import { describeComputeEnvironments } from './computeEnvironments.ts';
import type { WireBatchJob, WireJobQueue } from './data.ts';
import { readPaging } from './listWire.ts';
import { queueSnapshot } from './queueSnapshot.ts';

/**
 * AWS Batch's queue and compute-environment reads, as the service answers them (botocore
 * batch/2016-08-10, @aws-sdk/client-batch's shapes):
 *
 * - DescribeJobQueues, `POST /v1/describejobqueues` `{"jobQueues"?, "maxResults", "nextToken"}`
 *   → `{jobQueues: [JobQueueDetail], nextToken?}`, oldest queue first, ≤ 100 a page.
 * - DescribeComputeEnvironments, `POST /v1/describecomputeenvironments` (computeEnvironments.ts).
 * - GetJobQueueSnapshot, `POST /v1/getjobqueuesnapshot` `{"jobQueue": name or ARN}` →
 *   `{frontOfQueue, queueUtilization}` (queueSnapshot.ts). A queue the account does not have in the
 *   signing region: 400 ClientException `JobQueue <name> not found.`, the words SubmitJob answers
 *   for an unknown queue (seen in base2genomics/batchit#13; this operation's own are unverified).
 *
 * An answer is the wire object, or the message of a 400 ClientException.
 */

type Wire = Record<string, unknown>;

/** The operations this file answers. */
export type QueueOperation =
  'DescribeJobQueues' | 'DescribeComputeEnvironments' | 'GetJobQueueSnapshot';

/** DescribeJobQueues' page size (documented 1..100). */
export const QUEUES_MAX_RESULTS = 100;

/** What the queue routes read of one account (the emulator's `AccountJobs`). */
export interface QueueAccount {
  /** The queues of a region, oldest first. */
  queues(region: string): readonly WireJobQueue[];
  /** The account's scope: tokens issued for one account are refused for another. */
  scope: string;
}

/** What the snapshot reads of the emulator's jobs. */
export interface QueueJobs {
  /** An account's jobs of a queue as they stand now, every status. */
  queueJobs(accountId: string, queueArn: string): readonly WireBatchJob[];
  /** When a RUNNABLE job of the account became RUNNABLE, ms. */
  enteredAt(accountId: string, job: WireBatchJob): number;
}

/** The queue routes of one emulator (`now`: its clock, ms). */
export function batchQueueRoutes(now: () => number, jobs: QueueJobs) {
  const queueTokens = opaqueTokens('jobgraph-emulator-batch-DescribeJobQueues');

  function describeJobQueues(account: QueueAccount, region: string, body: Wire): Wire | string {
    const names = body.jobQueues;
    if (
      names !== undefined &&
      names !== null &&
      (!Array.isArray(names) || names.some((x) => typeof x !== 'string'))
    )
      return 'jobQueues must be a list of job queue names or ARNs.';
    const scope = `${account.scope}/${region}/queues/${JSON.stringify(names ?? null)}`;
    const page = readPaging(body, QUEUES_MAX_RESULTS, queueTokens, scope, now());
    if (typeof page === 'string') return page;
    const wanted = Array.isArray(names) && names.length > 0 ? (names as string[]) : null;
    const queues = account
      .queues(region)
      .filter(
        (q) => wanted === null || wanted.includes(q.jobQueueName) || wanted.includes(q.jobQueueArn),
      )
      .map((q) => ({ q, createdMs: q.createdMs, id: q.jobQueueName }));
    // Queues come oldest first (the order they were made), whatever the jobs' list order.
    const got = pageAfter(
      sortListed(queues, 'oldest-first'),
      [],
      page.position,
      'oldest-first',
      page.size,
    );
    const lastQueue = got.items[got.items.length - 1];
    return {
      jobQueues: got.items.map(({ q }) => {
        const { createdMs: _, ...wire } = q;
        return wire;
      }),
      ...(got.more && lastQueue ? { nextToken: queueTokens.issue(scope, lastQueue, now()) } : {}),
    };
  }

  function snapshot(
    accountId: string,
    account: QueueAccount,
    region: string,
    body: Wire,
  ): Wire | string {
    const name = body.jobQueue;
    if (typeof name !== 'string' || name === '')
      return 'jobQueue is a required job queue name or ARN.';
    const queue = account
      .queues(region)
      .find((q) => q.jobQueueName === name || q.jobQueueArn === name);
    if (!queue) return `JobQueue ${name.slice(0, 256)} not found.`;
    return queueSnapshot(
      jobs.queueJobs(accountId, queue.jobQueueArn),
      queue.schedulingPolicyArn !== undefined,
      (job) => jobs.enteredAt(accountId, job),
      now(),
    );
  }

  return {
    /** The answer to `operation` for the account `accountId` (its `account`) in `region`. */
    answer(
      operation: QueueOperation,
      accountId: string,
      account: QueueAccount,
      region: string,
      body: Wire,
    ): Wire | string {
      if (operation === 'GetJobQueueSnapshot') return snapshot(accountId, account, region, body);
      if (operation === 'DescribeComputeEnvironments')
        return describeComputeEnvironments(account, region, body);
      return describeJobQueues(account, region, body);
    },
  };
}
