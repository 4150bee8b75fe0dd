import { describe, expect, it } from 'vitest';
import { batch } from '../../../src/datasources/batch/index.ts';
import { parse } from '../../../src/datasources/batch/parse.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';
import { headerValue } from '../../../src/datasources/shared/http.ts';
import { UpstreamError } from '../../../src/errors.ts';
import type { BatchKey } from '../../../src/model/globalId.ts';
import { loadFixture, sdkFixtureHandler } from '../../support/fixtures.ts';
import { oneAttempt } from '../../support/oneAttempt.ts';

const key: BatchKey = {
  provider: 'AWS_BATCH',
  region: 'us-east-1',
  jobId: '13811212-a506-4866-8965-eafb175c2133',
};
const body = (name: string): unknown => JSON.parse(loadFixture('batch', name).body);

/** One job through the lean pipeline, answered by a golden fixture. */
async function lean(name: string, keys: BatchKey[] = [key]) {
  const fixture = loadFixture('batch', name);
  const date = Date.parse(headerValue(fixture.headers, 'date') ?? '');
  const source = createSource(
    batch,
    { ...oneAttempt(), credentials: { accessKeyId: 'A', secretAccessKey: 'S' } },
    { requestHandler: sdkFixtureHandler(fixture), now: () => date },
  );
  try {
    return await source.batch!.fetchJobs(keys);
  } finally {
    source.close?.();
  }
}

describe('AWS Batch parse', () => {
  it('reads a JobDetail: epoch-ms times as ISO-8601, the container, attempts, tags', () => {
    const record = parse(key, body('success-full'));
    expect(record).toMatchObject({
      id: `batch:us-east-1:${key.jobId}`,
      state: 'SUCCEEDED',
      terminal: true,
      status: 'SUCCEEDED',
      jobName: 'align-NA12878',
      attemptDurationSeconds: 14400,
      platformCapabilities: ['EC2'],
    });
    expect(record.createdAt).toBe('2026-08-03T04:00:00.000Z');
    expect(record.completedAt).toBe(record.stoppedAt);
    expect(record.attempts[0]?.container?.exitCode).toBe(0);
    expect(record.container?.environment).toContainEqual({
      name: 'PIPELINE_STAGE',
      value: 'align',
    });
    expect(record.tags).toContainEqual({ key: 'team', value: 'genomics' });
  });

  it("reads a container's linuxParameters whole: devices, tmpfs, shared memory, swap", () => {
    // LinuxParameters as the model has it: the wire's members, by the same names.
    const linuxParameters = {
      devices: [{ hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: ['READ'] }],
      initProcessEnabled: true,
      sharedMemorySize: 512,
      tmpfs: [{ containerPath: '/run', size: 64, mountOptions: ['noexec'] }],
      maxSwap: 1024,
      swappiness: 10,
    };
    const wire = body('success-full') as { jobs: { container: Record<string, unknown> }[] };
    wire.jobs[0]!.container.linuxParameters = structuredClone(linuxParameters);
    expect(parse(key, wire).container?.linuxParameters).toEqual(linuxParameters);
    // As the emulator and the fixtures send it: two members, the lists empty.
    expect(parse(key, body('success-full')).container?.linuxParameters).toEqual({
      devices: [],
      initProcessEnabled: true,
      sharedMemorySize: 512,
      tmpfs: [],
      maxSwap: null,
      swappiness: null,
    });
  });

  it('names the job by its jobName and says when it last changed where Batch times it', () => {
    const done = parse(key, body('success-full'));
    expect(done.name).toBe(done.jobName);
    expect(done.name).toBe('align-NA12878');
    // A finished job last changed when it stopped.
    expect(done.updatedAt).toBe(done.stoppedAt);
    const wire = body('success-full') as { jobs: Record<string, unknown>[] };
    wire.jobs[0]!.status = 'RUNNING';
    delete wire.jobs[0]!.stoppedAt;
    const running = parse(key, wire);
    // A running job last changed when it started.
    expect(running.updatedAt).toBe(running.startedAt);
    expect(running.updatedAt).not.toBeNull();
    wire.jobs[0]!.status = 'RUNNABLE';
    // Batch times no other move.
    expect(parse(key, wire).updatedAt).toBeNull();
  });

  it('an absent startedAt/stoppedAt is null; an unknown status is UNKNOWN with its raw value', () => {
    const minimal = parse(key, body('success-minimal'));
    expect(minimal).toMatchObject({
      state: 'QUEUED',
      startedAt: null,
      stoppedAt: null,
      completedAt: null,
    });
    const odd = parse(key, { jobs: [{ jobId: key.jobId, status: 'PAUSED_FOR_LUNCH' }] });
    expect(odd).toMatchObject({
      state: 'UNKNOWN',
      providerStatus: 'PAUSED_FOR_LUNCH',
      status: null,
    });
  });

  it('a job the answer leaves out is NOT_FOUND with the answer’s request ID; other jobs are ignored', async () => {
    const [missing] = await lean('not-found');
    expect(missing).toBeInstanceOf(UpstreamError);
    expect(missing).toMatchObject({
      code: 'NOT_FOUND',
      upstreamRequestId: 'b47c0200-88cb-11e5-b497-75c49e0c1a07',
    });
    const other: BatchKey = { ...key, jobId: '00000000-0000-4000-8000-000000000001' };
    const outcomes = await lean('other-jobs-ignored', [other, key]);
    expect(outcomes[0]).toMatchObject({ code: 'NOT_FOUND' });
    expect(outcomes[1]).toMatchObject({ nativeId: key.jobId, state: 'SUCCEEDED' });
  });

  it('a call that fails rejects for all its jobs: 429 throttled, 500 unavailable, 400 refused', async () => {
    await expect(lean('throttled')).rejects.toMatchObject({
      code: 'UPSTREAM_THROTTLED',
      upstreamCode: 'TooManyRequestsException',
    });
    await expect(lean('server-error')).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstreamCode: 'ServerException',
    });
    await expect(lean('client-error')).rejects.toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      upstreamCode: 'ClientException',
    });
    await expect(lean('malformed')).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });
});
