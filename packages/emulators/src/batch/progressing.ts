import { cycleRuns, cyclePhases, phaseAt, type CyclePoint } from '../progress.ts';
import { HIGH_PRIORITY_QUEUE, batchJob, type WireBatchJob } from './data.ts';

/**
 * The progressing AWS Batch job: SUBMITTED → PENDING → RUNNABLE → STARTING → RUNNING →
 * SUCCEEDED over one cycle, created when the cycle starts, `startedAt` set from RUNNING (the
 * service sets it when the container starts) and `stoppedAt` from SUCCEEDED, in the demo's
 * high-priority queue.
 *
 * Each cycle is a new job, as each SubmitJob is on Batch: its ID is made from the cycle's start
 * (`BATCH_PROGRESSING_RUNS`), so a job never goes from SUCCEEDED back to SUBMITTED. The jobs of the
 * cycles before stay, SUCCEEDED, as Batch keeps finished jobs for a while: DescribeJobs answers
 * them and ListJobs lists them, for BATCH_PROGRESSING_KEPT_CYCLES cycles.
 */

export const BATCH_PROGRESS_PHASES = cyclePhases([
  ['SUBMITTED', 4_000],
  ['PENDING', 8_000],
  ['RUNNABLE', 14_000],
  ['STARTING', 20_000],
  ['RUNNING', 44_000],
  ['SUCCEEDED', 60_000],
]);

/** When the progressing job becomes RUNNABLE, ms after it is made (its cycle's start). */
export const BATCH_PROGRESSING_RUNNABLE_AFTER_MS = BATCH_PROGRESS_PHASES.find(
  (p) => p.providerStatus === 'RUNNABLE',
)!.fromMs;

/** The job of the cycle `point` is in, at that point, in the wire shape of the static demo jobs. */
export function batchProgressingJob(point: CyclePoint): WireBatchJob {
  const phase = phaseAt(BATCH_PROGRESS_PHASES, point.offsetMs);
  const running = BATCH_PROGRESS_PHASES[4]!.fromMs;
  const done = phase.providerStatus === 'SUCCEEDED';
  return batchJob({
    jobId: BATCH_PROGRESSING_RUNS.idAt(point.cycleStartMs),
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

/** How many finished runs stay describable and listed after the current one (an hour's). */
export const BATCH_PROGRESSING_KEPT_CYCLES = 60;

/** Its runs: IDs `b90ae323-36f2-4688-beee-` and the cycle's start in ms as 12 hex digits (a UUID's shape). */
export const BATCH_PROGRESSING_RUNS = cycleRuns(
  { prefix: 'b90ae323-36f2-4688-beee-', radix: 16, width: 12, keep: BATCH_PROGRESSING_KEPT_CYCLES },
  batchProgressingJob,
);
