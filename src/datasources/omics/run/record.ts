import { stateTable, type JobRecord, type KeyValue } from '../../../model/job.ts';

/**
 * HealthOmics run status → normalised state (GetRun's statuses,
 * https://docs.aws.amazon.com/omics/latest/api/API_GetRun.html). A DELETED run was finished
 * before DeleteRun took it, and its GetRun no longer says how: UNKNOWN. Anything else is UNKNOWN.
 */
export const OMICS_RUN_STATE_MAP = stateTable({
  PENDING: 'QUEUED',
  STARTING: 'QUEUED',
  RUNNING: 'IN_PROGRESS',
  STOPPING: 'CANCELLING',
  COMPLETED: 'SUCCEEDED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
  DELETED: 'UNKNOWN',
});

/** GraphQL enum `OmicsRunStatus`: the statuses the map above names, no others. */
export type OmicsRunStatus = keyof typeof OMICS_RUN_STATE_MAP;

/** GraphQL type `OmicsRunLogLocation`: the run's CloudWatch Logs streams. */
export interface OmicsRunLogLocation {
  engineLogStream: string | null;
  runLogStream: string | null;
}

/** GraphQL type `OmicsRun`: the Job fields plus GetRun's fields. */
export interface OmicsRunRecord extends JobRecord {
  provider: 'AWS_OMICS';
  kind: 'run';
  region: string;
  arn: string | null;
  uuid: string;
  status: OmicsRunStatus | null;
  failureReason: string | null;
  workflowId: string | null;
  workflowType: string | null;
  workflowVersionName: string | null;
  workflowUuid: string | null;
  runGroupId: string | null;
  batchId: string | null;
  runId: string | null;
  roleArn: string | null;
  priority: number | null;
  storageType: string | null;
  storageCapacity: number | null;
  outputUri: string | null;
  runOutputUri: string | null;
  logLevel: string | null;
  logLocation: OmicsRunLogLocation | null;
  creationTime: string | null;
  startTime: string | null;
  stopTime: string | null;
  startedBy: string | null;
  tags: KeyValue[];
  accelerators: string | null;
  retentionMode: string | null;
}
