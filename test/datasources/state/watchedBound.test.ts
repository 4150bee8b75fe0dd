import { describe, expect, it, vi } from 'vitest';
import { parseJob } from '../../../src/datasources/batch/parse.ts';
import { RecencyList } from '../../../src/cache/recencyList.ts';
import { JobStates } from '../../../src/datasources/state/jobStates.ts';
import { parseGlobalId } from '../../../src/model/globalId.ts';
import type { JobRecord } from '../../../src/model/job.ts';
import { batchDetail } from '../../support/batchEvents.ts';

/** A Batch job `n` of the fixture's shape in `status`. */
function record(n: number, status = 'RUNNING'): JobRecord {
  const jobId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const key = parseGlobalId(`batch:us-east-1:${jobId}`);
  return parseJob(key as never, batchDetail({ jobId, status, stoppedAt: undefined }), 'detail');
}

describe('JobStates with more jobs watched than its bound', () => {
  it('makes no pass over the watched entries at a write: the write of a watched job takes none, and keeps every watched job', () => {
    const store = new JobStates({ size: 10 });
    const watched = Array.from({ length: 2000 }, (_, n) => record(n));
    for (const job of watched) store.pin(job.id);
    for (const job of watched) store.offer(job, { origin: 'read', at: 1 });
    const passes = vi.spyOn(RecencyList.prototype, 'shift');
    try {
      // An event of a watched job: a write over the bound, with nothing the store may forget.
      store.offer(record(7, 'SUCCEEDED'), { origin: 'event', time: 2 });
      expect(passes).toHaveBeenCalledTimes(0);
      // An unwatched job's write passes over as many entries as are not watched, not 2,000.
      store.offer(record(5000), { origin: 'read', at: 3 });
      expect(passes.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      passes.mockRestore();
    }
    expect(watched.every((job) => store.get(job.id) !== undefined)).toBe(true);
    expect(store.get(watched[7]!.id)?.header.providerStatus).toBe('SUCCEEDED');
  });
});
