import type { JobRecord } from '../model/job.ts';
import { providerOf } from '../datasources/registry.ts';

/**
 * Whether a watcher has had all it will get of a job: a terminal job cannot change, and a job
 * whose provider reports no status (CodePipeline's GetJobDetails: no state at all, `UNKNOWN`)
 * shows no change to watch — its details come once, and the job counts as settled.
 */
export function watchSettled(record: JobRecord): boolean {
  return record.terminal || providerOf(record.provider).progress.noStatus === true;
}

/**
 * What two records of one job are compared by: a change here is an event. Beyond the status, the
 * provider's progress fields (`Provider.progress`).
 */
export function changeSignature(record: JobRecord): string {
  const r = record as unknown as Record<string, unknown>;
  return JSON.stringify([
    record.state,
    record.providerStatus,
    record.statusMessage,
    ...providerOf(record.provider).progress.fields.map((f) => r[f] ?? null),
  ]);
}
