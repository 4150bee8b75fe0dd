import { stateTable, type JobRecord, type KeyValue } from '../../../model/job.ts';

/**
 * AWS Batch service-job status → normalised state (`ServiceJobStatus` in the SDK's model;
 * reference/jobs-2026.md): SCHEDULED, the service job's own state (capacity found, the SageMaker
 * training job not yet started), is still waiting, so QUEUED. A terminated job is FAILED at
 * Batch with `isTerminated` set, and stays FAILED here (as a Batch job's, ListServiceJobs'
 * summaries agree). Anything else is UNKNOWN.
 */
export const BATCH_SERVICE_STATE_MAP = stateTable({
  SUBMITTED: 'QUEUED',
  PENDING: 'QUEUED',
  RUNNABLE: 'QUEUED',
  SCHEDULED: 'QUEUED',
  STARTING: 'IN_PROGRESS',
  RUNNING: 'IN_PROGRESS',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
});

/** GraphQL enum `BatchServiceJobStatus`. */
export type BatchServiceJobStatus = keyof typeof BATCH_SERVICE_STATE_MAP;

/** GraphQL type `BatchServiceResourceId`: what the attempt ran as (`TrainingJobArn`: its ARN). */
export interface BatchServiceResourceId {
  name: string | null;
  value: string | null;
}

/** GraphQL type `BatchServiceJobAttempt` (ServiceJobAttemptDetail). */
export interface BatchServiceJobAttempt {
  serviceResourceId: BatchServiceResourceId | null;
  startedAt: string | null;
  stoppedAt: string | null;
  statusReason: string | null;
}

/** A service job's record: DescribeServiceJob's answer, every field (docs: schema/batchservice.graphql). */
export interface BatchServiceJobRecord extends JobRecord {
  provider: 'AWS_BATCH';
  kind: 'serviceJob';
  jobArn: string | null;
  jobName: string | null;
  jobQueue: string | null;
  serviceJobType: string | null;
  status: BatchServiceJobStatus | null;
  statusReason: string | null;
  scheduledAt: string | null;
  startedAt: string | null;
  stoppedAt: string | null;
  isTerminated: boolean | null;
  attempts: BatchServiceJobAttempt[];
  latestAttempt: { serviceResourceId: BatchServiceResourceId | null } | null;
  retryStrategy: {
    attempts: number | null;
    evaluateOnExit: { action: string | null; onStatusReason: string | null }[];
  } | null;
  schedulingPriority: number | null;
  shareIdentifier: string | null;
  quotaShareName: string | null;
  preemptionConfiguration: { preemptionRetriesBeforeTermination: number | null } | null;
  preemptionSummary: {
    preemptedAttemptCount: number | null;
    recentPreemptedAttempts: BatchServiceJobAttempt[];
  } | null;
  capacityUsage: { capacityUnit: string | null; quantity: number | null }[];
  timeoutConfig: { attemptDurationSeconds: number | null } | null;
  tags: KeyValue[];
  /** The whole training request (SageMaker CreateTrainingJob's JSON): secret, jobs:secrets:read. */
  serviceRequestPayload: string | null;
}
