import type { RequestContext } from '../context.ts';
import { BadUserInputError } from '../errors.ts';
import { parseGlobalId } from '../model/globalId.ts';
import type { JobRecord } from '../model/job.ts';
import type { JobQueueValue, QueuedJobValue, QueueFilterInput } from '../queues/view.ts';

/**
 * The job queues' fields (docs/queues.md): `jobQueues`, `jobQueue` and a queue's environments,
 * front, capacity, counts and waits, each read through the request's QueueView (the caller's
 * grant; the gateway's shared, budgeted reads).
 */

const viewOf = (context: RequestContext) => {
  if (!context.queues) throw new TypeError('this gateway answers no job queues');
  return context.queues;
};

export const QueueQueries = {
  jobQueues(_: unknown, args: { filter?: QueueFilterInput | null }, context: RequestContext) {
    return viewOf(context).list(args.filter);
  },
  jobQueue(_: unknown, args: { id: string }, context: RequestContext) {
    return viewOf(context).one(args.id);
  },
};

export const JobQueue = {
  computeEnvironments: (q: JobQueueValue, _: unknown, context: RequestContext) =>
    viewOf(context).environments(q),
  /** The front's first `first` jobs: a caller that shows a few reads (and loads) no more. */
  front: async (q: JobQueueValue, args: { first: number }, context: RequestContext) => {
    if (!Number.isInteger(args.first) || args.first < 1 || args.first > 100)
      throw new BadUserInputError('Argument "first" must be 1 to 100.', { argument: 'first' });
    return viewOf(context).queued(
      q,
      (await viewOf(context).snapshot(q)).front.slice(0, args.first),
    );
  },
  quotaShareFronts: async (q: JobQueueValue, _: unknown, context: RequestContext) =>
    (await viewOf(context).snapshot(q)).quotaShareFronts.map((f) => ({
      quotaShare: f.quotaShare,
      jobs: viewOf(context).queued(q, f.jobs),
    })),
  capacityInUse: async (q: JobQueueValue, _: unknown, context: RequestContext) => {
    const s = await viewOf(context).snapshot(q);
    return [
      ...s.totalCapacity.map((u) => ({ scope: 'QUEUE', ...u })),
      ...s.shareCapacity.map((u) => ({ scope: 'SHARE', ...u })),
      ...s.quotaShareCapacity.map((u) => ({ scope: 'QUOTA_SHARE', ...u })),
    ];
  },
  blocked: (q: JobQueueValue, _: unknown, context: RequestContext) =>
    viewOf(context).blocked(q, (id) =>
      context.loadJob(parseGlobalId(id), 'JobQueue.blocked').catch(() => null),
    ),
  counts: (q: JobQueueValue, _: unknown, context: RequestContext) => viewOf(context).counts(q),
  waitSeconds: (q: JobQueueValue, args: { hours: number }, context: RequestContext) =>
    viewOf(context).waits(q, args.hours),
};

export const QueueBlocked = {
  /** The blocking job through the caller's loader; null when it cannot be read. */
  job: (b: { id: string }, _: unknown, context: RequestContext) =>
    context.loadJob(parseGlobalId(b.id), 'JobQueue.blocked').catch(() => null),
};

export const QueuedJob = {
  /** The job through the caller's loader (its grant and budget); null when it cannot be read. */
  async job(j: QueuedJobValue, _: unknown, context: RequestContext): Promise<JobRecord | null> {
    if (j.id === null) return null;
    return context.loadJob(parseGlobalId(j.id), 'JobQueue.front').catch(() => null);
  },
};
