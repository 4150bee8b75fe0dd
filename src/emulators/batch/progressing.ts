import { PROGRESS_CYCLE_MS, cyclePhases, phaseAt, type CyclePoint } from '../progress.ts';
import { HIGH_PRIORITY_QUEUE, batchJob, type WireBatchJob } from './data.ts';

/**
 * The progressing AWS Batch job: SUBMITTED → PENDING → RUNNABLE → STARTING → RUNNING →
 * SUCCEEDED over one cycle, created when the cycle starts, `startedAt` set from RUNNING (the
 * service sets it when the container starts) and `stoppedAt` from SUCCEEDED, in the demo's
 * high-priority queue.
 *
 * Each cycle is a new job, as each SubmitJob is on Batch: its ID is made from the cycle's start
 * (`batchProgressingJobId`), so a job never goes from SUCCEEDED back to SUBMITTED. The jobs of the
 * cycles before stay, SUCCEEDED, as Batch keeps finished jobs for a while: DescribeJobs answers
 * them and ListJobs lists them, for BATCH_PROGRESSING_KEPT_CYCLES cycles.
 */

/** The progressing jobs' IDs: this prefix, then the cycle's start in ms as 12 hex digits (a UUID's shape). */
const ID_PREFIX = 'b90ae323-36f2-4688-beee-';

/** How many finished cycles' jobs stay describable and listed after the current one (an hour's). */
export const BATCH_PROGRESSING_KEPT_CYCLES = 60;

/** The job ID of the cycle that starts at `cycleStartMs` (ms since 1970). */
export function batchProgressingJobId(cycleStartMs: number): string {
  return `${ID_PREFIX}${Math.trunc(cycleStartMs).toString(16).padStart(12, '0')}`;
}

/** The cycle start a progressing job's ID names, or null for any other ID. */
export function batchProgressingCycleStart(jobId: string): number | null {
  if (!jobId.startsWith(ID_PREFIX)) return null;
  const hex = jobId.slice(ID_PREFIX.length);
  return /^[0-9a-f]{12}$/.test(hex) ? parseInt(hex, 16) : null;
}

export const BATCH_PROGRESS_PHASES = cyclePhases([
  ['SUBMITTED', 4_000],
  ['PENDING', 8_000],
  ['RUNNABLE', 14_000],
  ['STARTING', 20_000],
  ['RUNNING', 44_000],
  ['SUCCEEDED', 60_000],
]);

/** The job of the cycle `point` is in, at that point, in the wire shape of the static demo jobs. */
export function batchProgressingJob(point: CyclePoint): WireBatchJob {
  const phase = phaseAt(BATCH_PROGRESS_PHASES, point.offsetMs);
  const running = BATCH_PROGRESS_PHASES[4]!.fromMs;
  const done = phase.providerStatus === 'SUCCEEDED';
  return batchJob({
    jobId: batchProgressingJobId(point.cycleStartMs),
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

/** The cycles before `point`'s that still have a job: since cycle 0 (the epoch), at most the kept ones, newest first. */
function keptCycles(point: CyclePoint): CyclePoint[] {
  const kept: CyclePoint[] = [];
  for (let k = 1; k <= BATCH_PROGRESSING_KEPT_CYCLES && point.cycle - k >= 0; k += 1)
    kept.push({
      cycle: point.cycle - k,
      cycleStartMs: point.cycleStartMs - k * PROGRESS_CYCLE_MS,
      offsetMs: PROGRESS_CYCLE_MS - 1,
    });
  return kept;
}

/** The finished jobs of the kept cycles before `point`'s, newest first (each as its last phase left it). */
export function batchFinishedProgressingJobs(point: CyclePoint): WireBatchJob[] {
  return keptCycles(point).map(batchProgressingJob);
}

/** The progressing job `jobId` names as it stands at `point` (its cycle's, or a kept finished one), or undefined. */
export function batchProgressingJobById(
  jobId: string,
  point: CyclePoint,
): WireBatchJob | undefined {
  const start = batchProgressingCycleStart(jobId);
  if (start === null) return undefined;
  if (start === point.cycleStartMs) return batchProgressingJob(point);
  const kept = keptCycles(point).find((c) => c.cycleStartMs === start);
  return kept ? batchProgressingJob(kept) : undefined;
}
