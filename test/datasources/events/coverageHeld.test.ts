// A paused event queue is no missed event (docs/history.md, "Falling behind"): while the queues
// receive nothing because the history writer is over its bound, a read's change may have its event
// waiting in SQS, so its grace period does not end in MISSED; once they receive again, it does.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventCoverage } from '../../../src/datasources/events/coverage.ts';

const BATCH = ['AWS_BATCH', 'default', 'us-east-1'] as const;
const GRACE_MS = 1000;

describe('Event coverage while the queues are held', () => {
  let held = false;
  let coverage: EventCoverage;
  beforeEach(() => {
    vi.useFakeTimers();
    held = false;
    coverage = new EventCoverage(
      GRACE_MS,
      () => undefined,
      () => Date.now(),
      () => held,
    );
    coverage.applied(...BATCH, 'default:us-east-1:events');
  });
  afterEach(() => {
    coverage.close();
    vi.useRealTimers();
  });

  it('keeps a place live past the grace period while held, and turns it MISSED a grace period after', () => {
    held = true;
    coverage.unannounced(...BATCH, 'batch:us-east-1:job-1');
    vi.advanceTimersByTime(5 * GRACE_MS);
    expect(coverage.live(...BATCH)).toBe(true);
    held = false;
    vi.advanceTimersByTime(GRACE_MS);
    expect(coverage.reason(...BATCH)).toBe('MISSED');
  });

  it("keeps it live when the job's event comes once the queues receive again", () => {
    held = true;
    coverage.unannounced(...BATCH, 'batch:us-east-1:job-1');
    vi.advanceTimersByTime(3 * GRACE_MS);
    held = false;
    coverage.announced(...BATCH, 'batch:us-east-1:job-1');
    vi.advanceTimersByTime(3 * GRACE_MS);
    expect(coverage.live(...BATCH)).toBe(true);
  });

  it('turns it MISSED at the grace period when not held', () => {
    coverage.unannounced(...BATCH, 'batch:us-east-1:job-1');
    vi.advanceTimersByTime(GRACE_MS);
    expect(coverage.reason(...BATCH)).toBe('MISSED');
  });
});
