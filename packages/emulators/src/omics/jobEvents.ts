import { eventBridgeEvent, type EventBridgeEvent } from '../eventBridge.ts';
import type { WireOmicsJob } from './data.ts';
import type { WireOmicsRun, WireOmicsRunTask } from './runs.ts';

/**
 * HealthOmics' `Reference Import Job Status Change` event of `job`: `detail` holds the import
 * job's `id`, `referenceStoreId`, `status`, `statusMessage` and the event schema's
 * `omicsVersion`, nothing else (no times, no sources: a consumer re-reads the job). Best effort,
 * as the service documents its events.
 */
export function omicsStatusChangeEvent(
  job: WireOmicsJob,
  account: string,
  region: string,
  timeMs: number,
): EventBridgeEvent {
  return eventBridgeEvent({
    source: 'aws.omics',
    detailType: 'Reference Import Job Status Change',
    account,
    region,
    timeMs,
    resources: [],
    detail: {
      omicsVersion: '1.0.0',
      id: job.id,
      referenceStoreId: job.referenceStoreId,
      status: job.status,
      statusMessage: job.statusMessage ?? '',
    },
  });
}

/**
 * HealthOmics' `Run Status Change` event of `run`: `detail` holds the run's `arn`, `status` and
 * the schema's `omicsVersion` (a consumer re-reads the run). Best effort, as the service says.
 */
export function omicsRunStatusChangeEvent(
  run: WireOmicsRun,
  account: string,
  region: string,
  timeMs: number,
): EventBridgeEvent {
  return eventBridgeEvent({
    source: 'aws.omics',
    detailType: 'Run Status Change',
    account,
    region,
    timeMs,
    resources: [],
    detail: { omicsVersion: '1.0.0', arn: run.arn, status: run.status },
  });
}

/**
 * HealthOmics' `Task Status Change` event of a run's task: `detail` holds the task's `arn`
 * (`arn:aws:omics:<region>:<account>:task/<taskId>`), `status` and the schema's `omicsVersion`,
 * the shape of `Run Status Change` (unverified: the service's own example is not at hand). Best effort.
 */
export function omicsTaskStatusChangeEvent(
  task: WireOmicsRunTask,
  account: string,
  region: string,
  timeMs: number,
): EventBridgeEvent {
  return eventBridgeEvent({
    source: 'aws.omics',
    detailType: 'Task Status Change',
    account,
    region,
    timeMs,
    resources: [],
    detail: {
      omicsVersion: '1.0.0',
      arn: `arn:aws:omics:${region}:${account}:task/${task.taskId}`,
      status: task.status,
    },
  });
}
