import { uuidFor } from '../listing.ts';
import { phaseAt, type CyclePoint, type ProgressPhase } from '../progress.ts';
import { HIGH_PRIORITY_QUEUE, batchJob, type WireBatchJob } from './data.ts';

/**
 * The progressing AWS Batch job: SUBMITTED → PENDING → RUNNABLE → STARTING → RUNNING →
 * SUCCEEDED over one cycle, created when the cycle starts, `startedAt` set from RUNNING (the
 * service sets it when the container starts) and `stoppedAt` from SUCCEEDED, in the demo's
 * high-priority queue.
 */
export const BATCH_PROGRESSING_JOB_ID = uuidFor('batch-demo/progressing');

export const BATCH_PROGRESS_PHASES: readonly ProgressPhase[] = [
  { providerStatus: 'SUBMITTED', fromMs: 0, toMs: 4_000 },
  { providerStatus: 'PENDING', fromMs: 4_000, toMs: 8_000 },
  { providerStatus: 'RUNNABLE', fromMs: 8_000, toMs: 14_000 },
  { providerStatus: 'STARTING', fromMs: 14_000, toMs: 20_000 },
  { providerStatus: 'RUNNING', fromMs: 20_000, toMs: 44_000 },
  { providerStatus: 'SUCCEEDED', fromMs: 44_000, toMs: 60_000 },
];

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
