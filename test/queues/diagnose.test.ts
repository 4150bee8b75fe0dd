import { describe, expect, it } from 'vitest';
import type {
  ComputeEnvironmentInfo,
  JobQueueInfo,
  WaitingJob,
} from '../../src/datasources/shared/queues.ts';
import { diagnose, type WaitFacts } from '../../src/queues/diagnose.ts';

// The wait diagnosis (issue 103 item 2) over facts as the queue reads give them: each reason of
// AWS's checklist from its own fields, in the checklist's order, and nothing said without them.

const NOW = Date.parse('2026-11-29T12:00:00Z');
const arn = (n: number) => `arn:aws:batch:us-east-1:123456789012:job/j-${n}`;

const job = (over: Partial<WaitingJob> = {}): WaitingJob => ({
  jobArn: arn(3),
  queue: 'arn:aws:batch:us-east-1:123456789012:job-queue/q',
  status: 'RUNNABLE',
  statusReason: null,
  vcpus: 4,
  memoryMiB: 8192,
  gpus: 0,
  dependsOn: [],
  shareIdentifier: null,
  since: new Date(NOW - 60_000).toISOString(),
  runnable: true,
  ...over,
});

const env = (over: Partial<ComputeEnvironmentInfo> = {}): ComputeEnvironmentInfo => ({
  name: 'ce',
  arn: 'arn:aws:batch:us-east-1:123456789012:compute-environment/ce',
  type: 'EC2',
  state: 'ENABLED',
  status: 'VALID',
  statusReason: 'ComputeEnvironment Healthy',
  minvCpus: 0,
  desiredvCpus: 8,
  maxvCpus: 256,
  instanceTypes: ['m5.xlarge', 'm5.2xlarge'],
  allocationStrategy: 'BEST_FIT_PROGRESSIVE',
  ...over,
});

const queue: JobQueueInfo = {
  name: 'q',
  arn: 'arn:aws:batch:us-east-1:123456789012:job-queue/q',
  state: 'ENABLED',
  status: 'VALID',
  statusReason: null,
  priority: 1,
  schedulingPolicyArn: null,
  computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }],
  jobStateTimeLimitActions: [],
};

const facts = (over: Partial<WaitFacts> = {}): WaitFacts => ({
  job: job(),
  queue,
  environments: [env()],
  front: [arn(1), arn(2), arn(3)].map((jobArn) => ({ jobArn, earliestTimeAtPosition: null })),
  shareHeld: false,
  p90Seconds: 600,
  now: NOW,
  ...over,
});

const codes = (f: WaitFacts) => diagnose(f).reasons.map((r) => r.code);

describe('why a job waits', () => {
  it('says a job behind two others under the p90 waits normally, with its position', () => {
    const value = diagnose(facts());
    expect(value.position).toBe(3);
    expect(value.reasons.map((r) => r.code)).toEqual(['BEHIND_OTHERS', 'WAITING_NORMALLY']);
    expect(value.reasons[1]!.evidence).toContain('queue wait p90: 600 s');
    expect(value.estimatedStart).toBeNull();
  });

  it('says nothing is normal past the p90, and nothing of a p90 it does not have', () => {
    expect(codes(facts({ p90Seconds: 30 }))).toEqual(['BEHIND_OTHERS']);
    expect(codes(facts({ p90Seconds: null }))).toEqual(['BEHIND_OTHERS']);
  });

  it('names a job too large for every allowed instance type, against the largest of each dimension', () => {
    const value = diagnose(facts({ job: job({ vcpus: 64, memoryMiB: 500_000 }) }));
    expect(value.reasons[0]).toMatchObject({ code: 'NO_INSTANCE_TYPE_FITS' });
    expect(value.reasons[0]!.message).toContain('8 vCPUs (m5.2xlarge)');
    expect(value.reasons[0]!.evidence).toEqual([
      'job resourceRequirements: 64 vCPUs, 500000 MiB',
      'computeEnvironment ce: instanceTypes m5.xlarge, m5.2xlarge',
    ]);
    // A GPU job on an environment without GPUs; a Fargate environment's 16 vCPUs.
    expect(codes(facts({ job: job({ gpus: 1 }) }))[0]).toBe('NO_INSTANCE_TYPE_FITS');
    expect(
      codes(
        facts({
          job: job({ vcpus: 32 }),
          environments: [env({ type: 'FARGATE', instanceTypes: [] })],
        }),
      )[0],
    ).toBe('NO_INSTANCE_TYPE_FITS');
  });

  it('judges no fit against an instance type it does not know', () => {
    const unknown = env({ instanceTypes: ['x9z.metal'] });
    expect(codes(facts({ job: job({ vcpus: 1000 }), environments: [unknown] }))).not.toContain(
      'NO_INSTANCE_TYPE_FITS',
    );
  });

  it('orders environment, queue and capacity reasons as the checklist does', () => {
    const f = facts({
      queue: { ...queue, state: 'DISABLED' },
      environments: [
        env({ name: 'bad', status: 'INVALID', statusReason: 'CLIENT_ERROR - no role' }),
        env({ name: 'off', state: 'DISABLED' }),
        env({ name: 'full', desiredvCpus: 256 }),
      ],
      job: job({ statusReason: 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - none left' }),
    });
    expect(codes(f)).toEqual([
      'COMPUTE_ENVIRONMENT_INVALID',
      'COMPUTE_ENVIRONMENT_DISABLED',
      'QUEUE_DISABLED',
      'QUEUE_BLOCKED',
      'MAX_VCPUS_REACHED',
      'BEHIND_OTHERS',
    ]);
  });

  it('names a PENDING job’s dependencies, and a share held by fair-share scheduling', () => {
    const pending = facts({
      job: job({ status: 'PENDING', dependsOn: ['a', 'b'], runnable: false }),
      front: null,
    });
    expect(diagnose(pending).reasons).toEqual([
      expect.objectContaining({ code: 'DEPENDENCY', evidence: ['dependsOn: a', 'dependsOn: b'] }),
    ]);
    expect(diagnose(pending).position).toBeNull();
    const shared = facts({ job: job({ shareIdentifier: 'teamA' }), shareHeld: true });
    expect(codes(shared)).toEqual(['SHARE_LIMIT', 'BEHIND_OTHERS']);
  });
});
