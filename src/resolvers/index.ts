import { concreteJobs } from './concreteJob.ts';
import { DateTime } from './DateTime.ts';
import { Job } from './Job.ts';
import { Mutation } from './Mutation.ts';
import { NotificationMutations, NotificationQueries, NotificationRule } from './Notifications.ts';
import { Query } from './Query.ts';
import { JobQueue, QueueBlocked, QueuedJob, QueueQueries } from './Queues.ts';
import { Subscription } from './Subscription.ts';

export const resolvers = {
  DateTime,
  Query: { ...Query, ...NotificationQueries, ...QueueQueries },
  JobQueue,
  QueuedJob,
  QueueBlocked,
  Mutation: { ...Mutation, ...NotificationMutations },
  NotificationRule,
  Subscription,
  Job,
  ...concreteJobs,
  // A run batch's runs (ListRunsInBatch), beside every job type's resolvers.
};
