import { BrokenCircuitError } from 'cockatiel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DistinctJobsBreaker, RegionalBreakers } from '../../../src/datasources/guard/breakers.ts';
import { UpstreamError } from '../../../src/errors.ts';
import type { PanoramaKey } from '../../../src/model/globalId.ts';

const HALF_OPEN_MS = 60_000;
const key = (jobId: string, region = 'us-east-1'): PanoramaKey => ({
  provider: 'AWS_PANORAMA',
  region,
  jobId,
});
const unavailable = () =>
  new UpstreamError({
    provider: 'AWS_PANORAMA',
    code: 'UPSTREAM_UNAVAILABLE',
    message: 'HTTP 500',
    httpStatus: 500,
  });
const notFound = () =>
  new UpstreamError({ provider: 'AWS_PANORAMA', code: 'NOT_FOUND', message: 'no such job' });
const never = new AbortController().signal;

/** Three distinct failing jobs open a region; `run` counts the calls that reached the source. */
function setup() {
  const breakers = new RegionalBreakers({ breakerFailures: 3, breakerHalfOpenMs: HALF_OPEN_MS });
  let calls = 0;
  const run = (jobId: string, answer: () => Error | string) =>
    breakers.execute(
      key(jobId),
      async () => {
        calls += 1;
        const a = answer();
        if (a instanceof Error) throw a;
        return a;
      },
      never,
    );
  const fail = (jobId: string, err: Error = unavailable()) =>
    expect(run(jobId, () => err)).rejects.toBe(err);
  return { breakers, run, fail, calls: () => calls };
}

describe('DistinctJobsBreaker', () => {
  it('opens once the threshold of distinct jobs is counted, and counts a job once per run', () => {
    const b = new DistinctJobsBreaker(2);
    expect(b.count('a')).toBe(true);
    expect(b.failure()).toBe(false);
    expect(b.count('a')).toBe(false);
    expect(b.failure()).toBe(false);
    expect(b.count('b')).toBe(true);
    expect(b.failure()).toBe(true);
    b.success();
    expect(b.count('a')).toBe(true);
    expect(b.failure()).toBe(false);
  });

  it('counts every failure that has no job', () => {
    const b = new DistinctJobsBreaker(2);
    b.count(undefined);
    expect(b.failure()).toBe(false);
    b.count(undefined);
    expect(b.failure()).toBe(true);
  });
});

describe('RegionalBreakers.execute', () => {
  afterEach(() => vi.useRealTimers());

  it('never opens for one job failing again and again, one by one or at once', async () => {
    const { breakers, fail, run } = setup();
    for (let i = 0; i < 10; i++) await fail('broken');
    await Promise.all([0, 1, 2, 3, 4].map(() => fail('broken')));
    expect(breakers.openRegions()).toEqual([]);
    // Another job of the region is still asked.
    await expect(run('healthy', () => 'ok')).resolves.toBe('ok');
  });

  it('opens after distinct jobs fail in a row, then fails at once without calling', async () => {
    const { breakers, fail, run, calls } = setup();
    await fail('a');
    await fail('a');
    await fail('b');
    expect(breakers.openRegions()).toEqual([]);
    await fail('c');
    expect(breakers.openRegions()).toEqual(['us-east-1']);
    await expect(run('d', () => 'ok')).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(calls()).toBe(4);
    // Other regions have their own circuit.
    await expect(breakers.execute(key('a', 'eu-west-1'), async () => 'ok', never)).resolves.toBe(
      'ok',
    );
  });

  it('starts counting again after a success, and neither counts nor resets on a failure that is not the provider being down', async () => {
    const { breakers, fail, run } = setup();
    await fail('a');
    await fail('b');
    await run('healthy', () => 'ok');
    await fail('c');
    await fail('d');
    expect(breakers.openRegions()).toEqual([]);
    await fail('missing', notFound());
    await fail('e');
    expect(breakers.openRegions()).toEqual(['us-east-1']);
  });

  it('tells jobs apart even when their calls reject with the same error object', async () => {
    const { breakers, run } = setup();
    const shared = unavailable();
    await Promise.all(
      ['a', 'b', 'c'].map((j) => expect(run(j, () => shared)).rejects.toBe(shared)),
    );
    expect(breakers.openRegions()).toEqual(['us-east-1']);
  });

  /** A call made now that fails when the test says so. */
  const pending = (breakers: RegionalBreakers, jobId: string) => {
    let failNow!: () => void;
    const call = breakers.execute(
      key(jobId),
      () =>
        new Promise<string>((_resolve, reject) => {
          failNow = () => reject(unavailable());
        }),
      never,
    );
    return { failNow, settled: expect(call).rejects.toBeInstanceOf(UpstreamError) };
  };

  it('reopens when the half-open trial fails, even for a job that failed before or while it was open, and closes when it succeeds', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { breakers, fail, run } = setup();
    const slow = pending(breakers, 'slow');
    for (const j of ['a', 'b', 'c']) await fail(j);
    expect(breakers.openRegions()).toEqual(['us-east-1']);
    // A call made before the circuit opened fails while it is open.
    slow.failNow();
    await slow.settled;

    vi.setSystemTime(Date.now() + HALF_OPEN_MS + 1);
    await fail('slow');
    expect(breakers.openRegions()).toEqual(['us-east-1']);
    await expect(run('d', () => 'ok')).rejects.toBeInstanceOf(BrokenCircuitError);

    vi.setSystemTime(Date.now() + HALF_OPEN_MS + 1);
    await fail('a');
    expect(breakers.openRegions()).toEqual(['us-east-1']);

    vi.setSystemTime(Date.now() + HALF_OPEN_MS + 1);
    await expect(run('a', () => 'ok')).resolves.toBe('ok');
    expect(breakers.openRegions()).toEqual([]);
  });

  it('starts a new run whenever the circuit opens: after a trial closes it, neither the old run nor a late failure is still counted', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { breakers, fail } = setup();
    const slow = pending(breakers, 'slow');
    for (const j of ['a', 'b', 'c']) await fail(j);
    slow.failNow();
    await slow.settled;
    expect(breakers.openRegions()).toEqual(['us-east-1']);

    // A trial that is not the provider's fault closes the circuit (cockatiel's rule) without a success.
    vi.setSystemTime(Date.now() + HALF_OPEN_MS + 1);
    await fail('missing', notFound());
    expect(breakers.openRegions()).toEqual([]);
    await fail('a');
    await fail('slow');
    expect(breakers.openRegions()).toEqual([]);
    await fail('e');
    expect(breakers.openRegions()).toEqual(['us-east-1']);
  });
});
