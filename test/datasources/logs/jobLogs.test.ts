import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../../src/config/index.ts';
import { AwsAccounts } from '../../../src/datasources/shared/accounts.ts';
import type { AttemptObserver } from '../../../src/datasources/shared/attempts.ts';
import type { JobLogPlace } from '../../../src/datasources/shared/provider.ts';
import {
  createJobLogs,
  type JobLogs,
  type JobLogsObserver,
} from '../../../src/datasources/logs/jobLogs.ts';
import { logStreamConsoleUrl, logsWire } from '../../../src/datasources/logs/cloudWatchLogs.ts';
import { BATCH_JOB_IDS, batchDemoJobs } from '@jobgraph/emulators/batch/data';
import { batchFailureLine } from '@jobgraph/emulators/batch/jobLogs';
import { DEMO_AWS_ACCOUNT_ID, withDemoUpstreams } from '@jobgraph/emulators';
import { UpstreamError } from '../../../src/errors.ts';
import { parseJob } from '../../../src/datasources/batch/parse.ts';
import { logLinesReader } from '../../../src/notifications/logLines.ts';
import { useEmulatorSet } from '../../support/useEmulator.ts';

/**
 * The job logs' GetLogEvents calls against the emulated CloudWatch Logs, counted at the emulator:
 * a failed attempt's tail, kept and served again without a call, shared by concurrent asks,
 * refused over the log budget, and each account's own.
 */
const set = useEmulatorSet();

/** A fresh gateway's job logs over the demo's upstreams (both AWS accounts), on `now`'s clock for the budget. */
function jobLogs(
  env: Record<string, string> = {},
  now?: () => number,
  maxKeptBytes?: number,
  observer?: AttemptObserver & JobLogsObserver,
): JobLogs {
  const config: Config = withDemoUpstreams(loadConfig({ mode: 'demo' }, env), set);
  const awsAccounts = new AwsAccounts(config);
  return createJobLogs(
    config,
    {
      timeoutMs: 5_000,
      maxAttempts: 1,
      maxSockets: 8,
      awsAccounts,
      ...(maxKeptBytes === undefined ? {} : { maxKeptBytes }),
    },
    observer,
    now,
  );
}

const { listed } = batchDemoJobs(0);
const streamOf = (jobId: string) =>
  (listed.find((j) => j.jobId === jobId)?.container as { logStreamName: string }).logStreamName;
const place = (jobId: string, finished = true): JobLogPlace => ({
  region: 'us-east-1',
  group: '/aws/batch/job',
  stream: streamOf(jobId),
  finished,
});
const logCalls = () => set.logs.calls.filter((c) => c.operation.startsWith('GetLogEvents')).length;
const ask = (logs: JobLogs, p: JobLogPlace, account = 'default', last = 100, caller = 'test') =>
  logs.tail({ provider: 'AWS_BATCH', account, place: p, last, caller });
/** The Batch record of a demo job, as the gateway reads it. */
const recordOf = (jobId: string) =>
  parseJob(
    { provider: 'AWS_BATCH', region: 'us-east-1', jobId },
    listed.find((j) => j.jobId === jobId),
  ) as unknown as Record<string, unknown>;

/** Logs on a budget of 2 reads a second, the running attempt's place, and ann's first read of it made. */
async function annReadOnceOfTwo() {
  const logs = jobLogs({ JOBGRAPH_LOG_READS_PER_SECOND: '2' }, () => 1_000_000);
  const running = place(BATCH_JOB_IDS.running, false);
  await ask(logs, running, 'default', 100, 'ann');
  return { logs, running };
}

describe('Job logs', () => {
  it('read a failed attempt’s newest lines, oldest first, ending with the error that failed it', async () => {
    const logs = jobLogs();
    const tail = await ask(logs, place(BATCH_JOB_IDS.failed), 'default', 5);
    expect(tail?.lines).toHaveLength(5);
    expect(tail?.lines.at(-1)?.message).toBe(batchFailureLine(1));
    expect(tail?.hasMore).toBe(true);
    const at = tail?.lines.map((l) => l.at) ?? [];
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    logs.close();
  });

  it('serve a finished attempt’s tail again without a call', async () => {
    const logs = jobLogs();
    await ask(logs, place(BATCH_JOB_IDS.failed));
    const before = logCalls();
    const again = await ask(logs, place(BATCH_JOB_IDS.failed), 'default', 20);
    expect(logCalls() - before).toBe(0);
    expect(again?.lines.at(-1)?.message).toBe(batchFailureLine(1));
    logs.close();
  });

  it('keep finished tails within their byte bound, the least recently read dropped first', async () => {
    const [a, b, c] = [BATCH_JOB_IDS.failed, BATCH_JOB_IDS.succeeded, BATCH_JOB_IDS.outOfMemory];
    // A clock far ahead at each look: the log budget refuses none of these reads.
    let t = 0;
    const now = () => (t += 10_000);
    // Each tail's bytes as the bound counts them, from a reader with room for all three.
    const measure = jobLogs({}, now);
    const bytes: number[] = [];
    for (const id of [a, b, c]) {
      const before = measure.keptBytes();
      await ask(measure, place(id));
      bytes.push(measure.keptBytes() - before);
    }
    measure.close();
    expect(bytes.every((n) => n > 0)).toBe(true);
    // Room for any two of them, not all three.
    const max = bytes[0]! + bytes[1]! + bytes[2]! - 1;
    const logs = jobLogs({}, now, max);
    await ask(logs, place(a));
    await ask(logs, place(b));
    await ask(logs, place(a)); // kept: read again, now the most recent
    await ask(logs, place(c)); // over the bound: b, the least recently read, goes
    expect(logs.keptBytes()).toBe(bytes[0]! + bytes[2]!);
    const before = logCalls();
    await ask(logs, place(a));
    await ask(logs, place(c));
    expect(logCalls() - before).toBe(0);
    await ask(logs, place(b));
    expect(logCalls() - before).toBe(1);
    logs.close();
  });

  it('tell their observer each ask: called, kept, or shared with the read in flight', async () => {
    const outcomes: string[] = [];
    const logs = jobLogs({}, undefined, undefined, {
      start: () => () => undefined,
      logRead: (o) => outcomes.push(o),
    });
    await ask(logs, place(BATCH_JOB_IDS.failed), 'default', 5);
    await ask(logs, place(BATCH_JOB_IDS.failed), 'default', 5);
    const arrived = set.logs.received.length;
    set.logs.setFaults({ hold: true });
    const asks = [1, 2].map(() => ask(logs, place(BATCH_JOB_IDS.running, false)));
    await set.logs.waitForReceived(arrived + 1);
    set.logs.setFaults({ hold: false });
    await Promise.all(asks);
    // The running attempt's tail was not kept: asked again, it is read again.
    await ask(logs, place(BATCH_JOB_IDS.running, false));
    // (The joined ask may be told before or after the call it joins is made.)
    expect(outcomes.slice(0, 2)).toEqual(['called', 'kept']);
    expect(outcomes.slice(2, 4).sort()).toEqual(['called', 'shared']);
    expect(outcomes.slice(4)).toEqual(['called']);
    logs.close();
  });

  it('read a running attempt again on each ask (its stream still grows)', async () => {
    const logs = jobLogs();
    const before = logCalls();
    await ask(logs, place(BATCH_JOB_IDS.running, false));
    await ask(logs, place(BATCH_JOB_IDS.running, false));
    expect(logCalls() - before).toBe(2);
    logs.close();
  });

  it('share one call among 20 concurrent asks for one stream', async () => {
    const logs = jobLogs();
    const before = logCalls();
    const arrived = set.logs.received.length;
    // The first call is held at the emulator until all 20 have asked.
    set.logs.setFaults({ hold: true });
    const asks = Array.from({ length: 20 }, () => ask(logs, place(BATCH_JOB_IDS.succeeded)));
    await set.logs.waitForReceived(arrived + 1);
    set.logs.setFaults({ hold: false });
    const tails = await Promise.all(asks);
    expect(logCalls() - before).toBe(1);
    expect(new Set(tails.map((t) => t?.lines.length))).toEqual(new Set([100]));
    logs.close();
  });

  it('answer UPSTREAM_THROTTLED with a retry time over the log budget, without a call', async () => {
    let now = 1_000_000;
    const logs = jobLogs({ JOBGRAPH_LOG_READS_PER_SECOND: '2' }, () => now);
    const running = place(BATCH_JOB_IDS.running, false);
    await ask(logs, running, 'default', 100, 'ann');
    await ask(logs, running, 'default', 100, 'bob');
    const before = logCalls();
    const refused = await ask(logs, running, 'default', 100, 'cy').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UpstreamError);
    expect(refused).toMatchObject({ code: 'UPSTREAM_THROTTLED', retryAfterMs: 500 });
    expect(logCalls() - before).toBe(0);
    now += 500;
    expect((await ask(logs, running, 'default', 100, 'cy'))?.lines.length).toBe(100);
    logs.close();
  });

  it('keep each caller to its share of the log budget, so another caller is answered', async () => {
    const { logs, running } = await annReadOnceOfTwo();
    // Half the burst of 2 is ann's: her next turn is in a second (her share: 1 a second).
    const refused = await ask(logs, running, 'default', 100, 'ann').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'UPSTREAM_THROTTLED', retryAfterMs: 1000 });
    expect((await ask(logs, running, 'default', 100, 'bob'))?.lines.length).toBe(100);
    logs.close();
  });

  it('leave notifications a reserve: callers over the budget, a failed job’s notification still gets its lines', async () => {
    const { logs, running } = await annReadOnceOfTwo();
    await ask(logs, running, 'default', 100, 'bob');
    const refused = await ask(logs, running, 'default', 100, 'cy').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'UPSTREAM_THROTTLED' });
    const before = logCalls();
    const lines = await logLinesReader(logs)(recordOf(BATCH_JOB_IDS.failed), 'default');
    expect(lines?.at(-1)?.message).toBe(batchFailureLine(1));
    expect(logCalls() - before).toBe(1);
    logs.close();
  });

  it('join the read in flight of a stream whatever each ask’s last: 15 growing asks, one call', async () => {
    const logs = jobLogs();
    const running = place(BATCH_JOB_IDS.running, false);
    const before = logCalls();
    const arrived = set.logs.received.length;
    set.logs.setFaults({ hold: true });
    const lasts = Array.from({ length: 15 }, (_, i) => (i + 1) * 60);
    const asks = lasts.map((last) => ask(logs, running, 'default', last));
    await set.logs.waitForReceived(arrived + 1);
    set.logs.setFaults({ hold: false });
    const tails = await Promise.all(asks);
    expect(logCalls() - before).toBe(1);
    // Each ask is served its own newest `last` lines of the one read.
    const longest = tails.at(-1)!.lines;
    expect(longest.length).toBeGreaterThan(60);
    tails.forEach((tail, i) => expect(tail?.lines).toEqual(longest.slice(-lasts[i]!)));
    logs.close();
  });

  it('cut a line over 64 KiB at a character’s boundary, with a mark saying its size, and answer the tail', async () => {
    const logs = jobLogs();
    const huge: JobLogPlace = { ...place(BATCH_JOB_IDS.failed), stream: 'huge/default/1' };
    // 1,048,550 bytes: the most one event may hold (a page is 1 MB, 26 bytes of it the event's).
    const message = `${'€'.repeat(349_516)}ab`;
    set.logStreams.put({ accountId: DEMO_AWS_ACCOUNT_ID, ...huge }, [
      { timestamp: 1_700_000_000_000, message: 'starting' },
      { timestamp: 1_700_000_000_001, message },
    ]);
    const tail = await ask(logs, huge, 'default', 10);
    // 21,845 '€' are 65,535 bytes: the 64 KiB bound falls inside the next one.
    expect(tail?.lines.map((l) => l.message)).toEqual([
      `${'€'.repeat(21_845)}… [cut: 1,048,550 bytes]`,
    ]);
    expect(tail?.hasMore).toBe(true);
    logs.close();
  });

  it.each([
    [{ errorRate: 1 }, 'UPSTREAM_UNAVAILABLE', /^CloudWatch Logs is unavailable/],
    [{ throttleRate: 1 }, 'UPSTREAM_THROTTLED', /^CloudWatch Logs throttled the request/],
  ])(
    'name CloudWatch Logs, not the job’s provider, in the error of a failed read (%o)',
    async (faults, code, message) => {
      const logs = jobLogs();
      set.logs.setFaults(faults);
      try {
        const failed = await ask(logs, place(BATCH_JOB_IDS.running, false)).catch(
          (e: unknown) => e,
        );
        expect(failed).toBeInstanceOf(UpstreamError);
        expect(failed).toMatchObject({
          code,
          extensions: { code, provider: 'AWS_BATCH', service: 'CLOUDWATCH_LOGS' },
        });
        expect((failed as Error).message).toMatch(message);
        expect((failed as Error).message).not.toContain('AWS Batch');
      } finally {
        set.logs.resetFaults();
      }
      logs.close();
    },
  );

  it('read with the account’s own credentials: the second account finds nothing of the default account’s stream', async () => {
    const logs = jobLogs();
    const before = set.logs.calls.length;
    expect(await ask(logs, place(BATCH_JOB_IDS.failed, false), 'staging')).toBeNull();
    const call = set.logs.calls.slice(before).find((c) => c.operation.startsWith('GetLogEvents'));
    expect(call?.account).not.toBe(DEMO_AWS_ACCOUNT_ID);
    expect(call?.account).toBeDefined();
    logs.close();
  });

  it('answer null for a stream that does not exist', async () => {
    const logs = jobLogs();
    expect(
      await ask(logs, { ...place(BATCH_JOB_IDS.failed), stream: 'align/default/none' }),
    ).toBeNull();
    logs.close();
  });

  it('links the CloudWatch console’s page of the stream, encoded as the console encodes it', () => {
    expect(logStreamConsoleUrl('us-east-1', '/aws/batch/job', 'align/default/abc')).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Fbatch$252Fjob/log-events/align$252Fdefault$252Fabc',
    );
  });

  it('read CloudWatch Logs at AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, else at the partition’s logs.<region> endpoint', async () => {
    const config = loadConfig(
      { mode: 'live' },
      { AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://127.0.0.1:4109' },
    );
    expect(config.endpoints.logs).toBe('http://127.0.0.1:4109');
    expect(loadConfig({ mode: 'live' }, {}).endpoints.logs).toBeUndefined();
    const wire = logsWire({ timeoutMs: 1_000, maxAttempts: 1, maxSockets: 1 });
    expect((await wire.endpoint('eu-west-1')).host).toBe('logs.eu-west-1.amazonaws.com');
    expect((await wire.endpoint('cn-north-1')).host).toBe('logs.cn-north-1.amazonaws.com.cn');
  });
});
