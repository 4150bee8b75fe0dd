import type { LogEvent, LogSource } from '../logs/streams.ts';
import { BATCH_DEMO_SECRET_VALUE, type WireBatchJob } from './data.ts';

/**
 * What the demo's AWS Batch jobs print, as CloudWatch Logs holds it: each started job whose
 * container logs with the `awslogs` driver writes to its stream (`container.logStreamName`) in
 * the group its definition's `logConfiguration` names (`awslogs-group`, by default
 * `/aws/batch/job`), one line at its start, one every LINE_EVERY_MS while it runs (so a running
 * job's stream grows with the emulators' clock), and a last one when it stops: a failed job's is
 * the error that failed it. A job of another log driver has no stream. Lines are a pure function
 * of the job's record and the clock, so every read at one instant answers the same stream.
 */

/** The group the awslogs driver writes to when the definition names none. */
export const BATCH_DEFAULT_LOG_GROUP = '/aws/batch/job';
/** A running job prints a line this often, in ms. */
export const LINE_EVERY_MS = 5_000;
/** The most lines a job prints (a job running for days stops printing after this many). */
const MAX_LINES = 50_000;

/** The error a failed demo job prints last, by its exit code (any other code: the generic line). */
const FAILURE_LINES: Readonly<Record<number, string>> = {
  1: 'ERROR pipeline.run: s3://genomics-raw/NA12891/reads.bam: NoSuchKey (The specified key does not exist.); exiting with status 1',
  2: 'ERROR pipeline.call: reference index chr3.fa.fai is truncated (expected 25 entries, read 11); exiting with status 2',
  137: 'FATAL received SIGKILL (out of memory or terminated); exiting with status 137',
};

/** The line a failed job with `exitCode` ends on: the error that failed it. */
export function batchFailureLine(exitCode: number): string {
  return (
    FAILURE_LINES[exitCode] ?? `ERROR pipeline.run: step failed; exiting with status ${exitCode}`
  );
}

interface Container {
  logStreamName?: string;
  exitCode?: number;
  logConfiguration?: { logDriver?: string; options?: Record<string, string> };
}

/** Where a job's latest attempt logs (`group`, `stream`), or null: not started, or not awslogs. */
export function batchLogPlace(job: WireBatchJob): { group: string; stream: string } | null {
  const container = job.container as Container | undefined;
  const config = container?.logConfiguration;
  if (!container?.logStreamName || (config?.logDriver ?? 'awslogs') !== 'awslogs') return null;
  return {
    group: config?.options?.['awslogs-group'] ?? BATCH_DEFAULT_LOG_GROUP,
    stream: container.logStreamName,
  };
}

/** The lines `job` has written by `nowMs`, oldest first. */
function batchJobLines(job: WireBatchJob, nowMs: number): LogEvent[] {
  const startedAt = typeof job.startedAt === 'number' ? job.startedAt : undefined;
  if (startedAt === undefined || nowMs < startedAt) return [];
  const stoppedAt =
    typeof job.stoppedAt === 'number' && job.stoppedAt <= nowMs ? job.stoppedAt : undefined;
  const until = stoppedAt ?? nowMs;
  const container = job.container as Container & {
    environment?: { name: string; value: string }[];
  };
  const env = (container.environment ?? []).map((v) => `${v.name}=${v.value}`).join(' ');
  const line = (timestamp: number, message: string): LogEvent => ({
    timestamp,
    message,
    ingestionTime: timestamp,
  });
  const lines: LogEvent[] = [
    line(startedAt, `Starting ${job.jobName} (job ${job.jobId})`),
    // Jobs print their environment, secrets and all: what a log reader must be trusted with.
    line(startedAt + 1, `environment: ${env || `DB_PASSWORD=${BATCH_DEMO_SECRET_VALUE}`}`),
  ];
  for (let k = 1; startedAt + k * LINE_EVERY_MS < until && k < MAX_LINES; k += 1)
    lines.push(line(startedAt + k * LINE_EVERY_MS, `step ${k}: processed ${k * 12_000} reads`));
  if (stoppedAt !== undefined) {
    const exitCode = container.exitCode ?? (job.status === 'SUCCEEDED' ? 0 : 1);
    lines.push(
      line(
        stoppedAt,
        exitCode === 0
          ? 'Done: all steps succeeded; exiting with status 0'
          : batchFailureLine(exitCode),
      ),
    );
  }
  return lines;
}

/**
 * The log source of an AWS Batch emulator: the streams of the jobs `jobsOf` answers for an
 * account in `region` as they stand at the clock's instant.
 */
export function batchLogSource(
  region: string,
  jobsOf: (accountId: string) => readonly WireBatchJob[],
): LogSource {
  return {
    hasGroup: (accountId, r, group) =>
      r === region &&
      jobsOf(accountId).length > 0 &&
      (group === BATCH_DEFAULT_LOG_GROUP ||
        jobsOf(accountId).some((j) => batchLogPlace(j)?.group === group)),
    events(place, nowMs) {
      if (place.region !== region) return undefined;
      for (const job of jobsOf(place.accountId)) {
        const at = batchLogPlace(job);
        if (at?.group !== place.group || at.stream !== place.stream) continue;
        const lines = batchJobLines(job, nowMs);
        return lines.length > 0 ? lines : undefined;
      }
      return undefined;
    },
  };
}
