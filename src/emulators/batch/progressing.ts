import { uuidFor } from '../listing.ts';
import { cyclePhases, phaseAt, type CyclePoint } from '../progress.ts';
import { HIGH_PRIORITY_QUEUE, batchJob, type WireBatchJob } from './data.ts';

/**
 * The progressing AWS Batch job: SUBMITTED → PENDING → RUNNABLE → STARTING → RUNNING →
 * SUCCEEDED over one cycle, created when the cycle starts, `startedAt` set from RUNNING (the
 * service sets it when the container starts) and `stoppedAt` from SUCCEEDED, in the demo's
 * high-priority queue.
 */
export const BATCH_PROGRESSING_JOB_ID = uuidFor('batch-demo/progressing');

export const BATCH_PROGRESS_PHASES = cyclePhases([
  ['SUBMITTED', 4_000],
  ['PENDING', 8_000],
  ['RUNNABLE', 14_000],
  ['STARTING', 20_000],
  ['RUNNING', 44_000],
  ['SUCCEEDED', 60_000],
]);

/** The job at a point of the cycle, in the wire shape of the static demo jobs. */
export function batchProgressingJob(point: CyclePoint): WireBatchJob {
  const phase = phaseAt(BATCH_PROGRESS_PHASES, point.offsetMs);
  const running = BATCH_PROGRESS_PHASES[4]!.fromMs;
  const done = phase.providerStatus === 'SUCCEEDED';
  return batchJob({
    jobId: BATCH_PROGRESSING_JOB_ID,
    jobName: 'align-progressing',
    queue: HIGH_PRIORITY_QUEUE,
    status: phase.providerStatus,
    createdMs: point.cycleStartMs,
    ...(point.offsetMs >= running ? { startedAfter: running } : {}),
    ...(done
      ? {
          stoppedAfter: phase.fromMs,
          exitCode: 0,
          statusReason: 'Essential container in task exited',
        }
      : {}),
  });
}
