// A hint (an event that says a job changed without its record: HealthOmics, a Batch service job)
// is followed by the read it causes, and that read finds the change the hint announced: it is no
// missed event. A change a read finds with no hint of the job within the grace period before it is.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventCoverage } from '../../../src/datasources/events/coverage.ts';

const SERVICE_JOBS = ['AWS_BATCH/serviceJob', 'default', 'us-east-1'] as const;
const JOB = 'batchservice:us-east-1:job-1';
const GRACE_MS = 1000;

describe('Event coverage of a kind whose events are hints', () => {
  let coverage: EventCoverage;
  beforeEach(() => {
    vi.useFakeTimers();
    coverage = new EventCoverage(
      GRACE_MS,
      () => undefined,
      () => Date.now(),
    );
  });
  afterEach(() => {
    coverage.close();
    vi.useRealTimers();
  });

  it('counts the change the read after a hint finds as announced, from the very first hint', () => {
    // In the order the queues measure an event: the hint of the job, then the place applied.
    coverage.hinted(...SERVICE_JOBS, JOB);
    coverage.applied(...SERVICE_JOBS, 'default:us-east-1:events');
    vi.advanceTimersByTime(GRACE_MS / 2);
    coverage.unannounced(...SERVICE_JOBS, JOB);
    vi.advanceTimersByTime(5 * GRACE_MS);
    expect(coverage.live(...SERVICE_JOBS)).toBe(true);
  });

  it('turns it MISSED for a change found a grace period after the last hint of the job', () => {
    coverage.hinted(...SERVICE_JOBS, JOB);
    coverage.applied(...SERVICE_JOBS, 'default:us-east-1:events');
    vi.advanceTimersByTime(2 * GRACE_MS);
    coverage.unannounced(...SERVICE_JOBS, JOB);
    vi.advanceTimersByTime(GRACE_MS);
    expect(coverage.reason(...SERVICE_JOBS)).toBe('MISSED');
  });

  it("turns it MISSED for a change of a job no hint named, another job's hint aside", () => {
    coverage.hinted(...SERVICE_JOBS, 'batchservice:us-east-1:job-2');
    coverage.applied(...SERVICE_JOBS, 'default:us-east-1:events');
    coverage.unannounced(...SERVICE_JOBS, JOB);
    vi.advanceTimersByTime(GRACE_MS);
    expect(coverage.reason(...SERVICE_JOBS)).toBe('MISSED');
  });
});
