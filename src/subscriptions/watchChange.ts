import type { JobRecord } from '../model/job.ts';
import { kindOf } from '../datasources/registry.ts';
import { changeSignature } from '../datasources/state/jobStates.ts';

export { changeSignature };

/**
 * Whether a watcher has had all it will get of a job: a terminal job cannot change, and a job
 * whose provider reports no status (CodePipeline's GetJobDetails: no state at all, `UNKNOWN`)
 * shows no change to watch — its details come once, and the job counts as settled.
 */
export function watchSettled(record: JobRecord): boolean {
  return record.terminal || kindOf(record).progress.noStatus === true;
}
