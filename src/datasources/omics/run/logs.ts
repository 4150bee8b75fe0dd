import type { JobLogWhere, ProviderLogs } from '../../shared/provider.ts';
import type { OmicsRunRecord } from './record.ts';

/** The CloudWatch Logs group HealthOmics writes every run's logs to. */
const OMICS_WORKFLOW_LOG_GROUP = '/aws/omics/WorkflowLog';

/** A task's ID as HealthOmics gives it (GetRunTask's `taskId`: 1-18 digits). */
const TASK_ID = /^\d{1,18}$/;

/**
 * Where a HealthOmics run's lines are (docs/logs.md), in `/aws/omics/WorkflowLog` in the run's
 * region: its workflow engine's stream (`logLocation.engineLogStream`, `run/{runId}/engine`), or
 * with `task` (`OmicsRun.logTail(task:)`) that task's own, `run/{runId}/task/{taskId}` (the name
 * HealthOmics gives it, GetRunTask's `logStream`: no call is made to learn it; a task the run does
 * not have has no stream, and its tail says so). A run has one attempt; one not started yet has
 * no stream.
 */
function omicsRunLogPlace(
  record: OmicsRunRecord,
  attempt: number | null,
  task: string | null = null,
): JobLogWhere {
  if (attempt !== null && attempt !== 1)
    throw new RangeError(`attempt ${attempt} is not one of this run's 1 attempt(s)`);
  if (task !== null && !TASK_ID.test(task))
    throw new RangeError('task must be a task ID of the run (`taskId`): 1-18 digits');
  if (record.startTime === null && !record.terminal)
    return { unavailable: 'not started: no log stream yet' };
  return {
    region: record.region,
    group: OMICS_WORKFLOW_LOG_GROUP,
    stream:
      task === null
        ? (record.logLocation?.engineLogStream ?? `run/${record.nativeId}/engine`)
        : `run/${record.nativeId}/task/${task}`,
    finished: record.terminal,
  };
}

/** HealthOmics runs' logs (`JobKind.logs`): the engine's stream, or a task's. */
export const OMICS_RUN_LOGS: ProviderLogs<OmicsRunRecord> = { place: omicsRunLogPlace };
