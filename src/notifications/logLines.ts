/**
 * A failed job's last log lines beside its notification (docs/notifications.md, "Log lines"): only
 * in `job.failed` deliveries of rules whose creator held `jobs:logs:read` (the rule's
 * `creator_reads_logs`; its accounts are within that creator's grant), read at the attempt through
 * the job logs (src/datasources/logs/: the account's log budget and its reserve for these reads, one GetLogEvents shared by
 * concurrent asks, a finished attempt's tail kept in process, so a retry reads none), never stored
 * in the outbox: lines are what the job printed, and jobs print secrets.
 */
import type { JobLogs } from '../datasources/logs/jobLogs.ts';
import { jobLogTail } from '../datasources/logs/logTail.ts';
import { kindOf } from '../datasources/registry.ts';
import type { JobRecord } from '../model/job.ts';
import type { WebhookBody } from './payload.ts';

/** The most lines a delivery carries. */
const LOG_LINES_SHOWN = 20;
/** The most bytes (UTF-8) of those lines' messages together; the newest kept first. */
export const LOG_LINES_MAX_BYTES = 4096;

/** One line as a delivery carries it. */
export interface LogLine {
  at: string;
  message: string;
}

/** Reads the last lines of a job's record (its latest attempt), or null when there are none. */
export type LogLinesReader = (
  record: Record<string, unknown>,
  account: string,
) => Promise<LogLine[] | null>;

/** The newest of `lines` that fit in LOG_LINES_MAX_BYTES, oldest first (a longer newest one cut). */
export function boundedLines(lines: readonly LogLine[]): LogLine[] {
  const kept: LogLine[] = [];
  let bytes = 0;
  for (let i = lines.length - 1; i >= 0 && kept.length < LOG_LINES_SHOWN; i--) {
    const line = lines[i]!;
    const size = Buffer.byteLength(line.message, 'utf8');
    if (bytes + size > LOG_LINES_MAX_BYTES) {
      if (kept.length === 0)
        kept.unshift({
          ...line,
          message: Buffer.from(line.message).subarray(0, LOG_LINES_MAX_BYTES).toString('utf8'),
        });
      break;
    }
    bytes += size;
    kept.unshift(line);
  }
  return kept;
}

/** The reader of the job logs `logs` for notifications: one tail of LOG_LINES_SHOWN lines. */
export function logLinesReader(logs: JobLogs): LogLinesReader {
  return async (record, account) => {
    const job = record as unknown as JobRecord;
    const tail = await jobLogTail(
      logs,
      kindOf(job).logs,
      job,
      { last: LOG_LINES_SHOWN, attempt: null },
      { provider: job.provider, account, caller: 'jobgraph:notifications', reserve: true },
    );
    return tail.lines.length === 0 ? null : boundedLines(tail.lines);
  };
}

/** Whether a delivery of `rule` carries log lines: a failed job's, its rule's creator a log reader. */
export function carriesLogLines(
  rule: { creator_reads_logs: number },
  delivery: { type: string; job_id: string | null },
): boolean {
  return (
    rule.creator_reads_logs === 1 && delivery.type === 'job.failed' && delivery.job_id !== null
  );
}

/** `payload` (a stored webhook body) with `lines` as its `data.logLines`. */
export function withLogLines(payload: string, lines: readonly LogLine[]): string {
  const body = JSON.parse(payload) as WebhookBody;
  body.data.logLines = [...lines];
  return JSON.stringify(body);
}
