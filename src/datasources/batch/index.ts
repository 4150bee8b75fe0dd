import { BATCH_QUEUES } from './queues.ts';
import { BATCH_ACTIONS } from './actions.ts';
import { BATCH_EVENTS } from './events.ts';
import { awsSetup } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { Provider } from '../shared/provider.ts';
import { batchWire } from './client.ts';
import { BATCH_KEY } from './key.ts';
import { BATCH_LOGS } from './logPlace.ts';
import { BATCH_LISTING } from './listing.ts';
import type { BatchJobRecord } from './record.ts';
import { batchFailure } from './failureRules.ts';
import { batchFacts } from './facts.ts';
import { BATCH_PARTS } from './parts.ts';
// Service jobs (issue 102): a further kind.
import { BATCH_SERVICE_JOB } from './serviceJob/index.ts';

/**
 * AWS Batch jobs (DescribeJobs: up to 100 jobs a call, so one DataLoader batch of a region and
 * account is one call per 100 jobs), listed per job queue (DescribeJobQueues, then ListJobs newest
 * first). Not watched through its list yet: each watched job is polled by its describe.
 */
export const batch: Provider<'AWS_BATCH', BatchJobRecord, AwsSourceOptions> = {
  name: 'AWS_BATCH',
  key: BATCH_KEY,
  rootField: { name: 'batchJob', defaults: { region: (c) => c.awsRegion } },
  rpcSystem: 'aws-api',
  permissions: [
    'batch:DescribeJobs',
    'batch:DescribeJobQueues',
    'batch:DescribeComputeEnvironments',
    'batch:GetJobQueueSnapshot',
    'batch:ListJobs',
    'batch:CancelJob',
    'batch:TerminateJob',
    'batch:SubmitJob',
    'batch:TagResource',
    // Service jobs (issue 102).
    'batch:DescribeServiceJob',
    'batch:TerminateServiceJob',
    'batch:ListServiceJobs',
    // Their reruns (serviceJob/rerun.ts), tagged on submit as SubmitJob's (batch:TagResource).
    'batch:SubmitServiceJob',
  ],
  // Service jobs (issue 102): SageMaker training jobs through Batch queues.
  kinds: [BATCH_SERVICE_JOB],
  // An array job's children by status.
  progress: { fields: ['arrayProperties'] },
  failure: batchFailure,
  facts: batchFacts,
  parts: BATCH_PARTS,
  queues: BATCH_QUEUES,
  // The Sandbox dashboard shows its queue and an array job's children.
  dashboardFields: 'jobQueue statusReason arrayProperties { size statusSummary { status count } }',
  setup: awsSetup((config) => config.endpoints.batch, batchWire),
  list: BATCH_LISTING,
  events: BATCH_EVENTS,
  actions: BATCH_ACTIONS,
  logs: BATCH_LOGS,
};
