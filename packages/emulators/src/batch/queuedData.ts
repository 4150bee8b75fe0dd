/**
 * The demo's AWS Batch jobs that wait in a queue's front, beyond the `runnable` one (in the spot
 * queue, whose environment is INVALID): three RUNNABLE jobs of the high-priority queue, behind the
 * array job's RUNNABLE child, so GetJobQueueSnapshot answers a front of four there. Two fit the
 * queue's environment (genomics-ondemand: m5.xlarge and m5.2xlarge, at most 8 vCPUs and 32 GiB)
 * and wait their turn; the last asks for 64 vCPUs and 256 GiB, more than any of its instance types
 * has, and would never be placed. None heads the queue, so none carries a blocking `statusReason`
 * (Batch writes one on the job at the head). `at(h)`: h hours before the anchor.
 */
export function queuedSpecs<Q>(
  at: (hoursAgo: number) => number,
  ids: { queued: string; queuedNext: string; tooLarge: string },
  queue: Q,
) {
  return [
    { jobId: ids.queued, jobName: 'align-NA12894', queue, status: 'RUNNABLE', createdMs: at(0.75) },
    {
      jobId: ids.queuedNext,
      jobName: 'align-NA12895',
      queue,
      status: 'RUNNABLE',
      createdMs: at(0.5),
    },
    {
      jobId: ids.tooLarge,
      jobName: 'align-wgs-NA12878',
      queue,
      status: 'RUNNABLE',
      createdMs: at(0.25),
      resources: { vcpus: 64, memoryMiB: 262_144 },
    },
  ];
}

/**
 * The demo's job that waits for capacity (MAX_VCPUS_REACHED): RUNNABLE at the head of the capped
 * queue, asking 2 vCPUs and 4 GiB — what an m5.large of its environment holds — while that
 * environment (analytics-ondemand, computeEnvironments.ts) runs at its maxvCpus.
 */
export function cappedSpec<Q>(at: (hoursAgo: number) => number, jobId: string, queue: Q) {
  return {
    jobId,
    jobName: 'report-weekly-2026-11-24',
    queue,
    status: 'RUNNABLE',
    createdMs: at(0.2),
    resources: { vcpus: 2, memoryMiB: 4096 },
  };
}
