import { describe, expect, it } from 'vitest';
import { BATCH_FAILURE_RULES, batchFailure } from '../../../src/datasources/batch/failureRules.ts';
import { batchFacts } from '../../../src/datasources/batch/facts.ts';
import { parse } from '../../../src/datasources/batch/parse.ts';
import {
  batchJob,
  BATCH_JOB_IDS,
  batchDemoJobs,
  HIGH_PRIORITY_QUEUE,
} from '@jobgraph/emulators/batch/data';
import { ruleMatches } from '../../../src/model/failure.ts';
import type { BatchJobRecord } from '../../../src/datasources/batch/record.ts';

const ANCHOR = Date.parse('2026-11-27T12:00:00Z');
const MINUTE = 60_000;

/** A DescribeJobs answer of one job, parsed as jobgraph reads it. */
function read(wire: Record<string, unknown>): BatchJobRecord {
  const jobId = String(wire.jobId);
  return parse({ provider: 'AWS_BATCH', region: 'us-east-1', jobId }, { jobs: [wire] });
}

/** A failed job that ran and stopped, with its attempt's fields as `spec` says. */
function failed(spec: {
  statusReason?: string;
  exitCode?: number;
  containerReason?: string;
  extra?: Record<string, unknown>;
}): BatchJobRecord {
  return read(
    batchJob({
      jobId: '0c6f0e0a-4b7e-4f4e-9c1a-5d1f4a8b2e01',
      jobName: 'rules',
      queue: HIGH_PRIORITY_QUEUE,
      status: 'FAILED',
      createdMs: ANCHOR,
      startedAfter: MINUTE,
      stoppedAfter: 2 * MINUTE,
      ...spec,
    }),
  );
}

/** Documented container reasons (AWS Batch troubleshooting) and what they are. */
const CONTAINER_REASONS = [
  [
    'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed',
    'PERMISSION',
    false,
  ],
  [
    'CannotStartContainerError: Error response from daemon: OCI runtime create failed',
    'PROVIDER_ERROR',
    true,
  ],
  [
    'CannotInspectContainerError: Could not transition to inspecting; timed out after waiting 30s',
    'PROVIDER_ERROR',
    true,
  ],
  ['OutOfMemoryError: Container killed due to memory usage', 'OUT_OF_MEMORY', false],
  [
    'CannotPullContainerError: pull access denied for etl, repository does not exist',
    'IMAGE_PULL',
    false,
  ],
] as const;

/** Documented status reasons and what they are. */
const STATUS_REASONS = [
  ['Job attempt duration exceeded timeout', 'TIMEOUT', true],
  ['Dependent Job failed', 'DEPENDENCY', false],
  ['CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - no instance of the requested type', 'CAPACITY', true],
  ['Host EC2 (instance i-0123456789abcdef0) terminated.', 'SPOT_RECLAIMED', true],
] as const;

const demo = (() => {
  const { listed } = batchDemoJobs(ANCHOR);
  return (jobId: string) => read(listed.find((j) => j.jobId === jobId)!);
})();

describe('AWS Batch failure rules (batch-2026.11.1)', () => {
  it('reads a non-zero exit as the user’s code, with the fields it read', () => {
    const failure = batchFailure(demo(BATCH_JOB_IDS.failed));
    expect(failure).toMatchObject({
      category: 'USER_CODE',
      retryable: false,
      summary: "The job's own code exited with code 1.",
      rulesVersion: 'batch-2026.11.1',
    });
    expect(failure?.evidence).toEqual([
      'attempts[0].statusReason: Essential container in task exited',
      'attempts[0].container.exitCode: 1',
      'statusReason: Essential container in task exited',
      'container.reason: Essential container in task exited',
      'container.exitCode: 1',
    ]);
  });

  it('reads an out-of-memory kill before its exit code 137', () => {
    const failure = batchFailure(demo(BATCH_JOB_IDS.outOfMemory));
    expect(failure).toMatchObject({ category: 'OUT_OF_MEMORY', retryable: false });
    expect(failure?.evidence).toContain(
      'attempts[0].container.reason: OutOfMemoryError: Container killed due to memory usage',
    );
    expect(failure?.evidence).toContain('attempts[0].container.exitCode: 137');
  });

  it('reads a reclaimed spot host without an exit code as SPOT_RECLAIMED, retryable', () => {
    const record = demo(BATCH_JOB_IDS.spotReclaimed);
    expect(record.attempts[0]?.container?.exitCode).toBeNull();
    expect(batchFailure(record)).toMatchObject({
      category: 'SPOT_RECLAIMED',
      retryable: true,
      evidence: expect.arrayContaining([
        'attempts[0].statusReason: Host EC2 (instance i-0a1b2c3d4e5f67890) terminated.',
      ]),
    });
  });

  it('reads an image that could not be pulled as IMAGE_PULL', () => {
    expect(batchFailure(demo(BATCH_JOB_IDS.imagePull))).toMatchObject({
      category: 'IMAGE_PULL',
      retryable: false,
    });
  });

  it('reads a cancelled and a terminated job as CANCELLED, before the terminated one’s exit 137', () => {
    expect(batchFailure(demo(BATCH_JOB_IDS.cancelled))).toMatchObject({
      category: 'CANCELLED',
      evidence: expect.arrayContaining(['isCancelled: true']),
    });
    expect(batchFailure(demo(BATCH_JOB_IDS.terminated))).toMatchObject({
      category: 'CANCELLED',
      evidence: expect.arrayContaining(['isTerminated: true', 'container.exitCode: 137']),
    });
  });

  it.each(CONTAINER_REASONS)('reads the container reason %s', (reason, category, retryable) => {
    expect(batchFailure(failed({ containerReason: reason, exitCode: 1 }))).toMatchObject({
      category,
      retryable,
    });
  });

  it.each(STATUS_REASONS)('reads the status reason %s', (statusReason, category, retryable) => {
    expect(batchFailure(failed({ statusReason }))).toMatchObject({ category, retryable });
  });

  it('reads text no rule knows as UNKNOWN with its evidence, never a guess', () => {
    const failure = batchFailure(failed({ statusReason: 'Something new the service says' }));
    expect(failure).toMatchObject({ category: 'UNKNOWN', retryable: false });
    expect(failure?.evidence).toContain('statusReason: Something new the service says');
  });

  it('reads a list row in record form (no attempts, no container) without throwing', () => {
    // What the history writes of a listed job: the summary's fields only.
    const row = {
      provider: 'AWS_BATCH',
      state: 'FAILED',
      statusReason: 'Host EC2 (instance i-0123456789abcdef0) terminated.',
    } as unknown as BatchJobRecord;
    expect(batchFailure(row)).toMatchObject({
      category: 'SPOT_RECLAIMED',
      evidence: ['statusReason: Host EC2 (instance i-0123456789abcdef0) terminated.'],
    });
  });

  it('is null for a job that did not fail', () => {
    expect(batchFailure(demo(BATCH_JOB_IDS.succeeded))).toBeNull();
    expect(batchFailure(demo(BATCH_JOB_IDS.running))).toBeNull();
  });

  it('has every rule met by one of the documented reasons above', () => {
    const records = [
      ...Object.values(BATCH_JOB_IDS)
        .filter((id) => id !== BATCH_JOB_IDS.arrayParent && id !== BATCH_JOB_IDS.multiNode)
        .map(demo),
      ...CONTAINER_REASONS.map(([containerReason]) => failed({ containerReason, exitCode: 1 })),
      ...STATUS_REASONS.map(([statusReason]) => failed({ statusReason })),
      // The job's own fields without an attempt: a job that never started.
      read({
        ...batchJob({
          jobId: 'f1',
          jobName: 'x',
          queue: HIGH_PRIORITY_QUEUE,
          status: 'FAILED',
          createdMs: ANCHOR,
          statusReason: 'Dependent Job failed',
        }),
        attempts: [],
      }),
    ];
    const evidence = records.flatMap((r) => batchFacts(r).evidence);
    const unmet = BATCH_FAILURE_RULES.rules.filter((r) => !evidence.some((e) => ruleMatches(r, e)));
    expect(unmet.map((r) => `${r.field} → ${r.category}`)).toEqual([]);
  });
});
