import { awsKind } from '../../shared/awsKind.ts';
import { BATCH_SERVICE_ACTIONS } from './actions.ts';
import { batchServiceFacts } from './facts.ts';
import { batchServiceFailure } from './failureRules.ts';
import { BATCH_SERVICE_JOB_KEY } from './key.ts';
import type { BatchServiceJobRecord } from './record.ts';

/**
 * AWS Batch service jobs (kind `serviceJob`, 2025-07-30): SageMaker training jobs submitted
 * through Batch job queues (`SubmitServiceJob`), read by DescribeServiceJob one job a call,
 * terminated by TerminateServiceJob. Their queue is the Batch job queue they were submitted to.
 */
export const BATCH_SERVICE_JOB = awsKind<'AWS_BATCH', BatchServiceJobRecord>(
  BATCH_SERVICE_JOB_KEY,
  'batchServiceJob',
  {
    // Nothing beyond its status: its attempts and times change with it.
    progress: { fields: [] },
    failure: batchServiceFailure,
    facts: batchServiceFacts,
    // The Sandbox dashboard shows its queue, its quota share and its reason.
    dashboardFields: 'jobQueue quotaShareName statusReason',
    actions: BATCH_SERVICE_ACTIONS,
  },
);
