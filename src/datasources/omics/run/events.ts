import { MalformedBodyError } from '../../../errors.ts';
import type { JobRecord } from '../../../model/job.ts';
import { boundFields } from '../../shared/eventFields.ts';
import { str } from '../../shared/json.ts';
import type { EventMeaning } from '../../shared/provider.ts';
import type { OmicsRunRecord } from './record.ts';

/** HealthOmics' event of a workflow run's status (EventBridge, source `aws.omics`). */
export const OMICS_RUN_STATUS_CHANGE = 'Run Status Change';

/** A run's ARN, `arn:aws:omics:{region}:{account}:run/{runId}`: 2048 at most, as the model bounds it. */
const RUN_EVENT_BOUNDS = { arn: 2048 };

/**
 * A `Run Status Change` event (best effort): its detail names the run by ARN and its status, not
 * its UUID, so no key can be built of it: it is a hint for the watched run whose record has that
 * ARN (`ref`), read again once, now; a run nobody watches is not read.
 */
export function readRunEvent(detail: Record<string, unknown>): EventMeaning<'AWS_OMICS'> {
  boundFields(detail, RUN_EVENT_BOUNDS);
  const arn = str(detail.arn, 'detail.arn');
  if (arn === null || !/^arn:[a-z-]+:omics:[^:]+:\d*:run\/\d+$/.test(arn))
    throw new MalformedBodyError('detail.arn is not a run ARN');
  return { kind: 'ref', ref: arn };
}

/** HealthOmics' event of a run's task's status: its detail names the task (`arn`), not its run. */
export const OMICS_TASK_STATUS_CHANGE = 'Task Status Change';

/**
 * A `Task Status Change` event (best effort): its detail names the task by ARN,
 * `arn:aws:omics:{region}:{account}:task/{taskId}`, and its status. A task's ID is its own (no
 * run ID in it) and no call finds a task's run by the task alone (GetRunTask takes the run's ID),
 * so the run cannot be known: it is news of some run of its account and region (`place`), and
 * each run watched there is read, at most once a poll interval. A task that finishes a run comes
 * with the run's own `Run Status Change`; this one brings the run's news when that one is lost.
 */
export function readTaskEvent(detail: Record<string, unknown>): EventMeaning<'AWS_OMICS'> {
  boundFields(detail, RUN_EVENT_BOUNDS);
  const arn = str(detail.arn, 'detail.arn');
  if (arn === null || !/^arn:[a-z-]+:omics:[^:]+:\d*:task\/\d+$/.test(arn))
    throw new MalformedBodyError('detail.arn is not a task ARN');
  return { kind: 'place' };
}

/** The reference a run's events name it by: its ARN (null for a record of another kind). */
export function runRef(record: JobRecord): string | null {
  return record.kind === 'run' ? (record as OmicsRunRecord).arn : null;
}
