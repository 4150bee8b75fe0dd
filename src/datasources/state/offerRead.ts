import type { JobProvider, JobRecord } from '../../model/job.ts';
import { createJobLoader, type GuardedSource } from '../guard/loader.ts';
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

/**
 * A loader of `guarded`'s jobs for `caller` whose every read is offered to the job-state store
 * (`offerRead`), sent at a time on the store's clock, so that a read and an event compare: the one
 * way a loader's reads reach the store (a request's loaders, the notifications' confirming reads).
 */
export function offeringLoader<P extends JobProvider>(
  guarded: GuardedSource<P>,
  caller: string,
  states: Pick<JobStates, 'offer' | 'now'>,
) {
  return createJobLoader(
    guarded,
    caller,
    (record, sentAt) => offerRead(states, record, sentAt),
    states.now,
  );
}
