import { BadUserInputError } from '../../errors.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import type { ProviderLogs } from '../shared/provider.ts';
import { logStreamConsoleUrl } from './cloudWatchLogs.ts';
import { MAX_TAIL_LINES, type JobLogs } from './jobLogs.ts';

/** `JobLogTail` as the graph answers it. */
export interface JobLogTailValue {
  group: string | null;
  stream: string | null;
  region: string | null;
  /** Oldest first; `at` ISO-8601 UTC with milliseconds. */
  lines: { at: string; message: string }[];
  hasMore: boolean;
  consoleUrl: string | null;
  unavailable: string | null;
}

/** `logTail`'s arguments. */
export interface LogTailArgs {
  last: number;
  attempt: number | null;
  /** A part of the job with a stream of its own (`OmicsRun.logTail(task:)`); absent: the job's own. */
  part?: string | null;
}

/** Why a provider's jobs have no lines (`Provider.logs` absent). */
const NO_PROVIDER_LOG = 'no job log for this provider';

/** A tail with no lines, and why. */
const none = (unavailable: string, at: Partial<JobLogTailValue> = {}): JobLogTailValue => ({
  group: null,
  stream: null,
  region: null,
  consoleUrl: null,
  ...at,
  lines: [],
  hasMore: false,
  unavailable,
});

/**
 * `Job.logTail` of `record` (docs/logs.md): where its provider says the attempt logs, and the
 * newest `last` lines there, read through the job logs (shared, kept, budgeted); no lines and a
 * reason when the provider has no job log, the attempt none (not started, another log driver),
 * or its stream does not exist yet. An `attempt` the job has not made, a part it cannot have
 * (`part`: an OmicsRun's `task`), or `last` outside 1..1000, is BAD_USER_INPUT; an upstream failure the provider's error. The caller's scope and
 * account were checked before this is called.
 */
export async function jobLogTail(
  logs: JobLogs | undefined,
  providerLogs: ProviderLogs | undefined,
  record: JobRecord,
  args: LogTailArgs,
  who: {
    provider: JobProvider;
    account: string;
    caller: string;
    /** Notifications' reads: they may take the log budget's reserve. */
    reserve?: boolean;
    signal?: AbortSignal;
  },
): Promise<JobLogTailValue> {
  if (!Number.isInteger(args.last) || args.last < 1 || args.last > MAX_TAIL_LINES)
    throw new BadUserInputError(`logTail(last:) must be 1..${MAX_TAIL_LINES}.`);
  if (!providerLogs || !logs) return none(NO_PROVIDER_LOG);
  let where;
  try {
    where = providerLogs.place(record, args.attempt, args.part ?? null);
  } catch (err) {
    if (err instanceof RangeError) throw new BadUserInputError(`logTail: ${err.message}.`);
    throw err;
  }
  if ('unavailable' in where) return none(where.unavailable, { region: record.region });
  const at = {
    group: where.group,
    stream: where.stream,
    region: where.region,
    consoleUrl: logStreamConsoleUrl(where.region, where.group, where.stream),
  };
  const tail = await logs.tail({
    provider: who.provider,
    account: who.account,
    place: where,
    last: args.last,
    caller: who.caller,
    ...(who.reserve === true ? { reserve: true } : {}),
    ...(who.signal ? { signal: who.signal } : {}),
  });
  if (!tail)
    return none(
      'no log stream yet: the attempt has written no line, or its stream has expired',
      at,
    );
  return {
    ...at,
    lines: tail.lines.map((l) => ({ at: new Date(l.at).toISOString(), message: l.message })),
    hasMore: tail.hasMore,
    unavailable: null,
  };
}
