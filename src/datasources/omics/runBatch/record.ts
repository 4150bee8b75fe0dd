import { stateTable, type JobRecord, type KeyValue } from '../../../model/job.ts';

/**
 * HealthOmics run batch status → normalised state (GetBatch's `status`, API reference
 * https://docs.aws.amazon.com/omics/latest/api/API_GetBatch.html; /work reference jobs-2026):
 * a batch is QUEUED while it is created and its run settings validated, IN_PROGRESS from its
 * submissions until every run has ended (PROCESSED), CANCELLING while STOPPING. A batch whose runs
 * are being deleted, or were, had finished: its runs' outcome stays in `runSummary`. Anything else
 * is UNKNOWN.
 */
export const OMICS_RUN_BATCH_STATE_MAP = stateTable({
  CREATING: 'QUEUED',
  PENDING: 'QUEUED',
  SUBMITTING: 'IN_PROGRESS',
  INPROGRESS: 'IN_PROGRESS',
  STOPPING: 'CANCELLING',
  CANCELLED: 'CANCELLED',
  PROCESSED: 'SUCCEEDED',
  FAILED: 'FAILED',
  RUNS_DELETING: 'SUCCEEDED',
  RUNS_DELETE_FAILED: 'SUCCEEDED',
  RUNS_DELETED: 'SUCCEEDED',
});

/** GraphQL enum `OmicsRunBatchStatus`. */
export type OmicsRunBatchStatus = keyof typeof OMICS_RUN_BATCH_STATE_MAP;

/** GraphQL type `OmicsRunBatchRunSummary`: the batch's runs counted by status (`RunSummary`). */
interface OmicsRunBatchRunSummary {
  pendingRunCount: number | null;
  startingRunCount: number | null;
  runningRunCount: number | null;
  stoppingRunCount: number | null;
  completedRunCount: number | null;
  deletedRunCount: number | null;
  failedRunCount: number | null;
  cancelledRunCount: number | null;
}

/** GraphQL type `OmicsRunBatchSubmissionSummary`: its submissions by outcome (`SubmissionSummary`). */
interface OmicsRunBatchSubmissionSummary {
  successfulStartSubmissionCount: number | null;
  failedStartSubmissionCount: number | null;
  pendingStartSubmissionCount: number | null;
  successfulCancelSubmissionCount: number | null;
  failedCancelSubmissionCount: number | null;
  successfulDeleteSubmissionCount: number | null;
  failedDeleteSubmissionCount: number | null;
}

/**
 * GraphQL type `OmicsDefaultRunSetting`: what every run of the batch shares (`DefaultRunSetting`),
 * without its workflow `parameters` (a workflow's inputs, which may carry credentials: not read).
 */
export interface OmicsDefaultRunSetting {
  workflowId: string | null;
  workflowType: string | null;
  roleArn: string | null;
  name: string | null;
  cacheId: string | null;
  cacheBehavior: string | null;
  runGroupId: string | null;
  priority: number | null;
  storageCapacity: number | null;
  outputUri: string | null;
  logLevel: string | null;
  runTags: KeyValue[];
  retentionMode: string | null;
  storageType: string | null;
  workflowOwnerId: string | null;
  outputBucketOwnerId: string | null;
  workflowVersionName: string | null;
  networkingMode: string | null;
  configurationName: string | null;
}

/** GraphQL type `OmicsRunBatch`: the Job fields plus every field of GetBatch (but run parameters). */
export interface OmicsRunBatchRecord extends JobRecord {
  provider: 'AWS_OMICS';
  kind: 'runBatch';
  region: string;
  batchId: string;
  arn: string | null;
  uuid: string | null;
  status: OmicsRunBatchStatus | null;
  tags: KeyValue[];
  totalRuns: number | null;
  defaultRunSetting: OmicsDefaultRunSetting | null;
  submissionSummary: OmicsRunBatchSubmissionSummary | null;
  runSummary: OmicsRunBatchRunSummary | null;
  creationTime: string | null;
  submittedTime: string | null;
  processedTime: string | null;
  failedTime: string | null;
  failureReason: string | null;
}
