import { describe, expect, it } from 'vitest';
import { durationPercentiles, finishedPerBucket, percentile } from '../../console/src/chartData.ts';

const job = (
  state: string,
  completedAt: string | null,
  createdAt: string | null = '2026-11-26T00:00:00.000Z',
  extra: { provider?: string; jobQueue?: string } = {},
) => ({ provider: extra.provider ?? 'AWS_BATCH', state, createdAt, completedAt, ...extra });

describe("The history view's chart figures", () => {
  it('count the jobs finished in each UTC hour of the window by state, outside the window none', () => {
    const h = finishedPerBucket(
      [
        job('FAILED', '2026-11-26T10:05:00.000Z'),
        job('SUCCEEDED', '2026-11-26T10:59:59.999Z'),
        job('SUCCEEDED', '2026-11-26T12:00:00.000Z'),
        job('SUCCEEDED', '2026-11-26T13:00:00.000Z'), // the window's end is not in it
        job('FAILED', '2026-11-26T09:59:59.000Z'), // before its start
        job('SUCCEEDED', null),
      ],
      '2026-11-26T10:00:00.000Z',
      '2026-11-26T13:00:00.000Z',
    );
    expect(h.unit).toBe('hour');
    expect(h.states).toEqual(['FAILED', 'SUCCEEDED']);
    expect(h.max).toBe(2);
    expect(h.buckets).toEqual([
      { start: '2026-11-26T10:00:00.000Z', counts: { FAILED: 1, SUCCEEDED: 1 }, total: 2 },
      { start: '2026-11-26T11:00:00.000Z', counts: {}, total: 0 },
      { start: '2026-11-26T12:00:00.000Z', counts: { SUCCEEDED: 1 }, total: 1 },
    ]);
  });

  it('count per UTC day a window longer than a week', () => {
    const h = finishedPerBucket(
      [job('FAILED', '2026-11-03T23:30:00.000Z')],
      '2026-11-01T00:00:00.000Z',
      '2026-11-30T00:00:00.000Z',
    );
    expect(h.unit).toBe('day');
    expect(h.buckets).toHaveLength(29);
    expect(h.buckets[2]).toEqual({
      start: '2026-11-03T00:00:00.000Z',
      counts: { FAILED: 1 },
      total: 1,
    });
  });

  it('take the nearest-rank percentile: the smallest value with at least p% at or below it', () => {
    const values = Array.from({ length: 10 }, (_, i) => (i + 1) * 10);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 90)).toBe(90);
    expect(percentile(values, 99)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('group durations (created → completed, seconds) per provider, or per Batch queue by name', () => {
    const jobs = [
      job('SUCCEEDED', '2026-11-26T00:01:00.000Z', '2026-11-26T00:00:00.000Z', {
        jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/nightly-etl',
      }),
      job('FAILED', '2026-11-26T00:03:00.000Z', '2026-11-26T00:00:00.000Z', {
        jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/ml',
      }),
      job('SUCCEEDED', '2026-11-26T00:00:30.000Z', '2026-11-26T00:00:00.000Z', {
        provider: 'AWS_PANORAMA',
      }),
      job('SUCCEEDED', '2026-11-26T00:00:30.000Z', null, { provider: 'AWS_PANORAMA' }),
    ];
    expect(durationPercentiles(jobs, 'provider')).toEqual([
      { provider: 'AWS_BATCH', queue: null, jobs: 2, p50: 60, p90: 180, p99: 180 },
      { provider: 'AWS_PANORAMA', queue: null, jobs: 1, p50: 30, p90: 30, p99: 30 },
    ]);
    expect(durationPercentiles(jobs, 'queue').map((r) => [r.queue, r.jobs, r.p50])).toEqual([
      ['ml', 1, 180],
      ['nightly-etl', 1, 60],
      [null, 1, 30],
    ]);
  });
});
