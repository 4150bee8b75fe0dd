import {
  CloudWatchLogsClient,
  GetLogEventsCommand,
  type CloudWatchLogsClientConfig,
  type GetLogEventsCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from 'vitest';
import { DEMO_AWS_ACCOUNT_ID, DEMO_SECOND_AWS_ACCOUNT } from '@jobgraph/emulators/accounts';
import { BATCH_JOB_IDS, batchDemoJobs } from '@jobgraph/emulators/batch/data';
import {
  BATCH_DEFAULT_LOG_GROUP,
  LINE_EVERY_MS,
  batchFailureLine,
} from '@jobgraph/emulators/batch/jobLogs';
import { emulatorEnvironment, startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { MAX_PAGE_BYTES, EVENT_OVERHEAD_BYTES } from '@jobgraph/emulators/logs/paging';
import { useHeldClock } from '../listClient.ts';
import { sdkFailure } from '../sdkFailure.ts';
import { demoSdkConfig, stagingSession, useSdkClients } from '../../support/sdkClients.ts';
import { useStarted } from '../../support/useStarted.ts';
import { STSClient } from '@aws-sdk/client-sts';

/**
 * The CloudWatch Logs emulator through the real `@aws-sdk/client-cloudwatch-logs` client: its
 * errors, and the AWS Batch emulator's jobs' streams (what the demo's jobs print, as the
 * emulators' clock moves). Paging against the SDK and the AWS CLI: paging.test.ts.
 */
const clock = useHeldClock();
const set: EmulatorSet = useStarted(
  'the emulators',
  () => startEmulators({ now: () => clock.now }),
  (s) => s.close(),
);
const keep = useSdkClients();

function client(config: Partial<CloudWatchLogsClientConfig> = {}): CloudWatchLogsClient {
  return keep(
    new CloudWatchLogsClient({
      ...demoSdkConfig(set.logs.url),
      systemClockOffset: clock.now - Date.now(),
      ...config,
    }),
  );
}

/** A demo job's record as DescribeJobs answers it (the stream names do not depend on when the set started). */
function demoJob(jobId: string): Record<string, unknown> {
  const { listed, children } = batchDemoJobs(0);
  return listed.concat(children).find((j) => j.jobId === jobId) as Record<string, unknown>;
}

/** The job's latest attempt's log stream. */
const streamOf = (jobId: string): string =>
  (demoJob(jobId).container as { logStreamName: string }).logStreamName;

const get = (input: Partial<GetLogEventsCommandInput>, c = client()) =>
  c.send(
    new GetLogEventsCommand({
      logGroupName: BATCH_DEFAULT_LOG_GROUP,
      logStreamName: 'none',
      ...input,
    }),
  );

describe('The CloudWatch Logs emulator', () => {
  it('is started with the other emulators and exported as AWS_ENDPOINT_URL_CLOUDWATCH_LOGS', () => {
    expect(emulatorEnvironment(set).AWS_ENDPOINT_URL_CLOUDWATCH_LOGS).toBe(set.logs.url);
  });

  it('answers ResourceNotFoundException for an unknown group or stream', async () => {
    expect(await sdkFailure(get({ logGroupName: '/no/such/group' }))).toEqual({
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'The specified log group does not exist.',
    });
    expect(await sdkFailure(get({ logStreamName: 'align/default/0000' }))).toEqual({
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'The specified log stream does not exist.',
    });
  });

  it('answers InvalidParameterException for a limit out of range, both group parameters, or a token it never issued', async () => {
    set.logStreams.put(
      { accountId: DEMO_AWS_ACCOUNT_ID, region: 'us-east-1', group: '/test/invalid', stream: 's' },
      [{ timestamp: 1, message: 'one' }],
    );
    const at = { logGroupName: '/test/invalid', logStreamName: 's' };
    for (const input of [
      { ...at, limit: 0 },
      { ...at, limit: 10_001 },
      { ...at, logGroupIdentifier: '/test/invalid' },
      { ...at, nextToken: 'f/123/s' },
    ])
      expect((await sdkFailure(get(input))).code, JSON.stringify(input)).toBe(
        'InvalidParameterException',
      );
  });

  it('answers ThrottlingException when its fault knob says so, and recovers', async () => {
    set.logStreams.put(
      { accountId: DEMO_AWS_ACCOUNT_ID, region: 'us-east-1', group: '/test/throttle', stream: 's' },
      [{ timestamp: 1, message: 'one' }],
    );
    const at = { logGroupName: '/test/throttle', logStreamName: 's' };
    set.logs.setFaults({ script: ['throttle'] });
    try {
      expect(await sdkFailure(get(at))).toEqual({
        code: 'ThrottlingException',
        status: 400,
        message: 'Rate exceeded',
      });
      expect((await get(at)).events?.map((e) => e.message)).toEqual(['one']);
    } finally {
      set.logs.resetFaults();
    }
  });

  it('refuses a request signed for another service, as the AWS JSON front ends do', async () => {
    const failure = await sdkFailure(
      get({}, client({ credentials: { accessKeyId: 'AKIANOTAKEY', secretAccessKey: 'x' } })),
    );
    expect(failure).toMatchObject({ code: 'UnrecognizedClientException', status: 400 });
  });
});

describe('The AWS Batch emulator’s jobs', () => {
  it('end a failed job’s stream with the error that failed it, in the group its definition names', async () => {
    const stream = streamOf(BATCH_JOB_IDS.failed);
    // <job definition name>/default/<task ID>, as the awslogs driver names a Batch job's stream.
    expect(stream).toMatch(/^align\/default\/[0-9a-f]{32}$/);
    const page = await get({ logStreamName: stream, limit: 3 });
    expect(page.events?.map((e) => e.message).at(-1)).toBe(batchFailureLine(1));
    expect(page.nextBackwardToken).toMatch(/^b\//);
  });

  it('grow a running job’s stream a line every few seconds as the clock moves', async () => {
    const stream = streamOf(BATCH_JOB_IDS.running);
    const first = await get({ logStreamName: stream, limit: 1 });
    clock.now += LINE_EVERY_MS;
    const next = await get({
      logStreamName: stream,
      nextToken: first.nextForwardToken,
      startFromHead: true,
    });
    expect(next.events).toHaveLength(1);
    expect(next.events?.[0]?.timestamp).toBeGreaterThan(first.events?.[0]?.timestamp as number);
    // Nothing new yet: the same forward token comes back.
    const end = await get({
      logStreamName: stream,
      nextToken: next.nextForwardToken,
      startFromHead: true,
    });
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(next.nextForwardToken);
  });

  it('write no stream for a job whose log driver is not awslogs', async () => {
    const container = demoJob(BATCH_JOB_IDS.terminated).container as Record<string, unknown>;
    expect(container.logConfiguration).toMatchObject({ logDriver: 'splunk' });
    expect(container.logStreamName).toBeUndefined();
  });

  it('write each array child its own stream', async () => {
    const a = streamOf(`${BATCH_JOB_IDS.arrayParent}:0`);
    const b = streamOf(`${BATCH_JOB_IDS.arrayParent}:2`);
    expect(a).not.toBe(b);
    expect((await get({ logStreamName: b })).events?.at(-1)?.message).toMatch(/^ERROR /);
  });

  it('keep each account’s streams its own: another account’s keys find no such group', async () => {
    const stream = streamOf(BATCH_JOB_IDS.failed);
    const sts = keep(
      new STSClient({ ...demoSdkConfig(set.sts.url), systemClockOffset: clock.now - Date.now() }),
    );
    const credentials = await stagingSession(sts, 'logs-test');
    const staging = client({ credentials });
    expect((await sdkFailure(get({ logStreamName: stream }, staging))).code).toBe(
      'ResourceNotFoundException',
    );
    expect(DEMO_SECOND_AWS_ACCOUNT.accountId).not.toBe(DEMO_AWS_ACCOUNT_ID);
  });
});

describe('Paging limits', () => {
  it('caps a page at 1 MB counting each event as its message and 26 bytes', async () => {
    const message = 'x'.repeat(100_000 - EVENT_OVERHEAD_BYTES);
    set.logStreams.put(
      { accountId: DEMO_AWS_ACCOUNT_ID, region: 'us-east-1', group: '/test/cap', stream: 's' },
      Array.from({ length: 20 }, (_, i) => ({ timestamp: i, message })),
    );
    const page = await get({ logGroupName: '/test/cap', logStreamName: 's', startFromHead: true });
    expect(page.events).toHaveLength(Math.floor(MAX_PAGE_BYTES / 100_000));
  });
});
