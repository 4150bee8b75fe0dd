import type { JobRecord } from '../../model/job.ts';
import { providerOf } from '../registry.ts';

/**
 * Whether a finished job's record is contradicted by the job's list summary (in record form):
 * the summary shows another state, or — where the provider's list carries what its watchers
 * compare (`ProviderWatch.signature`) — another value of those fields. Only a finished record can
 * be an old one (the job cache keeps nothing else), so a record still running is never
 * contradicted: the describe call that made it is at least as new as the list.
 */
export function listContradicts(record: JobRecord, listed: Partial<JobRecord>): boolean {
  if (!record.terminal) return false;
  if (listed.state != null && listed.state !== record.state) return true;
  const watch = providerOf(record.provider).watch;
  return watch !== undefined && watch.signature(listed) !== watch.signature(record);
}
