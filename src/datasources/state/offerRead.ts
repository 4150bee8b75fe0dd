import type { JobRecord } from '../../model/job.ts';
import type { JobStates } from './jobStates.ts';

/**
 * A loader's read of a job offered to the job-state store as what its provider said, sent at
 * `sentAt` (on the store's clock): the one way every read path offers one (a request's loaders,
 * notifications' confirming reads). A retained record — the history's copy of a job its provider
 * forgot — is no read of the provider's, and is never offered.
 */
export function offerRead(
  states: Pick<JobStates, 'offer'>,
  record: JobRecord,
  sentAt: number,
): void {
  if (record.retained !== true) states.offer(record, { origin: 'read', at: sentAt });
}
